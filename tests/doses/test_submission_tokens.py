"""A form's submission token stops a double submit from recording twice. A form sent with the
token of a record on another patient's file (a form altered, or resent from another patient's
page) is refused with a clear message on every form that carries one: nothing is written, to
either record, and nothing fails."""

from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from doses import actions
from doses.models import ClinicalNote, DoseLog
from symptoms.models import SymptomEntry
from tests import factories

NEW_YORK = ZoneInfo("America/New_York")
REFUSED = "This form was altered or is out of date: reload the page and submit it again."
SCORES = {"fatigue": 7, "tingling": 3, "numbness": 0, "balance": 10, "memory": 5, "mood": 2}


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.frozen(datetime(2026, 3, 9, 14, 5, tzinfo=NEW_YORK)),
]


@pytest.fixture
def olgas_checkin(other_patient):
    entry, _ = actions.record_checkin(other_patient, other_patient, **SCORES, note="")
    return entry


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def test_a_checkin_with_another_patients_token_is_refused(patient_client, patient, olgas_checkin):
    data = {"submission_token": olgas_checkin.submission_token, **SCORES, "note": "mine"}
    text = page(patient_client.post(reverse("checkin"), data))
    assert REFUSED in text
    assert not SymptomEntry.objects.filter(patient=patient).exists()
    assert SymptomEntry.objects.get().note == ""


def test_a_skip_with_another_patients_token_is_refused(patient_client, patient, other_patient):
    factories.regimen_for(patient, date(2026, 3, 2))
    theirs = factories.regimen_for(other_patient, date(2026, 3, 2))
    dose, _ = actions.skip_dose(theirs, other_patient, "Away")
    data = {"reason_kind": "away", "reason": "", "submission_token": dose.submission_token}
    text = page(patient_client.post(reverse("skip_dose"), data))
    assert REFUSED in text
    assert not DoseLog.objects.filter(patient=patient).exists()


def test_an_injection_with_another_patients_token_is_refused(
    patient_client, patient, other_patient
):
    regimen = factories.regimen_for(patient, date(2026, 3, 2))
    theirs = factories.regimen_for(other_patient, date(2026, 3, 2))
    dose, _ = actions.skip_dose(theirs, other_patient, "Away")
    form = patient_client.get(reverse("log_dose"))
    assert form.status_code == 200
    data = {
        "administered_at": "2026-03-09T09:00",
        "dose_mcg": 1000,
        "route": regimen.route,
        "site": "LD",
        "administered_by": "self",
        "submission_token": dose.submission_token,
    }
    text = page(patient_client.post(reverse("log_dose"), data))
    assert REFUSED in text
    assert not DoseLog.objects.filter(patient=patient).exists()


def test_a_note_with_another_patients_token_is_refused(client, clinician, patient, other_patient):
    factories.CareTeamFactory(patient=other_patient, clinician=clinician)
    theirs, _ = actions.add_note(other_patient, clinician, "Olga's note")
    client.force_login(clinician)
    response = client.post(
        reverse("add_note", args=[patient.pk]),
        {"text": "Pat's note", "submission_token": theirs.submission_token},
        follow=True,
    )
    assert f"The note was not saved: {REFUSED}" in page(response)
    assert list(ClinicalNote.objects.values_list("patient", "text")) == [
        (other_patient.pk, "Olga's note")
    ]
