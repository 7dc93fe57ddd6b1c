"""The forms of "Set up my injections" (plan_setup/views.py) that describe the plan, one per
step: the template, its phases, the product and start date, and the review. The phase rules are
PhaseFields.clean()'s, the dose rule validate_dose_mcg: the same as the admin's and the
clinician's. The "already started?" step is plan_setup/started_forms.py's."""

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from accounts import dates
from accounts.forms import TokenMixin
from regimens import reference, schedule
from regimens.models import (
    MAX_DOSE_MCG,
    EndRule,
    Medication,
    Phase,
    RegimenTemplate,
    Route,
    ScheduleUnit,
    validate_dose_mcg,
)
from supplies.label_forms import LabelPhotoForm
from supplies.photos import PhotoRefused, clean_photo

MAX_START_AHEAD = timedelta(days=366)
WEEKDAY_CHOICES = [
    (code, name)
    for code, name in zip(
        schedule.WEEKDAY_CODES,
        [
            _("Monday"),
            _("Tuesday"),
            _("Wednesday"),
            _("Thursday"),
            _("Friday"),
            _("Saturday"),
            _("Sunday"),
        ],
        strict=True,
    )
]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TemplateStep(forms.Form):
    template = forms.ModelChoiceField(
        queryset=RegimenTemplate.objects.available(),
        label=_("Which plan is closest to your prescription?"),
        error_messages={
            "required": _("Choose the plan closest to your prescription."),
            "invalid_choice": _("Choose one of the plans listed."),
        },
    )


class PhaseStep(forms.Form):
    """One phase of the chosen template: confirm or change its dose, schedule and end."""

    dose_mcg = forms.IntegerField(
        label=_("Dose (mcg)"),
        validators=[validate_dose_mcg],
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_DOSE_MCG, "step": 1}),
    )
    schedule_unit = forms.ChoiceField(label=_("How often"), choices=ScheduleUnit.choices)
    schedule_every = forms.IntegerField(
        label=_("Every how many days, weeks or months"),
        required=False,
        min_value=1,
        max_value=366,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On these weekdays"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    end_rule = forms.ChoiceField(
        label=_("Ends"),
        choices=[
            (EndRule.AFTER_DOSES, _("after a number of doses")),
            (EndRule.AFTER_DAYS, _("after a number of days")),
            (EndRule.OPEN, _("open-ended: until a clinician moves me on")),
        ],
    )
    end_value = forms.IntegerField(
        label=_("Number of doses or days"), required=False, min_value=1, max_value=3650
    )

    @staticmethod
    def initial_from(values: dict) -> dict:
        """A template phase's values as this form's initial data."""
        return {
            "dose_mcg": values["dose_mcg"],
            "schedule_unit": values["schedule_unit"],
            "schedule_every": values["schedule_every"],
            "weekdays": [
                schedule.WEEKDAY_CODES[d]
                for d in schedule.parse_weekdays(values["schedule_weekdays"] or "")
            ],
            "end_rule": values["end_rule"],
            "end_value": values["end_value"],
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # Only the fields that go with the chosen schedule and end count (the others may be
        # hidden by setup.js, still holding the template's values).
        weekly = data["schedule_unit"] == ScheduleUnit.WEEKDAYS
        phase = Phase(
            dose_mcg=data["dose_mcg"],
            schedule_unit=data["schedule_unit"],
            schedule_every=None if weekly else data["schedule_every"],
            schedule_weekdays=",".join(data["weekdays"]) if weekly else "",
            end_rule=data["end_rule"],
            end_value=None if data["end_rule"] == EndRule.OPEN else data["end_value"],
        )
        try:
            phase.clean()  # the one set of phase rules (PhaseFields.clean)
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error("weekdays" if name == "schedule_weekdays" else name, errors)
            return data
        self.values = {
            name: getattr(phase, name)
            for name in (
                "dose_mcg",
                "schedule_unit",
                "schedule_every",
                "schedule_weekdays",
                "end_rule",
                "end_value",
            )
        }
        return data


class BasePhaseSteps(forms.BaseFormSet):
    def __init__(self, *args, count: int, **kwargs):
        self.count = count
        super().__init__(*args, **kwargs)

    def clean(self):
        if self.total_form_count() != self.count:
            raise ValidationError(
                _("Your plan has %(count)s phases: go back and choose the plan again."),
                params={"count": self.count},
            )


PhaseSteps = formset_factory(PhaseStep, formset=BasePhaseSteps, extra=0)


class ProductStep(forms.Form):
    medication = forms.ChoiceField(label=_("Medication"), choices=Medication.choices)
    concentration_mcg_per_ml = forms.IntegerField(
        label=_("Strength (mcg per mL)"),
        min_value=1,
        max_value=100_000,
        help_text=_("On the label, for example 1000 mcg/mL (1 mg/mL)."),
    )
    container_ml = forms.DecimalField(
        label=_("Vial or ampoule size (mL)"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        help_text=_("1 for a 1 mL ampoule, 30 for a 30 mL multi-dose vial."),
    )
    route = forms.ChoiceField(label=_("How it is injected"), choices=Route.choices)
    start_date = forms.DateField(
        label=_("Start date"),
        widget=DATE_INPUT,
        validators=[dates.validate_bounded()],  # and at most a year ahead (below)
        help_text=_("The day of the first injection of this plan (or when it is to be)."),
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    @staticmethod
    def initial_from(template: RegimenTemplate, today: date) -> dict:
        return {
            "medication": template.medication,
            "concentration_mcg_per_ml": reference.product_concentration(template.medication),
            "container_ml": Decimal("1"),
            "route": template.default_route,
            "start_date": today,
        }

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        if start > self.today + MAX_START_AHEAD:
            raise ValidationError(_("Enter a start date within the next year."))
        return start


class ReviewStep(TokenMixin):
    """Save: a new token for each rendered review, so a second submission finds the first.
    With it, if the patient chooses, a photo of the vial's label, checked and cleaned as a
    supply's label photo is (supplies/photos.py) before anything is saved: `photo` is then a
    CleanPhoto, or None."""

    photo = forms.FileField(
        label=_("Photo of the vial label (optional)"),
        required=False,
        help_text=_(
            "If you have the vial or ampoule at hand: a JPEG, PNG or WebP picture where the "
            "product name and strength can be read. Your care team checks it against this plan."
        ),
        widget=LabelPhotoForm.base_fields["photo"].widget,
        error_messages=LabelPhotoForm.base_fields["photo"].error_messages,
    )

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return clean_photo(upload)
        except PhotoRefused as exc:
            raise ValidationError(str(exc), code="photo") from None
