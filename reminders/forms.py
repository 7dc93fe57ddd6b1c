"""The patient's reminder settings form. The ranges are the model's validators; this form only
words their messages for a person and saves with one race-safe statement."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ReminderSettings

LEAD_DAYS_MESSAGE = _("Choose a lead time from 1 to 7 days before the due date.")
SEND_HOUR_MESSAGE = _("Choose an hour from 0 (midnight) to 23 (11 pm).")


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        fields = [
            "due_soon",
            "lead_days",
            "due_today",
            "overdue",
            "checkin",
            "lab_review",
            "plan_changes",
            "send_hour",
        ]
        widgets = {
            "lead_days": forms.NumberInput(attrs={"min": 1, "max": 7, "step": 1}),
            "send_hour": forms.NumberInput(attrs={"min": 0, "max": 23, "step": 1}),
        }
        # Replace the messages of the model's own range checks (codes min_value, max_value).
        error_messages = {
            "lead_days": {"min_value": LEAD_DAYS_MESSAGE, "max_value": LEAD_DAYS_MESSAGE},
            "send_hour": {"min_value": SEND_HOUR_MESSAGE, "max_value": SEND_HOUR_MESSAGE},
        }

    def save_for(self, user) -> ReminderSettings:
        """Store the choices for `user`, creating their row the first time. update_or_create
        locks an existing row, and retries as an update if a parallel save just created it."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["updated_at"] = timezone.now()
        saved, _created = ReminderSettings.objects.update_or_create(user=user, defaults=values)
        return saved
