"""The report printed to PDF in a real browser, at A4 and at Letter: every page carries text (no
blank page), the page count stays in bounds for five months of record, and what the report
must hold is in the PDF's text: the plan and its change, injections with product, lot, site,
route and who gave them, a skip's reason, check-ins, an acknowledged alert, labs in the unit
entered and the standard one, and the clinical notes.

The record is built relative to the patient's today (no date is written in), through the
real actions; the clinician opens the report from the patient's record.
"""

import io
import re
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from doses import actions, alerts
from doses.models import Alert
from labs.models import LabResult
from regimens import actions as regimen_actions
from symptoms.models import SymptomEntry
from tests import factories
from tests.browser.conftest import login

SITES = ["LD", "RD", "LVL", "RVL", "LVG", "RVG"]
DAYS = 150  # how long ago the regimen started


def local(patient, day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)), patient.zone)


@pytest.fixture
def record(patient, clinician):
    """Five months of a cyanocobalamin regimen: the loading doses, weekly, then every four
    weeks (its dose changed by the clinician on the way); one skip; weekly check-ins; a dose
    with allergy signs, acknowledged; three lab results; two clinical notes, one shared."""
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=DAYS))
    changed = skipped = False
    count = 0
    while regimen.next_due and regimen.next_due < today:
        due = regimen.next_due
        if not changed and (due - regimen.start_date).days > 60:
            with time_machine.travel(local(patient, due - timedelta(days=1), 15), tick=False):
                regimen_actions.change_phase(
                    regimen.ordered_phases[2],
                    clinician,
                    reason="Injection-site soreness",
                    dose_mcg=500,
                )
            regimen.refresh_from_db()
            changed = True
        if count == 9 and not skipped:
            actions.skip_dose(regimen, patient, "Travelling without supplies")
            regimen.refresh_from_db()
            skipped = True
            continue
        extra = {"lot_number": f"CY{2400 + count}"}
        if count == 3:
            extra.update(allergy_signs=["hives"], reaction_notes="Itchy welts after an hour")
        if count == 5:
            extra["administered_by"] = "carer"
        factories.give(regimen, due, 9 + count % 3, site=SITES[count % len(SITES)], **extra)
        count += 1
    for week in range(DAYS // 7):
        day = regimen.start_date + timedelta(days=7 * week + 2)
        score = max(0, 7 - week // 3)
        actions.record_checkin(
            patient,
            patient,
            recorded_at=local(patient, day, 19),
            **dict.fromkeys(SymptomEntry.SYMPTOMS, score),
        )
    for days_after, value, unit in [
        (-3, "110", "pg/mL"),
        (40, "310", "pmol/L"),
        (120, "612", "pg/mL"),
    ]:
        factories.LabResultFactory(
            patient=patient,
            taken_on=regimen.start_date + timedelta(days=days_after),
            analyte="b12",
            value=value,
            unit=unit,
            recorded_by=clinician,
        )
    allergy = Alert.objects.get(kind=Alert.Kind.ALLERGY)
    alerts.acknowledge(allergy, clinician, "Phoned: antihistamine, settled")
    actions.add_note(
        patient, clinician, "Keep rotating sites; review in 3 months.", shared_with_patient=True
    )
    actions.add_note(patient, clinician, "Consider intrinsic factor antibodies.")
    return regimen


def pdf_pages(page, size: str) -> list[str]:
    """The text of each page of the report printed at `size`."""
    data = page.pdf(format=size, print_background=False)
    reader = PdfReader(io.BytesIO(data))
    return [" ".join((sheet.extract_text() or "").split()) for sheet in reader.pages]


EXPECTED = [
    "B12 injection report: Pat Patient",
    "Changes to the plan",
    "Injection-site soreness",  # why the plan changed
    "dose mcg 1000 → 500",  # before and after
    "Dr Care",  # who
    "Cyanocobalamin, 1000 mcg/mL",  # product
    "CY2400",  # lot
    "Left deltoid",  # site
    "Intramuscular",  # route
    "A carer or family member",  # who gave it
    "Travelling without supplies",  # a skip's reason
    "Hives or widespread itchy rash",  # the alert
    "antihistamine",  # its acknowledgement
    "310 pmol/L",  # a lab as entered
    "Consider intrinsic factor antibodies.",  # the clinician's copy holds every note
    "Symptom scores",  # a chart's caption
]


@pytest.mark.parametrize(("size", "most_pages"), [("A4", 8), ("Letter", 8)])
def test_the_report_prints_without_blank_pages(
    page, live_server, patient, clinician, record, size, most_pages
):
    login(page, live_server, clinician.email)
    page.goto(live_server.url + reverse("patient_record", args=[patient.pk]))
    page.get_by_role("link", name="Printable report").click()
    expect(page.get_by_role("heading", name="B12 injection report: Pat Patient")).to_be_visible()
    first = (patient.today() - timedelta(days=DAYS)).isoformat()
    page.fill("#id_first", first)
    page.fill("#id_last", patient.today().isoformat())
    page.get_by_role("button", name="Update").click()
    expect(page).to_have_url(re.compile(rf"first={first}"))
    for chart in page.locator(".report-chart img").all():
        expect(chart).to_have_js_property("complete", True)
        assert chart.evaluate("img => img.naturalWidth") > 0

    texts = pdf_pages(page, size)

    assert 2 <= len(texts) <= most_pages, f"{len(texts)} pages at {size}"
    for number, text in enumerate(texts, 1):
        assert len(text) > 40, f"page {number} of {len(texts)} at {size} is blank: {text!r}"
    whole = " ".join(texts)
    standard = LabResult.objects.get(unit="pmol/L").value_canonical.normalize()
    for expected in [*EXPECTED, f"{standard} pg/mL"]:  # the lab in the standard unit too
        assert expected in whole, f"{expected!r} not in the PDF at {size}"
    for hidden in ("Update", "Sign out", "canonical"):
        assert hidden not in whole


def test_the_patient_prints_their_own_report_without_the_care_teams_notes(
    page, live_server, patient, record
):
    login(page, live_server, patient.email)
    page.goto(live_server.url + reverse("history"))
    page.get_by_role("link", name="Print for my appointment").click()
    expect(page.get_by_role("heading", name="Notes from your care team")).to_be_visible()

    whole = " ".join(pdf_pages(page, "A4"))

    assert "Keep rotating sites; review in 3 months." in whole
    assert "intrinsic factor" not in whole
    assert "antihistamine" not in whole  # the acknowledgement's note is the care team's
