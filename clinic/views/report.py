"""The printable report for a range of the patient's days: for the patient's clinicians, and
for the patient ("Print for my appointment", with only the notes shared with them)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from accounts.access import log_view, patient_or_404
from regimens import adherence, schedule

from ..forms import RangeForm
from ..report import build_report


@login_required
def report(request, patient_id):
    patient = patient_or_404(request.user, patient_id)
    log_view(request, patient, "printable report")
    range_form = RangeForm(request.GET or None)
    first = last = None
    if range_form.is_valid():
        first, last = range_form.cleaned_data["first"], range_form.cleaned_data["last"]
    # A patient's events are dated in the patient's own zone (schedule rule 1): show them so.
    with timezone.override(patient.zone):
        report = build_report(patient, first, last, request.user)
        return render(
            request,
            "clinic/report.html",
            {
                "report": report,
                "patient": patient,
                "regimen": report.regimen,
                "progress": report.progress,
                "status": schedule.status(
                    report.regimen.next_due if report.regimen else None, patient.today()
                ),
                "adherence": report.adherence,
                "tolerance_share": int(adherence.TOLERANCE_SHARE * 100),
                "range_form": range_form,
                "first": first,
                "last": last,
                "range_query": _range_query(first, last),
            },
        )


def _range_query(first, last) -> str:
    """The range as a query string for the charts' addresses."""
    parts = []
    if first:
        parts.append(f"first={first.isoformat()}")
    if last:
        parts.append(f"last={last.isoformat()}")
    return "&".join(parts)
