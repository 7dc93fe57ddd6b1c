"""Forms for the patient's pages. Validation lives on the models (`clean()` and field
validators); these forms add the widgets, the defaults and the double-submit token."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import TokenMixin
from regimens import reference
from regimens.models import MAX_DOSE_MCG
from symptoms.models import ALLERGY_SIGNS, SymptomEntry

from .models import DoseLog
from .sites import SiteChart, site_chart


class SiteSelect(forms.Select):
    """A site list whose options say which route they belong to, so that the page's script
    can show only the sites for the chosen route (the correction form's site input)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-routes"] = " ".join(
                " ".join(site["routes"])
                for site in reference.clinical()["sites"]
                if site["code"] == value
            )
        return option


def side_effects_field(label) -> forms.MultipleChoiceField:
    """Side effects ticked from the reference list (a check-in's, an injection's)."""
    return forms.MultipleChoiceField(
        choices=[(item, _(item)) for item in reference.side_effects()],  # terms.py marks them
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=label,
    )


def allergy_signs_field() -> forms.MultipleChoiceField:
    """Signs of a severe allergic reaction, ticked (ticking one brings the emergency banner)."""
    return forms.MultipleChoiceField(
        choices=ALLERGY_SIGNS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Signs of a severe allergic reaction"),
    )


class DoseForm(TokenMixin, forms.ModelForm):
    administered_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("In your time zone."),
    )

    # The reaction checklist: what a check-in asks, for a reaction to this injection.
    side_effects = side_effects_field(_("Side effects after this injection"))
    allergy_signs = allergy_signs_field()

    # Range and presence are checked once, by the model (validate_dose_mcg and clean()).
    dose_mcg = forms.IntegerField(
        label=_("Dose (mcg)"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_DOSE_MCG, "step": 1}),
    )

    class Meta:
        model = DoseLog
        fields = [
            "administered_at",
            "dose_mcg",
            "medication",
            "concentration_mcg_per_ml",
            "route",
            "site",
            "lot_number",
            "administered_by",
            "side_effects",
            "allergy_signs",
            "reaction_notes",
        ]
        widgets = {
            # Drawn by templates/doses/_site_picker.html: radios with each site's last use.
            "site": forms.RadioSelect,
            "reaction_notes": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "route": _("Route"),
            "site": _("Site"),
            "lot_number": _("Lot number"),
            "administered_by": _("Administered by"),
            "reaction_notes": _("Reaction or notes"),
        }

    SITE_PICKER = True  # the site is chosen on the body map / radio list (_site_picker.html)
    # Set by the view when the dose is early or a second one that day (doses/timing.py): the
    # form comes back with what is unusual and a button to confirm it.
    timing = None

    def __init__(self, *args, regimen, site_chart=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._site_chart = site_chart
        self.instance.regimen = regimen
        self.instance.status = DoseLog.Status.GIVEN
        self.regimen = regimen
        for name in ("route", "site"):  # the model says what is missing, once
            self.fields[name].required = False
            self.fields[name].widget.attrs["required"] = True
        self.fields["medication"].initial = regimen.medication
        self.fields["concentration_mcg_per_ml"].initial = regimen.concentration_mcg_per_ml
        self.fields["route"].choices = [c for c in self.fields["route"].choices if c[0]]

    @property
    def site_chart(self) -> SiteChart:
        """The patient's sites with their last use, for the site picker (one query, once)."""
        if self._site_chart is None:
            self._site_chart = site_chart(self.regimen.patient)
        return self._site_chart

    def dose_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["medication"] = values["medication"] or self.regimen.medication
        values["concentration_mcg_per_ml"] = (
            values["concentration_mcg_per_ml"] or self.regimen.concentration_mcg_per_ml
        )
        return values


class CorrectDoseForm(DoseForm):
    # The injection was given already: its own site is the choice, in a plain list.
    SITE_PICKER = False

    reason = forms.CharField(
        max_length=300,
        required=False,
        label=_("Why are you correcting it?"),
        help_text=_("Optional, kept with the previous version."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].widget = SiteSelect(
            choices=self.fields["site"].choices, attrs={"required": True}
        )
        if self.instance.status == DoseLog.Status.SKIPPED:
            self.instance.status = DoseLog.Status.GIVEN


class SkipForm(TokenMixin):
    reason_kind = forms.ChoiceField(
        choices=DoseLog.SkipReason.choices,
        widget=forms.RadioSelect,
        label=_("Why are you skipping it?"),
    )
    reason = forms.CharField(
        max_length=300,
        required=False,
        label=_("In your own words"),
        help_text=_("Needed for “Other”; optional otherwise."),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("reason_kind") == DoseLog.SkipReason.OTHER
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", gettext("Say why the dose is skipped."))
        return cleaned


class DeleteForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False, label=_("Reason (optional)"))


class CheckinForm(TokenMixin, forms.ModelForm):
    side_effects = side_effects_field(_("Side effects since your last injection"))
    allergy_signs = allergy_signs_field()

    class Meta:
        model = SymptomEntry
        fields = [*SymptomEntry.SYMPTOMS, "side_effects", "allergy_signs", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        labels = {"note": _("Note")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in reference.symptoms():
            field = self.fields[item["key"]]
            field.label = item["name"]
            field.min_value, field.max_value = 0, 10
            field.initial = 0
            field.widget = forms.NumberInput(
                attrs={"type": "range", "min": 0, "max": 10, "step": 1, "class": "form-range"}
            )
            field.help_text = gettext("0 none, 10 worst imaginable")

    def score_fields(self) -> list:
        """The 0-10 sliders, one per symptom, in the reference data's order."""
        return [self[key] for key in SymptomEntry.SYMPTOMS]

    def entry_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
