"""The clinician's forms: the triage list's filters, a record's date range, a clinical note and
an alert's acknowledgement."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import dates
from accounts.forms import TokenMixin
from doses.models import Alert
from regimens.models import PhaseKind

from .triage import ANY_ALERT, STATUSES


class NoteForm(TokenMixin):
    text = forms.CharField(
        max_length=4000, label=_("Clinical note"), widget=forms.Textarea(attrs={"rows": 3})
    )
    shared_with_patient = forms.BooleanField(
        required=False,
        label=_("Show this note to the patient"),
        help_text=_("It is then on the report the patient prints for their appointment."),
    )


class RangeForm(forms.Form):
    first = forms.DateField(
        required=False,
        label=_("From"),
        validators=[dates.validate_bounded()],
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    last = forms.DateField(
        required=False,
        label=_("To"),
        validators=[dates.validate_bounded()],
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            raise forms.ValidationError(gettext("The start of the range is after its end."))
        return data


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=1000,
        label=_("Note (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you did or will do; kept with the acknowledgement."),
    )


class TriageFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Search by name or email"),
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    phase = forms.ChoiceField(
        required=False,
        choices=[("", _("Any phase")), *PhaseKind.choices],
        label=_("Phase"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("Any status")), *STATUSES],
        label=_("Status"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    alert = forms.ChoiceField(
        required=False,
        choices=[("", _("Any or none")), (ANY_ALERT, _("Any open alert")), *Alert.Kind.choices],
        label=_("Alerts"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
