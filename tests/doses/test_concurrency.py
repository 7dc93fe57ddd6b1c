"""Two identical submissions at the same moment record one thing; two different ones record
two, and the stored schedule stays equal to a replay. Real concurrency needs a real server
database: these run in the PostgreSQL pass of CI (SQLite serialises whole-database writes)."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from doses import actions
from doses.models import DoseLog
from regimens.models import Regimen
from symptoms.models import SymptomEntry
from tests import factories
from tests.concurrently import at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (run by CI's second pass)"
    ),
]


def dose_values(regimen, patient, day):
    return {
        "administered_at": factories.at(patient, day, 9),
        "dose_mcg": 1000,
        "route": "IM",
        "site": "LD",
    }


def test_identical_concurrent_submissions_record_one_injection(patient):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=3))
    token = uuid.uuid4()
    values = dose_values(regimen, patient, patient.today() - timedelta(days=3))

    results = at_once(4, lambda i: actions.log_dose(regimen, patient, token=token, **values))

    assert not [r for r in results if isinstance(r, Exception)]
    assert DoseLog.objects.count() == 1
    assert {dose.pk for dose, _created in results} == {DoseLog.objects.get().pk}
    assert sorted(created for _dose, created in results) == [False, False, False, True]


def test_different_concurrent_submissions_all_count_and_the_schedule_stays_true(patient):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=6))
    days = [patient.today() - timedelta(days=6 - n) for n in range(4)]

    results = at_once(
        4, lambda i: actions.log_dose(regimen, patient, **dose_values(regimen, patient, days[i]))
    )

    assert not [r for r in results if isinstance(r, Exception)]
    regimen = Regimen.objects.get(pk=regimen.pk)
    assert regimen.given_in_phase == 4
    assert regimen.stored_state.next_due == regimen.recompute_state().next_due


def test_identical_concurrent_form_posts_record_one_injection(patient):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=1))
    form = {
        "submission_token": str(uuid.uuid4()),
        "administered_at": (patient.local_now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "dose_mcg": "1000",
        "route": "IM",
        "site": "RD",
        "administered_by": "self",
    }
    clients = [Client() for _ in range(3)]
    for client in clients:
        client.force_login(patient)

    responses = at_once(3, lambda i: clients[i].post(reverse("log_dose"), form))

    assert [r.status_code for r in responses] == [302, 302, 302]
    assert DoseLog.objects.filter(regimen=regimen).count() == 1


def test_identical_concurrent_check_ins_record_one(patient):
    token = uuid.uuid4()
    scores = dict.fromkeys(SymptomEntry.SYMPTOMS, 2)

    results = at_once(3, lambda i: actions.record_checkin(patient, patient, token=token, **scores))

    assert not [r for r in results if isinstance(r, Exception)]
    assert SymptomEntry.objects.count() == 1
