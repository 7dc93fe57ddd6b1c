"""What a careless or hostile user sends, field by field, on every form: each gets a clear
message on the page, nothing is saved, and whatever was typed is shown back escaped."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from doses.models import ClinicalNote, DoseLog
from labs.models import LabResult
from regimens.models import Phase, Regimen, RegimenChange
from symptoms.models import SymptomEntry
from tests import factories

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
MODELS = [DoseLog, SymptomEntry, LabResult, ClinicalNote, Regimen, Phase, RegimenChange]


def counts():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture
def setup(patient, clinician):
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=2))
    dose = factories.give(regimen, today - timedelta(days=2))
    return {"patient": patient, "clinician": clinician, "regimen": regimen, "dose": dose}


def minute(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def dose_form(setup, **changes):
    patient = setup["patient"]
    data = {
        "submission_token": str(uuid.uuid4()),
        "administered_at": minute(patient.local_now() - timedelta(minutes=10)),
        "dose_mcg": "1000",
        "medication": "cyanocobalamin",
        "concentration_mcg_per_ml": "1000",
        "route": "IM",
        "site": "RD",
        "administered_by": "self",
        "lot_number": "",
        "reaction_notes": "",
    }
    data.update(changes)
    return data


DOSE_CASES = [
    ({"administered_at": "tomorrow"}, "Enter a valid date/time."),
    ({"administered_at": "2026-13-40T25:61"}, "Enter a valid date/time."),
    ({"administered_at": "9999-12-31T23:59"}, "This time is in the future."),
    ({"administered_at": ""}, "This field is required."),
    ({"dose_mcg": "0"}, "Enter a dose from 1 to 10,000 mcg."),
    ({"dose_mcg": "-1000"}, "Enter a dose from 1 to 10,000 mcg."),
    ({"dose_mcg": "99999999999"}, "Enter a dose from 1 to 10,000 mcg."),
    ({"dose_mcg": "1e3"}, "Enter a whole number."),
    ({"dose_mcg": "abc"}, "Enter a whole number."),
    ({"route": "IV"}, "Select a valid choice."),
    ({"route": "SC", "site": "LD"}, "is not a site for subcutaneous"),
    ({"site": "DG"}, "Select a valid choice."),
    ({"medication": "vitamin-c"}, "Select a valid choice."),
    ({"concentration_mcg_per_ml": "0"}, "greater than or equal to 1"),
    ({"administered_by": "robot"}, "Select a valid choice."),
    ({"lot_number": "L" * 41}, "at most 40 characters"),
    ({"reaction_notes": "x" * 2001}, "at most 2000 characters"),
]


@pytest.mark.parametrize(("changes", "message"), DOSE_CASES)
def test_the_injection_form_refuses_bad_values(client, setup, changes, message):
    client.force_login(setup["patient"])
    before = counts()
    page = client.post(reverse("log_dose"), dose_form(setup, **changes))
    assert page.status_code == 200
    assert message in page.content.decode()
    assert counts() == before


@pytest.mark.parametrize(("changes", "message"), DOSE_CASES[:6])
def test_the_clinic_injection_form_refuses_bad_values(client, setup, changes, message):
    client.force_login(setup["clinician"])
    before = counts()
    url = reverse("clinic_dose", args=[setup["patient"].pk])
    page = client.post(url, dose_form(setup, administered_by="clinic", **changes))
    assert message in page.content.decode()
    assert counts() == before


@pytest.mark.parametrize(("changes", "message"), DOSE_CASES[:8])
def test_a_correction_with_bad_values_changes_nothing(client, setup, changes, message):
    client.force_login(setup["patient"])
    before = counts()
    url = reverse("correct_dose", args=[setup["dose"].pk])
    page = client.post(url, {**dose_form(setup, **changes), "reason": "fix"})
    assert message in page.content.decode()
    assert counts() == before


def checkin_form(**changes):
    data = {"submission_token": str(uuid.uuid4()), **dict.fromkeys(SymptomEntry.SYMPTOMS, "2")}
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fatigue": "11"}, "less than or equal to 10"),
        ({"mood": "-1"}, "greater than or equal to 0"),
        ({"memory": "lots"}, "Enter a whole number."),
        ({"balance": ""}, "This field is required."),
        ({"side_effects": ["Hair loss"]}, "Select a valid choice."),
        ({"allergy_signs": ["sneezing"]}, "Select a valid choice."),
        ({"note": "x" * 2001}, "at most 2000 characters"),
        ({"submission_token": "not-a-uuid"}, "This form was altered or is out of date"),
    ],
)
def test_the_check_in_form_refuses_bad_values(client, setup, changes, message):
    client.force_login(setup["patient"])
    before = counts()
    page = client.post(reverse("checkin"), checkin_form(**changes))
    assert message in page.content.decode()
    assert counts() == before


def lab_form(setup, **changes):
    data = {
        "submission_token": str(uuid.uuid4()),
        "analyte": "b12",
        "taken_on": setup["patient"].today().isoformat(),
        "value": "400",
        "unit": "pg/mL",
        "note": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"analyte": "cholesterol"}, "Select a valid choice."),
        ({"unit": "mg/dL"}, "Select a valid choice."),
        ({"unit": "g/dL"}, "Use one of: pg/mL, ng/L, pmol/L."),
        ({"value": "abc"}, "Enter a number."),
        ({"value": "-5"}, "above 0"),
        ({"value": "0"}, "above 0"),
        ({"value": "1e309"}, "Ensure that there are no more than"),
        ({"value": "123456789012"}, "Ensure that there are no more than 10 digits"),
        ({"value": "3"}, "is not a plausible"),
        ({"taken_on": "31/02/2026"}, "Enter a valid date."),
        ({"taken_on": "2999-01-01"}, "This date is in the future."),
        ({"note": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_the_lab_form_refuses_bad_values(client, setup, changes, message):
    client.force_login(setup["patient"])
    before = counts()
    page = client.post(reverse("lab_new"), lab_form(setup, **changes))
    assert message in page.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("url_name", "data", "message"),
    [
        ("skip_dose", {"reason": ""}, "This field is required."),
        ("skip_dose", {"reason": "x" * 301}, "at most 300 characters"),
    ],
)
def test_the_skip_form_refuses_bad_values(client, setup, url_name, data, message):
    client.force_login(setup["patient"])
    before = counts()
    page = client.post(reverse(url_name), {"submission_token": str(uuid.uuid4()), **data})
    assert message in page.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dose_mcg": "0"}, "Enter a dose from 1 to 10,000 mcg."),
        ({"schedule_every": "0"}, "greater than or equal to 1"),
        ({"schedule_every": ""}, "Say how often"),
        ({"schedule_unit": "fortnight"}, "Select a valid choice."),
        (
            {"schedule_unit": "weekdays", "schedule_every": "", "schedule_weekdays": "XX"},
            "Select a valid choice. XX is not one of the available choices.",
        ),
        (
            {"schedule_unit": "weekdays", "schedule_every": "", "schedule_weekdays": ""},
            "Pick at least one weekday",
        ),
        ({"reason": ""}, "This field is required."),
        ({"reason": "x" * 301}, "at most 300 characters"),
    ],
)
def test_the_phase_change_form_refuses_bad_values(client, setup, changes, message):
    client.force_login(setup["clinician"])
    before = counts()
    phase = setup["regimen"].current_phase
    data = {
        "dose_mcg": "1000",
        "schedule_unit": "day",
        "schedule_every": "2",
        "schedule_weekdays": "",
        "reason": "closer",
        "confirm": "yes",  # even a confirmed change is checked
    }
    data.update(changes)
    page = client.post(reverse("change_phase", args=[setup["patient"].pk, phase.pk]), data)
    assert message in page.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "This field is required."),
        ({"text": "x" * 4001}, "at most 4000 characters"),
    ],
)
def test_the_note_form_refuses_bad_values(client, setup, data, message):
    client.force_login(setup["clinician"])
    before = counts()
    page = client.post(
        reverse("add_note", args=[setup["patient"].pk]),
        {"submission_token": str(uuid.uuid4()), **data},
        follow=True,
    )
    assert message in page.content.decode()
    assert counts() == before


def test_the_lab_review_form_refuses_a_malformed_date(client, setup):
    client.force_login(setup["clinician"])
    before = counts()
    page = client.post(
        reverse("set_lab_review", args=[setup["patient"].pk]), {"on": "next tuesday"}
    )
    assert "Enter a valid date." in page.content.decode()
    assert counts() == before


def test_a_time_zone_that_does_not_exist_is_refused(setup):
    patient = setup["patient"]
    patient.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as caught:
        patient.full_clean()
    assert "is not a time zone name" in str(caught.value)
    assert User.objects.get(pk=patient.pk).time_zone == "America/New_York"


def test_html_and_script_in_what_people_type_are_always_shown_escaped(client, setup):
    patient, clinician = setup["patient"], setup["clinician"]
    client.force_login(patient)
    client.post(reverse("log_dose"), dose_form(setup, reaction_notes=SCRIPT, lot_number="<b>"))
    client.post(reverse("checkin"), checkin_form(note=SCRIPT))
    client.post(reverse("lab_new"), lab_form(setup, note=SCRIPT))
    dose = DoseLog.objects.get(reaction_notes=SCRIPT)
    entry = SymptomEntry.objects.get(note=SCRIPT)
    client.force_login(clinician)
    client.post(
        reverse("add_note", args=[patient.pk]),
        {"submission_token": str(uuid.uuid4()), "text": SCRIPT},
    )
    assert ClinicalNote.objects.filter(text=SCRIPT).exists()
    pages = [
        reverse("dose_detail", args=[dose.pk]),
        reverse("checkin_detail", args=[entry.pk]),
        reverse("patient_record", args=[patient.pk]),
        reverse("patient_report", args=[patient.pk]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert SCRIPT not in html, url
        if url != pages[3]:  # the report lists no free text
            assert "&lt;script&gt;" in html, url
    assert "&lt;b&gt;" in client.get(pages[0]).content.decode()
