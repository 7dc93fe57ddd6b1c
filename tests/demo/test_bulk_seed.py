"""`seed_demo --patients N --years Y`: synthetic patients whose stored schedule state is what
the rules give, in care teams of 2,000."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import CareTeamMembership, User
from demo import bulk
from demo.people import PASSWORD
from doses.models import DoseLog
from labs.models import LabResult
from regimens import schedule
from regimens.models import Regimen
from symptoms import wearoff
from symptoms.models import SymptomEntry

pytestmark = pytest.mark.django_db


def stored(regimen):
    return (
        regimen.current_phase_id,
        regimen.next_due,
        regimen.given_in_phase,
        regimen.phase_entered_on,
        regimen.phase_first_event_on,
        regimen.last_event_on,
    )


def replayed(regimen):
    state = regimen.recompute_state()
    phase = regimen.ordered_phases[state.phase].pk if state.phase is not None else None
    return (
        phase,
        state.next_due,
        state.given_in_phase,
        state.phase_entered_on,
        state.phase_first_event_on,
        state.last_event_on,
    )


def test_the_stored_schedule_of_every_patient_is_what_a_replay_gives():
    summary = bulk.seed_bulk(40, 2, seed=3)

    regimens = list(Regimen.objects.select_related("patient"))
    assert summary.patients == len(regimens) == 40
    for regimen in regimens:
        assert stored(regimen) == replayed(regimen), regimen.patient.email
        assert regimen.symptoms_return_early == wearoff.for_regimen(regimen).symptoms_return
        membership = CareTeamMembership.objects.get(patient=regimen.patient)
        active = regimen.status == Regimen.Status.ACTIVE
        assert membership.next_due == (regimen.next_due if active else None)
        assert membership.patient_name == regimen.patient.name
    statuses = {schedule.status(r.next_due, r.patient.today())[0] for r in regimens}
    assert {"overdue", "upcoming"} <= statuses  # lapsed patients and those on track
    assert DoseLog.objects.filter(status=DoseLog.Status.SKIPPED).exists()
    assert SymptomEntry.objects.count() == summary.checkins > 40
    assert LabResult.objects.filter(analyte="b12").count() >= 40


def test_lab_values_are_stored_in_the_standard_unit_too():
    bulk.seed_bulk(10, 1, seed=1)
    labs = list(LabResult.objects.all())
    assert {lab.unit for lab in labs} >= {"g/dL", "g/L"}  # US and UK patients
    for lab in labs:
        factor = bulk.reference.lab(lab.analyte)["units"][lab.unit]
        assert float(lab.value_canonical) == pytest.approx(float(lab.value) * factor, abs=0.001)


def test_care_teams_hold_2000_patients_and_a_second_run_adds_new_people(monkeypatch):
    monkeypatch.setattr(bulk, "PATIENTS_PER_CLINICIAN", 6)
    bulk.seed_bulk(8, 0.5, batch=4)
    bulk.seed_bulk(3, 0.5, batch=4)

    clinicians = User.objects.filter(role=User.Role.CLINICIAN).order_by("pk")
    sizes = [
        CareTeamMembership.objects.filter(clinician=clinician).count() for clinician in clinicians
    ]
    assert sizes == [6, 2, 3]
    assert User.objects.filter(role=User.Role.PATIENT).count() == 11


def test_bulk_accounts_sign_in_with_the_demo_password(client):
    bulk.seed_bulk(2, 0.5)
    clinician = User.objects.get(role=User.Role.CLINICIAN)
    response = client.post(
        "/accounts/login/", {"username": clinician.email, "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    for patient in User.objects.filter(role=User.Role.PATIENT):
        assert patient.name in page


def test_the_command_reports_what_it_added_and_refuses_nonsense():
    out = StringIO()
    call_command("seed_demo", patients=5, years=1, stdout=out)
    assert "Added 5 patients and 1 clinicians" in out.getvalue()
    with pytest.raises(CommandError, match="--patients must be 1 or more"):
        call_command("seed_demo", patients=0, years=1)
