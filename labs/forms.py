"""The lab result form, for a new result and for a correction. The rules are LabResult.clean()'s."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import TokenMixin
from regimens import reference

from .models import LabResult


class UnitSelect(forms.Select):
    """Units whose options say which analytes use them, for the page's script to filter."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-analytes"] = " ".join(
                lab["key"] for lab in reference.clinical()["labs"] if value in lab["units"]
            )
        return option


def unit_choices() -> list[tuple[str, str]]:
    units = []
    for lab in reference.clinical()["labs"]:
        units += [unit for unit in lab["units"] if unit not in units]
    return [(unit, unit) for unit in units]


class LabForm(TokenMixin, forms.ModelForm):
    unit = forms.ChoiceField(label=_("Unit"), choices=unit_choices(), widget=UnitSelect)

    class Meta:
        model = LabResult
        fields = ["analyte", "taken_on", "value", "unit", "note"]
        labels = {
            "analyte": _("Analyte"),
            "taken_on": _("Date drawn"),
            "value": _("Result"),
            "note": _("Note"),
        }
        widgets = {
            "taken_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.patient = patient

    def lab_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class LabCorrectForm(LabForm):
    """The lab form on a recorded result: the same fields and the same rules (LabResult.clean()
    through the model form), plus why. No double-submit token: correcting twice with the same
    values changes nothing the second time."""

    submission_token = None
    reason = forms.CharField(
        max_length=300,
        required=False,
        label=_("Why are you correcting it?"),
        help_text=_("Optional, kept with the previous version."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, patient=kwargs["instance"].patient, **kwargs)
        if self.instance.value is not None:
            # As the report prints it: 148, not 148.000.
            self.initial["value"] = f"{self.instance.value.normalize():f}"
