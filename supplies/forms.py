"""The supply form: a box of ampoules or vials, added or corrected. The bounds come from the
model's validators; the rules across fields from supplies.actions.supply_problems."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.forms import TokenMixin

from .actions import supply_problems
from .models import Supply


def _limits(model, name: str) -> tuple:
    """A model field's (min, max) from its validators: the form states the model's bounds."""
    validators = model._meta.get_field(name).validators
    low = next(v.limit_value for v in validators if isinstance(v, MinValueValidator))
    high = next(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
    return low, high


# A message with the limits filled in, translated when it is shown (not when the form class is
# made, before any request has chosen a language).
_filled_in = lazy(lambda message, values: message % values, str)


def _bounded(field_class, model, name: str, message, **kwargs):
    low, high = _limits(model, name)
    text = _filled_in(message, {"low": low, "high": f"{high:,}"})
    keys = ("required", "invalid", "min_value", "max_value", "max_decimal_places", "max_digits")
    return field_class(
        label=capfirst(model._meta.get_field(name).verbose_name),
        min_value=low,
        max_value=high,
        error_messages=dict.fromkeys(keys, text),
        widget=forms.NumberInput(attrs={"min": low, "max": high}),
        **kwargs,
    )


class SupplyForm(TokenMixin, forms.ModelForm):
    """A box of ampoules or vials. The rules across fields (not expired, not in use from a
    future day) are supplies.actions.supply_problems, which the actions apply too."""

    concentration_mcg_per_ml = _bounded(
        forms.IntegerField,
        Supply,
        "concentration_mcg_per_ml",
        _(
            "Enter the strength on the label in mcg per mL, from %(low)s to %(high)s "
            "(1 mg/mL is 1000 mcg/mL)."
        ),
    )
    container_ml = _bounded(
        forms.DecimalField,
        Supply,
        "container_ml",
        _("Enter the volume of each vial or ampoule in mL, from %(low)s to %(high)s."),
        decimal_places=2,
    )
    count = _bounded(
        forms.IntegerField,
        Supply,
        "count",
        _("Enter how many vials or ampoules, from %(low)s to %(high)s."),
    )
    expires_on = forms.DateField(
        label=_("Expiry date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Enter the expiry date printed on the box or label.")},
    )
    received_on = forms.DateField(
        label=_("In use from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Injections given from this day on are taken from this supply."),
        error_messages={"required": _("Enter the day you start using it (today or earlier).")},
    )

    NEW = True  # a new supply may not be expired already

    class Meta:
        model = Supply
        fields = list(Supply.VERSIONED_FIELDS)  # what a correction keeps is what was entered
        labels = {"lot_number": _("Lot number"), "note": _("Note")}
        error_messages = {"medication": {"required": _("Choose the product.")}}

    def __init__(self, *args, patient, regimen=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = patient.today()
        self.instance.patient = patient
        self.fields["container_ml"].help_text = Supply._meta.get_field("container_ml").help_text
        self.fields["container_ml"].widget.attrs.update(step="0.01", list="container-sizes")
        if not self.instance.pk:
            self.fields["received_on"].initial = self.today
            if regimen is not None:
                self.fields["medication"].initial = regimen.medication
                self.fields["concentration_mcg_per_ml"].initial = regimen.concentration_mcg_per_ml

    def clean(self):
        data = super().clean()
        for name, message in supply_problems(data, self.today, new=self.NEW).items():
            if name not in self.errors:
                self.add_error(name, message)
        return data

    def supply_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CorrectSupplyForm(SupplyForm):
    reason = forms.CharField(
        max_length=300,
        required=False,
        label=_("Why are you correcting it?"),
        help_text=_("Optional, kept with the previous values."),
    )

    NEW = False
