"""The "Download my data" form: which records (injections, check-ins or labs) and which days.

The days are the patient's own. A blank start means "from the first record" (or a year ago when
nothing is recorded), a blank end means today; an end after today is taken as today, since
nothing can be recorded later.
"""

from datetime import date

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .spreadsheet import KINDS, first_day, year_before

EARLIEST = date(1900, 1, 1)


class CsvExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Records"),
        choices=KINDS,
        initial=KINDS[0][0],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose which records to download.")},
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave blank to start at the first record."),
    )
    end = forms.DateField(
        label=_("To (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave blank for today."),
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.today = patient.today()
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update(
                min=EARLIEST.isoformat(), max=self.today.isoformat()
            )
        if not self.is_bound:
            self.initial.update(start=self.default_start(), end=self.today)

    def default_start(self) -> date:
        return first_day(self.patient) or year_before(self.today)

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start is None:
            return None
        if start > self.today:
            raise forms.ValidationError(
                gettext("The start is in the future: choose %(day)s or earlier.")
                % {"day": f"{self.today:%Y-%m-%d}"}
            )
        if start < EARLIEST:
            raise forms.ValidationError(gettext("Choose a start from 1900 onwards."))
        return start

    def clean_end(self):
        end = self.cleaned_data["end"]
        if end is not None and end < EARLIEST:
            raise forms.ValidationError(gettext("Choose an end from 1900 onwards."))
        return min(end, self.today) if end else self.today

    def clean(self):
        data = super().clean()
        if "start" in data and data["start"] is None:
            data["start"] = min(self.default_start(), data.get("end") or self.today)
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error(
                "end",
                gettext(
                    "The end (%(end)s) is before the start (%(start)s): "
                    "choose an end on or after the start."
                )
                % {"end": f"{end:%Y-%m-%d}", "start": f"{start:%Y-%m-%d}"},
            )
        return data
