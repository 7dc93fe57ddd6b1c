"""Offline use, the server's part (issue 18 §2): which pages a patient's device may keep, the
script and the worker that keep them, and the fresh form token the queued entries are sent
with. The browser's part (the copies, the queue, sending) is tests/browser/test_offline.py."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.offline import OFFLINE_HEADER
from doses.models import DoseLog
from tests import factories
from tests.clock import frozen
from tests.pages import form_values

pytestmark = [pytest.mark.django_db, pytest.mark.frozen(date(2025, 3, 4))]

OFFLINE_PAGES = ["home", "log_dose", "checkin"]


@pytest.fixture
def regimen(patient):
    return factories.regimen_for(patient, date(2025, 3, 1))


@pytest.mark.parametrize("name", OFFLINE_PAGES)
def test_the_patients_home_and_forms_may_be_kept_on_the_device(patient_client, regimen, name):
    response = patient_client.get(reverse(name))
    assert response.status_code == 200
    assert response[OFFLINE_HEADER] == "allowed"
    # Kept by the worker, never by the browser's own cache (accounts.middleware.NoStore).
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["history", "supplies", "reminder_settings", "account_settings"])
def test_no_other_page_is_kept(patient_client, regimen, name):
    response = patient_client.get(reverse(name))
    assert response.status_code == 200
    assert not response.has_header(OFFLINE_HEADER)


def test_a_clinicians_home_is_never_kept(client, clinician, patient, regimen):
    client.force_login(clinician)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert not response.has_header(OFFLINE_HEADER)
    assert "js/offline.js" not in response.content.decode()


def test_a_form_answered_with_its_errors_is_not_kept(patient_client, regimen):
    response = patient_client.post(reverse("log_dose"), {"dose_mcg": "1000"})
    assert response.status_code == 200  # the form again, saying what is wrong
    assert not response.has_header(OFFLINE_HEADER)


def test_every_patient_page_loads_the_offline_script(patient_client, regimen):
    html = patient_client.get(reverse("history")).content.decode()
    assert "js/offline.js" in html
    # Where the worker writes the time a copy was kept: empty on a page from the server.
    assert 'data-kept-at=""' in html
    assert "Offline: shown as of {time}" in html
    assert "waiting to send" in html


def test_the_worker_knows_the_pages_it_keeps_and_sign_out(client):
    worker = client.get(reverse("service_worker")).content.decode()
    for name in OFFLINE_PAGES:
        assert f'"{reverse(name)}"' in worker
    assert f'var LOGOUT = "{reverse("logout")}"' in worker
    assert 'addEventListener("fetch"' in worker


def test_the_token_is_fresh_and_says_who_is_signed_in(
    patient_client, patient, django_assert_num_queries
):
    # 1 the session; 2 the signed-in user.
    with django_assert_num_queries(2):
        response = patient_client.get(reverse("offline_token"))
    assert response.status_code == 200
    answer = response.json()
    assert answer["user"] == patient.pk
    assert len(answer["csrf"]) == 64
    assert "no-store" in response["Cache-Control"]


def test_the_token_lets_a_queued_injection_be_sent_once(client, patient, regimen):
    """What offline.js does when the connection is back, twice (a reload while sending): a
    fresh token, then the kept fields; the second sending records nothing more."""
    sender = Client(enforce_csrf_checks=True)
    sender.force_login(patient)
    with frozen(date(2025, 3, 4), 10):
        # The form as the device kept it: its fields, the CSRF token left out.
        fields = form_values(sender.get(reverse("log_dose")), "form[data-offline-form]")
        del fields["csrfmiddlewaretoken"]
        for _ in range(2):
            csrf = sender.get(reverse("offline_token")).json()["csrf"]
            response = sender.post(reverse("log_dose"), {**fields, "csrfmiddlewaretoken": csrf})
            assert response.status_code == 302
            assert response["Location"] == reverse("home")
    assert DoseLog.objects.filter(patient=patient).count() == 1


def test_a_post_without_a_fresh_token_is_refused(patient, regimen):
    sender = Client(enforce_csrf_checks=True)
    sender.force_login(patient)
    response = sender.post(reverse("log_dose"), {"dose_mcg": "1000"})
    assert response.status_code == 403
    assert DoseLog.objects.filter(patient=patient).count() == 0
