"""A check-in keeps the phase the patient was in when they made it, and shows it as it was
prescribed then: a later change from now on relabels neither the check-in nor its row in the
history, the record, the report, the CSV or the FHIR export."""

import csv
import importlib
import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from doses import actions
from regimens import actions as regimen_actions
from symptoms.models import SymptomEntry
from tests import factories, pages
from tests.clock import frozen

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 10, 23)  # daily for a week, weekly for four weeks, then every 4 weeks
SCORES = dict.fromkeys(SymptomEntry.SYMPTOMS, 2)


def words(response, testid) -> list[str]:
    return pages.texts(response, f'[data-testid="{testid}"]')


@pytest.fixture
def maintenance(patient, clinician):
    patient.time_zone = "America/New_York"
    patient.save()
    with frozen(START):
        regimen = factories.regimen_for(patient, START, prescriber=clinician)
    for _ in range(12):  # the last on 24 December: the first maintenance dose
        with frozen(regimen.next_due):
            factories.give(regimen, regimen.next_due)
    return regimen


def check_in(patient, day, hour=18):
    with frozen(day, hour):
        return factories.check_in(patient, **SCORES)


@pytest.fixture
def before_and_after(patient, clinician, maintenance):
    """A check-in under "every 4 weeks", the clinician's change to every 3 weeks, and a
    check-in after it."""
    before = check_in(patient, date(2027, 1, 2))
    with frozen(date(2027, 1, 5)):
        regimen_actions.change_phase(
            maintenance.current_phase, clinician, "Symptoms return", schedule_every=3
        )
    after = check_in(patient, date(2027, 1, 8))
    return before, after


OLD = "Every 4 weeks · 1000 mcg · on time ±3 days"
NEW = "Maintenance: every 3 weeks · 1000 mcg · on time ±2 days"


def test_the_history_shows_each_check_in_with_the_phase_then(patient, client, before_and_after):
    client.force_login(patient)
    with frozen(date(2027, 1, 9)):
        page = client.get(reverse("history"))

    checkins = pages.texts(page, 'li[data-kind="checkin"]')
    assert checkins[0].endswith(NEW)  # newest first
    assert checkins[1].endswith(OLD)


def test_the_check_in_page_says_the_phase_has_changed_since(patient, client, before_and_after):
    before, after = before_and_after
    client.force_login(patient)
    with frozen(date(2027, 1, 9)):
        earlier = words(client.get(reverse("checkin_detail", args=[before.pk])), "phase-then")
        later = words(client.get(reverse("checkin_detail", args=[after.pk])), "phase-then")

    assert earlier[0].startswith(f"Phase: {OLD}")
    assert "the phase has changed since" in earlier[0]
    assert later == [f"Phase: {NEW}"]


def test_the_clinicians_record_and_report_keep_the_phase_then(
    patient, clinician, client, before_and_after
):
    client.force_login(clinician)
    with frozen(date(2027, 1, 9)):
        record = client.get(reverse("patient_record", args=[patient.pk]))
        report = client.get(reverse("patient_report", args=[patient.pk]))

    record_checkins = pages.texts(record, 'li[data-kind="checkin"]')
    assert len(record_checkins) == 2
    assert record_checkins[0].endswith(NEW)
    assert record_checkins[1].endswith(OLD)
    assert words(report, "checkin-phase-then") == ["Every 4 weeks", "Maintenance: every 3 weeks"]


def test_the_exports_keep_the_phase_then(patient, client, before_and_after):
    client.force_login(patient)
    with frozen(date(2027, 1, 9)):
        sheet = client.get(
            reverse("export_csv"),
            {"kind": "checkins", "start": "2027-01-01", "end": "2027-01-09"},
        )
        bundle = json.loads(client.get(reverse("export_fhir")).content)

    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert [row[-1] for row in rows] == ["Phase", "Every 4 weeks", "Maintenance: every 3 weeks"]
    surveys = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"].get("code", {}).get("text") == "B12 symptom check-in"
    ]
    assert [survey["note"] for survey in surveys] == [
        [{"text": f"Phase then: {OLD}"}],
        [{"text": f"Phase then: {NEW}"}],
    ]


def test_a_check_in_entered_for_an_earlier_time_takes_the_phase_of_that_interval(
    patient, maintenance
):
    # 30 October fell in the weekly phase (the next injection, 6 November, was weekly),
    # although the patient is in maintenance now.
    with frozen(date(2027, 1, 2)):
        entry, _created = actions.record_checkin(
            patient,
            patient,
            recorded_at=datetime(2026, 10, 31, 9, tzinfo=NEW_YORK),
            **SCORES,
        )

    assert entry.phase.kind == "stabilization"
    assert maintenance.current_phase.kind == "maintenance"


def test_without_a_regimen_a_check_in_has_no_phase(patient, client):
    entry = check_in(patient, date(2027, 1, 2))
    client.force_login(patient)
    with frozen(date(2027, 1, 3)):
        page = client.get(reverse("checkin_detail", args=[entry.pk]))

    assert entry.phase is None
    assert words(page, "phase-then") == []


def test_the_migration_gives_earlier_check_ins_their_phase(patient, maintenance):
    during_loading = check_in(patient, date(2026, 10, 25), hour=8)  # before that day's dose
    in_maintenance = check_in(patient, date(2027, 1, 2))
    SymptomEntry.objects.update(phase=None)  # as check-ins were before they kept it

    migration = importlib.import_module("doses.migrations.0010_checkin_phase")
    # The models as that migration knew them (check-ins were then in doses).
    state = MigrationLoader(connection).project_state(("doses", "0010_checkin_phase"))
    migration.phase_then(state.apps, None)

    during_loading.refresh_from_db()
    in_maintenance.refresh_from_db()
    assert during_loading.phase.kind == "repletion"
    assert in_maintenance.phase == maintenance.current_phase
