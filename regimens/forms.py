"""Forms for the clinician's regimen actions. The phase rules themselves are validated by
PhaseFields.clean() (shared with the admin), called by the actions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Phase, RegimenTemplate, Route, ScheduleUnit


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300, label=_("Why"), help_text=_("Kept with the change, for the record.")
    )


class PrescribeForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=RegimenTemplate.objects.available(), label=_("Template")
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    concentration_mcg_per_ml = forms.IntegerField(
        label=_("Product strength (mcg/mL)"),
        min_value=1,
        max_value=100_000,
        required=False,
        help_text=_("Leave empty for the usual strength of the template's medication."),
    )
    route = forms.ChoiceField(
        label=_("Route"), choices=[("", _("Template's route")), *Route.choices], required=False
    )
    reason = forms.CharField(max_length=300, required=False, label=_("Why (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = timezone.localdate()


class PhaseOverrideForm(forms.ModelForm):
    """One phase of the chosen template, as it will be copied; change the dose or schedule."""

    class Meta:
        model = Phase
        fields = ["dose_mcg", "schedule_unit", "schedule_every", "schedule_weekdays"]
        labels = {
            "dose_mcg": _("Dose (mcg)"),
            "schedule_unit": _("Repeat"),
            "schedule_every": _("Every"),
            "schedule_weekdays": _("Weekdays"),
        }


class ChangePhaseForm(PhaseOverrideForm):
    """A current phase's dose or schedule, changed from now on, with the reason."""

    reason = forms.CharField(
        max_length=300, label=_("Why"), help_text=_("Kept with the change, for the record.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schedule_unit"].choices = ScheduleUnit.choices
        self.fields["schedule_weekdays"].label = _("Weekdays (e.g. MO,WE,FR)")

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class LabReviewForm(forms.Form):
    on = forms.DateField(
        required=False,
        label=_("Next lab review"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for none planned."),
    )
    reason = forms.CharField(max_length=300, required=False, label=_("Why (optional)"))
