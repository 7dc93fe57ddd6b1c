"""Forms for the clinician's regimen actions. The phase rules themselves are validated by
PhaseFields.clean() (shared with the admin), called by the actions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import dates

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
        label=_("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[dates.validate_bounded(dates.PLANNED)],
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


WEEKDAY_CHOICES = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]


class WeekdaysField(forms.MultipleChoiceField):
    """Ticked weekdays; an empty value (no box ticked, as some clients send it) is none."""

    def to_python(self, value):
        return [day for day in super().to_python(value) if day]


class PhaseOverrideForm(forms.ModelForm):
    """One phase of the chosen template, as it will be copied; change the dose or schedule.
    A weekday schedule's days are ticked, not typed; the phase stores them as "MO,WE,FR"."""

    schedule_weekdays = WeekdaysField(
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekday-choice"}),
        required=False,
        label=_("Weekdays"),
        help_text=_("For a weekday schedule: tick the days."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = self.initial.get("schedule_weekdays")
        if isinstance(days, str):  # as stored: "MO,WE,FR"
            self.initial["schedule_weekdays"] = [day for day in days.split(",") if day]

    def clean_schedule_weekdays(self) -> str:
        chosen = set(self.cleaned_data["schedule_weekdays"])
        return ",".join(code for code, _name in WEEKDAY_CHOICES if code in chosen)

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

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class LabReviewForm(forms.Form):
    on = forms.DateField(
        required=False,
        label=_("Next lab review"),
        validators=[dates.validate_bounded()],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for none planned."),
    )
    reason = forms.CharField(max_length=300, required=False, label=_("Why (optional)"))


MAX_PHASE_FORMS = 20  # far more phases than any template has; bounds an altered form's work


class BasePhaseOverrides(forms.BaseFormSet):
    """One form per phase of the chosen template: an altered form with more (or fewer) is
    refused as a whole, before any phase is compared with the template's."""

    def __init__(self, *args, count: int, **kwargs):
        self.count = count
        super().__init__(*args, **kwargs)
        # Far too many forms claimed gets the same words as a few too many.
        self.error_messages = {**self.error_messages, "too_many_forms": self._wrong_count()}

    def _wrong_count(self) -> str:
        return _("The template has %(count)s phases: choose it again and resubmit.") % {
            "count": self.count
        }

    def clean(self):
        if self.total_form_count() != self.count:
            raise forms.ValidationError(self._wrong_count())


PhaseOverrides = forms.formset_factory(
    PhaseOverrideForm,
    formset=BasePhaseOverrides,
    extra=0,
    max_num=MAX_PHASE_FORMS,
    absolute_max=MAX_PHASE_FORMS,
    validate_max=True,
)
