"""A care-team clinician records an injection given in clinic: the same form and rules as the
patient's own log, with "Clinic or nurse" as who gave it; the clinician is who recorded it; the
patient's next due date and history follow at once.

The patient is on the cyanocobalamin US template (daily x7, weekly x4, then every 4 weeks)
started Monday 2 March 2026; time is frozen in New York, the patient's and the clinician's zone
unless a test says otherwise.
"""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from doses.models import DoseLog
from regimens import actions as regimen_actions
from tests import factories, pages
from tests.clock import frozen
from tests.pages import outermost, soup, text

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 11, 0, tzinfo=NEW_YORK)


ERRORS = {"invalid-feedback", "errorlist"}


def parse(response) -> SimpleNamespace:
    """What the browser would submit, the error messages shown next to fields or above the
    form, the alert messages (each message's text once, though one sits in another), and
    the page's HTML."""
    page = soup(response)
    shown = outermost(page, '.invalid-feedback, .errorlist, [role="status"]')
    return SimpleNamespace(
        text=response.content.decode(),
        values=pages.form_values(page),
        errors=[text(node) for node in shown if ERRORS & set(node.get("class", []))],
        messages=[text(node) for node in shown if not ERRORS & set(node.get("class", []))],
    )


@pytest.fixture
def regimen(patient):
    with frozen(datetime(2026, 3, 1, 9, tzinfo=NEW_YORK)):
        return factories.regimen_for(patient, START)


@pytest.fixture
def clinician_client(clinician):
    browser = Client()
    browser.force_login(clinician)
    return browser


def url(patient) -> str:
    return reverse("clinic_dose", args=[patient.pk])


def form_values(client, patient) -> dict:
    response = client.get(url(patient))
    assert response.status_code == 200
    values = parse(response).values
    values.pop("csrfmiddlewaretoken", None)
    return values


def post(client, patient, when="2026-03-02T10:30", **changes):
    """Fill in the form as shown, change some fields, submit, and follow to the next page."""
    data = form_values(client, patient)
    data.update(administered_at=when, **changes)
    return client.post(url(patient), data, follow=True)


# --- the form --------------------------------------------------------------------------------


def test_the_form_defaults_to_the_phase_dose_and_a_dose_given_in_clinic(
    patient, regimen, clinician_client
):
    with frozen(datetime(2026, 3, 2, 10, 47, 31, tzinfo=NEW_YORK)):
        response = clinician_client.get(url(patient))

    values = parse(response).values
    assert values["administered_by"] == "clinic"
    assert values["dose_mcg"] == "1000"
    assert values["route"] == "IM"
    assert values["site"] == "LD"
    assert values["administered_at"] == "2026-03-02T10:47"
    assert values["submission_token"]
    assert (
        "Pat Patient · Daily for 1 week · prescribed 1000 mcg · times in your zone "
        "(America/New_York)" in response.content.decode()
    )


# --- recording it ----------------------------------------------------------------------------


def test_a_clinic_injection_is_recorded_by_the_clinician_and_moves_the_next_due_date(
    patient, clinician, regimen, clinician_client
):
    with frozen(NOW):
        response = post(clinician_client, patient, lot_number="K42")

    page = parse(response)
    assert response.redirect_chain == [(reverse("patient_record", args=[patient.pk]), 302)]
    assert page.messages == [
        "Clinic injection recorded for Pat Patient. Next due Tuesday 3 March 2026."
    ]
    dose = DoseLog.objects.get()
    assert (dose.patient, dose.regimen, dose.recorded_by) == (patient, regimen, clinician)
    assert dose.administered_by == DoseLog.AdministeredBy.CLINIC
    assert dose.administered_at == datetime(2026, 3, 2, 10, 30, tzinfo=NEW_YORK)
    assert (dose.status, dose.dose_mcg, dose.route, dose.site, dose.lot_number) == (
        "given",
        1000,
        "IM",
        "LD",
        "K42",
    )
    assert dose.phase.label == "Daily for 1 week"
    regimen.refresh_from_db()
    assert (regimen.next_due, regimen.given_in_phase) == (date(2026, 3, 3), 1)
    assert "Injection · 1000 mcg · Left deltoid" in page.text


def test_the_patient_sees_the_clinic_injection_on_their_home_and_history(
    patient, regimen, clinician_client, patient_client
):
    with frozen(NOW):
        post(clinician_client, patient, site="RVG")

        home = patient_client.get(reverse("home")).content.decode()
        history = patient_client.get(reverse("history")).content.decode()

    assert "Tuesday 3 March 2026" in home
    visible = pages.text(pages.soup(home))
    assert (
        "Last injection Mon 2 Mar 2026, 10:30 (today) · 1000 mcg · Right hip (ventrogluteal)"
        in visible
    )
    assert "Injection · 1000 mcg · Right hip (ventrogluteal)" in history
    assert "Mon 2 Mar 2026, 10:30" in history


def test_who_gave_it_can_be_changed(patient, regimen, clinician_client):
    with frozen(NOW):
        post(clinician_client, patient, administered_by="carer")

    assert DoseLog.objects.get().administered_by == DoseLog.AdministeredBy.CARER


def test_the_form_reads_times_in_the_clinicians_zone_and_dates_them_in_the_patients(
    patient, clinician, regimen, clinician_client
):
    clinician.time_zone = "Europe/London"
    clinician.save()

    # 03:30 on 3 March in London is 22:30 on 2 March in New York: a 2 March dose (rule 1).
    with frozen(datetime(2026, 3, 3, 4, 0, tzinfo=ZoneInfo("Europe/London"))):
        default = form_values(clinician_client, patient)["administered_at"]
        post(clinician_client, patient, when="2026-03-03T03:30")

    assert default == "2026-03-03T04:00"
    assert DoseLog.objects.get().administered_at == datetime(2026, 3, 2, 22, 30, tzinfo=NEW_YORK)
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)


def test_submitting_the_same_form_twice_records_one_injection(patient, regimen, clinician_client):
    with frozen(NOW):
        data = form_values(clinician_client, patient)
        data["administered_at"] = "2026-03-02T10:30"

        first = clinician_client.post(url(patient), data, follow=True)
        second = clinician_client.post(url(patient), data, follow=True)

    assert DoseLog.objects.count() == 1
    regimen.refresh_from_db()
    assert (regimen.next_due, regimen.given_in_phase) == (date(2026, 3, 3), 1)
    assert parse(first).messages == parse(second).messages


def test_two_forms_record_two_injections(patient, regimen, clinician_client):
    with frozen(datetime(2026, 3, 3, 11, tzinfo=NEW_YORK)):
        post(clinician_client, patient, when="2026-03-02T10:30")
        post(clinician_client, patient, when="2026-03-03T10:30")

    assert DoseLog.objects.count() == 2
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 4)


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "active", [pytest.param(False, id="never prescribed"), pytest.param(True, id="ended")]
)
def test_a_patient_without_an_active_regimen_gets_a_message(
    patient, clinician, clinician_client, active
):
    if active:
        with frozen(datetime(2026, 3, 1, 9, tzinfo=NEW_YORK)):
            regimen = factories.regimen_for(patient, START)
            regimen_actions.end_regimen(regimen, clinician, "Oral B12")

    with frozen(NOW):
        shown = clinician_client.get(url(patient), follow=True)
        posted = clinician_client.post(
            url(patient),
            {
                "administered_at": "2026-03-02T10:30",
                "dose_mcg": "1000",
                "route": "IM",
                "site": "LD",
                "administered_by": "clinic",
            },
            follow=True,
        )

    for response in (shown, posted):
        assert response.redirect_chain == [(reverse("patient_record", args=[patient.pk]), 302)]
        assert parse(response).messages == [
            "This patient has no active regimen to record a dose against."
        ]
    assert not DoseLog.objects.exists()


@pytest.mark.parametrize(
    ("when", "changes", "message"),
    [
        pytest.param(
            "2026-03-02T11:06",
            {},
            "This time is in the future. Enter when it happened.",
            id="6 minutes ahead",
        ),
        pytest.param(
            "2026-03-03T10:00",
            {},
            "This time is in the future. Enter when it happened.",
            id="tomorrow",
        ),
        pytest.param(NOW, {"dose_mcg": "0"}, "Enter a dose from 1 to 10,000 mcg.", id="dose 0"),
        pytest.param(
            NOW, {"dose_mcg": "10001"}, "Enter a dose from 1 to 10,000 mcg.", id="dose 10001"
        ),
        pytest.param(NOW, {"dose_mcg": ""}, "Enter a dose from 1 to 10,000 mcg.", id="no dose"),
        pytest.param(
            NOW,
            {"route": "IM", "site": "LLAQ"},
            "Abdomen, left side is not a site for intramuscular injections.",
            id="IM in the abdomen",
        ),
        pytest.param(
            NOW,
            {"route": "SC", "site": "LD"},
            "Left deltoid is not a site for subcutaneous (deep) injections.",
            id="SC in the deltoid",
        ),
        pytest.param(NOW, {"site": ""}, "Choose where it was injected.", id="no site"),
    ],
)
def test_it_refuses_what_the_patients_form_refuses_and_saves_nothing(
    patient, regimen, clinician_client, when, changes, message
):
    if isinstance(when, datetime):
        when = f"{when - timedelta(minutes=30):%Y-%m-%dT%H:%M}"
    with frozen(NOW):
        response = post(clinician_client, patient, when=when, **changes)

    page = parse(response)
    assert response.redirect_chain == []
    assert "Record an injection given in clinic" in page.text
    # Shown once, next to the field.
    assert page.errors == [message]
    assert not DoseLog.objects.exists()
    regimen.refresh_from_db()
    assert regimen.next_due == START
    # The form comes back with what was typed, ready to fix.
    assert page.values["dose_mcg"] == changes.get("dose_mcg", "1000")
    assert page.values["administered_by"] == "clinic"


def test_a_patient_may_not_use_the_clinic_form(patient, regimen, patient_client):
    with frozen(NOW):
        shown = patient_client.get(url(patient))
        posted = patient_client.post(
            url(patient),
            {"administered_at": "2026-03-02T10:30", "dose_mcg": "1000", "route": "IM"},
        )

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert not DoseLog.objects.exists()
