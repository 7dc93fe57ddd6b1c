"""The patient's reminder settings form and the clinician's digest form. The ranges are the
models' (validators, or DigestSettings.clean()); these forms only word their messages for a
person and save with one race-safe statement."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SEND_HOUR_MESSAGE, DigestSettings, ReminderSettings

LEAD_DAYS_MESSAGE = _("Choose a lead time from 1 to 7 days before the due date.")


class SavedPerUser:
    """save_for(user): store the form's choices on the user's one row of its model."""

    def save_for(self, user):
        """Create the row the first time. update_or_create locks an existing row, and retries
        as an update if a parallel save just created it."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["updated_at"] = timezone.now()
        saved, _created = self._meta.model.objects.update_or_create(user=user, defaults=values)
        return saved


class ReminderSettingsForm(SavedPerUser, forms.ModelForm):
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
            "running_out",
            "send_hour",
            "delivery",
            "push_details",
            "snooze_minutes",
        ]
        widgets = {
            "delivery": forms.RadioSelect,
            "lead_days": forms.NumberInput(attrs={"min": 1, "max": 7, "step": 1}),
            "send_hour": forms.NumberInput(attrs={"min": 0, "max": 23, "step": 1}),
        }
        # Replace the messages of the model's own range checks (codes min_value, max_value).
        error_messages = {
            "lead_days": {"min_value": LEAD_DAYS_MESSAGE, "max_value": LEAD_DAYS_MESSAGE},
            "send_hour": {"min_value": SEND_HOUR_MESSAGE, "max_value": SEND_HOUR_MESSAGE},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form from before the choice existed (or a script) leaves it out: email, as before.
        self.fields["delivery"].required = False
        self.fields["snooze_minutes"].required = False

    def clean_snooze_minutes(self):
        return self.cleaned_data.get("snooze_minutes") or ReminderSettings.Snooze.HOUR

    def clean_delivery(self):
        return self.cleaned_data.get("delivery") or ReminderSettings.Delivery.EMAIL


class DigestSettingsForm(SavedPerUser, forms.ModelForm):
    """Off, daily or weekly, the hour and the weekday (its bounds: DigestSettings.clean())."""

    class Meta:
        model = DigestSettings
        fields = ["frequency", "send_hour", "weekday"]
        widgets = {
            "frequency": forms.RadioSelect,
            "send_hour": forms.NumberInput(attrs={"min": 0, "max": 23, "step": 1}),
        }
        # The form field's own checks (a number, not negative) say what clean() says.
        error_messages = {
            "send_hour": dict.fromkeys(["invalid", "required", "min_value"], SEND_HOUR_MESSAGE)
        }
