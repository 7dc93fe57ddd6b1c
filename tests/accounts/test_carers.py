"""Carers: the patient lets them in (share code, approved), they record for the people they
care for and switch between them, what they record says by whom, and the patient takes their
access away at once."""

from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts import signup
from accounts.access import CARING_FOR
from accounts.models import RecordView, User
from doses.models import DoseLog
from sharing import actions as sharing_actions
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)
BANNER = "You are recording for"


def person(name, email, template=factories.US_TEMPLATE):
    patient = factories.PatientFactory(name=name, email=email)
    factories.regimen_for(patient, date(2026, 3, 1), template)
    return patient


@pytest.fixture
def carer(db):
    return factories.CarerFactory(name="Cara Giver", email="cara@example.org")


@pytest.fixture
def ann(db):
    return person("Ann Cared", "ann@example.org")


@pytest.fixture
def ben(db):
    return person("Ben Cared", "ben@example.org", factories.UK_TEMPLATE)


def cares(carer, *people):
    for patient in people:
        factories.CareTeamFactory(patient=patient, clinician=carer)


def text(response) -> str:
    return response.content.decode()


def dose_form(patient):
    return {
        "for_patient": patient.pk,  # as the carer's form says whom it is for
        "submission_token": "0b7c2f1e-5d9a-4c36-9a0e-2f4a8f1d3c55",
        "administered_at": "2026-03-10T08:00",
        "dose_mcg": 1000,
        "route": "IM",
        "site": "RD",
        "lot_number": "LOT-CARER-1",
        "administered_by": "carer",
        "reaction_notes": "",
    }


def test_signing_up_as_a_carer_makes_a_carer_account_that_waits_for_a_share_code(client):
    response = client.post(
        reverse("signup"),
        {
            "role": "carer",
            "name": "Cara Giver",
            "email": "cara@example.org",
            "password1": factories.PASSWORD,
            "password2": factories.PASSWORD,
            "time_zone": "Europe/London",
        },
    )
    assert response.status_code == 302
    carer = User.objects.get(email="cara@example.org")
    assert carer.role == User.Role.CARER
    carer.is_active, carer.awaiting_verification = True, False
    carer.save()
    client.force_login(carer)
    home = text(client.get(reverse("home")))
    assert "Nobody has given you access yet" in home
    assert reverse("share_code_enter") in home
    # Nothing of a patient's is theirs to open yet.
    assert client.get(reverse("log_dose")).status_code == 404


def test_a_sign_up_without_the_choice_is_a_patients(db):
    user = signup.sign_up(
        name="Sam", email="sam@example.org", password=factories.PASSWORD, time_zone="UTC"
    )
    assert user.role == User.Role.PATIENT


def test_a_patient_lets_a_carer_in_with_a_share_code(client, carer, ann):
    _row, code = sharing_actions.create_code(ann)
    client.force_login(carer)
    entered = client.post(reverse("share_code_enter"), {"code": code}, follow=True)
    assert "Ann Cared must approve it" in text(entered)
    assert client.get(reverse("log_dose")).status_code == 404  # not before she approves
    sharing_actions.approve(ann, _row.pk)
    with frozen(DAY):
        home = text(client.get(reverse("home")))
    assert f"{BANNER} <strong>Ann Cared</strong>" in home


def test_what_a_carer_logs_is_the_persons_and_says_by_whom(client, carer, ann):
    cares(carer, ann)
    client.force_login(carer)
    with frozen(DAY):
        form = text(client.get(reverse("log_dose")))
        assert 'value="carer" selected' in form  # she is giving it
        assert client.post(reverse("log_dose"), dose_form(ann)).status_code == 302
        dose = DoseLog.objects.get(patient=ann)
        assert (dose.recorded_by, dose.administered_by) == (carer, "carer")
        client.post(
            reverse("checkin"),
            {
                "for_patient": ann.pk,
                "submission_token": "5d0c1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
                "fatigue": 3,
            },
        )
        client.force_login(ann)
        history = text(client.get(reverse("history")))
        detail = text(client.get(reverse("dose_detail", args=[dose.pk])))
    assert history.count("by Cara Giver") == 1 + SymptomEntry.objects.filter(patient=ann).count()
    assert "Recorded by" in detail and "Cara Giver" in detail


def test_a_carer_switches_between_their_people(client, carer, ann, ben):
    cares(carer, ann, ben)
    client.force_login(carer)
    with frozen(DAY):
        first = text(client.get(reverse("home")))
        assert f"{BANNER} <strong>Ann Cared</strong>" in first
        assert "Switch to Ben Cared" in first
        client.post(reverse("switch_person"), {"patient": ben.pk})
        second = text(client.get(reverse("home")))
        assert f"{BANNER} <strong>Ben Cared</strong>" in second
        assert "Switch to Ann Cared" in second
        client.post(reverse("log_dose"), dose_form(ben))
    assert DoseLog.objects.filter(patient=ben).count() == 1
    assert not DoseLog.objects.filter(patient=ann).exists()


def test_a_carer_cannot_switch_to_someone_they_do_not_care_for(client, carer, ann, ben):
    cares(carer, ann)
    client.force_login(carer)
    assert client.post(reverse("switch_person"), {"patient": ben.pk}).status_code == 404
    assert client.post(reverse("switch_person"), {"patient": "x"}).status_code == 404
    assert CARING_FOR not in client.session
    with frozen(DAY):
        assert f"{BANNER} <strong>Ann Cared</strong>" in text(client.get(reverse("home")))


def test_the_patient_removing_a_carer_ends_their_access_at_once(client, carer, ann):
    cares(carer, ann)
    client.force_login(carer)
    with frozen(DAY):
        assert client.get(reverse("log_dose")).status_code == 200
        membership = ann.care_team.get(clinician=carer)
        sharing_actions.remove(ann, membership.pk)
        assert client.get(reverse("log_dose")).status_code == 404
        assert client.get(reverse("history")).status_code == 404
        assert "Nobody has given you access yet" in text(client.get(reverse("home")))


def test_a_carers_looks_are_in_the_patients_who_looked_list(client, carer, ann):
    cares(carer, ann)
    client.force_login(carer)
    with frozen(DAY):
        client.get(reverse("home"))
        client.get(reverse("history"))
    assert set(
        RecordView.objects.filter(patient=ann, viewer=carer).values_list("what", flat=True)
    ) == {
        "home",
        "history",
    }
    client.force_login(ann)
    with frozen(DAY):
        page = text(client.get(reverse("record_views")))
    assert "Cara Giver" in page


def test_the_patient_and_the_carer_never_get_each_others_page_from_the_cache(client, carer, ann):
    cares(carer, ann)
    cache.clear()
    with frozen(DAY):
        client.force_login(ann)
        client.get(reverse("home"))  # stored for Ann
        client.force_login(carer)
        as_carer = text(client.get(reverse("home")))
        client.force_login(ann)
        as_patient = text(client.get(reverse("home")))
    assert BANNER in as_carer and "Cara Giver" in as_carer
    assert BANNER not in as_patient and "Switch to" not in as_patient
    assert "Cara Giver <span" in as_patient  # on her care team, as a carer
    assert "cara@example.org · Carer" in as_patient


def test_a_carer_reads_labs_but_adds_none(client, carer, ann):
    cares(carer, ann)
    client.force_login(carer)
    with frozen(DAY):
        labs = text(client.get(reverse("labs")))
        assert reverse("lab_new") not in labs
        assert client.get(reverse("lab_new")).status_code == 404
        assert client.get(reverse("patient_record", args=[ann.pk])).status_code == 404


@pytest.mark.parametrize("people", [2, 6])
def test_a_carers_home_makes_the_same_number_of_queries_however_many_they_care_for(
    client, carer, django_assert_num_queries, people
):
    cares(carer, *(person(f"Person {n}", f"p{n}@example.org") for n in range(people)))
    client.force_login(carer)
    with frozen(DAY):
        client.get(reverse("home"))  # the session renewed; the body cached
        # 1 the session; 2 the signed-in carer; 3 whether anyone cares to have them; 4 whom
        # they record for now; 5 the look logged; 6 their people, for the switch.
        with django_assert_num_queries(6):
            page = text(client.get(reverse("home")))
    assert page.count('data-testid="switch-person"') == people - 1


@pytest.mark.parametrize("injections", [2, 30])
def test_a_carers_view_of_the_history_makes_the_same_number_of_queries_however_long(
    client, carer, ann, django_assert_num_queries, injections
):
    cares(carer, ann)
    with frozen(DAY):
        factories.add_injections(ann.regimens.get(), injections, date(2026, 3, 1))
        client.force_login(carer)
        client.get(reverse("history"))  # the session renewed
        # 1 the session; 2 the carer; 3 whom they record for; 4 the look logged; 5 the count
        # of entries, 6 the page's entries, 7 its injections (with who recorded each); 8
        # their people, for the switch.
        with django_assert_num_queries(8):
            page = text(client.get(reverse("history")))
    assert page.count("by Cara Giver") == 0  # the factory records them as Ann's own
    assert f"{BANNER} <strong>Ann Cared</strong>" in page


def test_the_chart_on_a_carers_home_is_drawn_for_them(client, carer, ann, ben):
    cares(carer, ann)
    client.force_login(carer)
    with frozen(DAY):
        factories.check_in(ann, score=3)  # something to draw
        home = text(client.get(reverse("home")))
        chart = reverse("patient_chart", args=[ann.pk, "symptoms"]) + "?compact=1"
        assert chart in home
        # Nothing of the patient's own: her record, her care team.
        assert f'href="{reverse("patient_record", args=[ann.pk])}"' not in home
        assert reverse("care_team") not in home.split("<main", 1)[1]
        drawn = client.get(chart)
        assert drawn.status_code == 200 and drawn["Content-Type"].startswith("image/svg+xml")
        # Not the chart of someone they do not care for.
        other = reverse("patient_chart", args=[ben.pk, "symptoms"]) + "?compact=1"
        assert client.get(other).status_code == 404


def test_a_supply_a_carer_adds_says_by_whom_on_the_patients_supplies(client, carer, ann):
    cares(carer, ann)
    client.force_login(carer)
    with frozen(DAY):
        added = client.post(
            reverse("supply_new"),
            {
                "for_patient": ann.pk,
                "submission_token": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                "medication": "cyanocobalamin",
                "concentration_mcg_per_ml": 1000,
                "container_ml": "1",
                "count": 5,
                "expires_on": "2027-03-01",
                "lot_number": "LOT-BY-CARER",
                "received_on": "2026-03-09",
                "note": "",
            },
        )
        assert added.status_code == 302
        client.force_login(ann)
        page = text(client.get(reverse("supplies")))
    assert ann.supplies.get().recorded_by == carer
    assert "by Cara Giver" in page


def test_a_carers_view_of_the_history_leaves_out_the_clinicians_notes(client, carer, ann):
    cares(carer, ann)
    doctor = factories.ClinicianFactory(name="Dr Care", email="care@example.org")
    with frozen(DAY):
        factories.ClinicalNoteFactory(
            patient=ann, author=doctor, text="Discussed the tingling.", shared_with_patient=True
        )
        client.force_login(ann)
        own = text(client.get(reverse("history")))
        client.force_login(carer)
        theirs = text(client.get(reverse("history")))
    assert "Discussed the tingling." in own and "Print for my appointment" in own
    assert "Discussed the tingling." not in theirs
    assert "Print for my appointment" not in theirs and reverse("export_csv") not in theirs


def test_a_carer_reads_an_injection_without_the_care_teams_alerts(client, carer, ann):
    cares(carer, ann)
    with frozen(DAY):
        dose = factories.give(ann.regimens.get(), date(2026, 3, 9))
        factories.AlertFactory(patient=ann, kind="allergy", key="carer-test", dose=dose)
        client.force_login(ann)
        own = text(client.get(reverse("dose_detail", args=[dose.pk])))
        client.force_login(carer)
        theirs = text(client.get(reverse("dose_detail", args=[dose.pk])))
    assert "Care team alerted" in own
    assert "Care team alerted" not in theirs
    assert "Correct" in theirs  # and they may correct it, as the patient may


def test_a_form_drawn_for_one_person_records_for_them_after_a_switch_elsewhere(
    client, carer, ann, ben
):
    """Ann's form open in one tab, a switch to Ben in another: the form still records Ann's
    injection, and the carer lands on Ann's pages."""
    cares(carer, ann, ben)
    client.force_login(carer)
    with frozen(DAY):
        form = text(client.get(reverse("log_dose")))
        assert f'name="for_patient" value="{ann.pk}"' in form
        client.post(reverse("switch_person"), {"patient": ben.pk})
        client.post(reverse("log_dose"), dose_form(ann))
        home = text(client.get(reverse("home")))
    assert DoseLog.objects.get().patient == ann
    assert f"{BANNER} <strong>Ann Cared</strong>" in home


def test_a_form_for_someone_no_longer_theirs_records_nothing(client, carer, ann, ben):
    cares(carer, ann, ben)
    client.force_login(carer)
    with frozen(DAY):
        client.get(reverse("log_dose"))
        ann.care_team.filter(clinician=carer).delete()  # Ann removes her
        refused = client.post(reverse("log_dose"), dose_form(ann))
        unnamed = client.post(reverse("log_dose"), {**dose_form(ben), "for_patient": ""})
    assert (refused.status_code, unnamed.status_code) == (404, 404)
    assert not DoseLog.objects.exists()


def test_a_carer_cannot_dismiss_the_patients_plan_notice(client, carer, ann):
    cares(carer, ann)
    doctor = factories.ClinicianFactory(name="Dr Care", email="care@example.org")
    change = factories.RegimenChangeFactory(
        regimen=ann.regimens.get(), patient=ann, by=doctor, kind="prescribed", reason="Seen"
    )
    client.force_login(carer)
    with frozen(DAY):
        home = text(client.get(reverse("home")))
        refused = client.post(reverse("dismiss_plan_change", args=[change.pk]))
    change.refresh_from_db()
    assert "Got it" not in home
    assert refused.status_code == 404 and change.dismissed_at is None


@pytest.mark.parametrize("page", ["log_dose", "skip_dose", "checkin"])
def test_a_carers_look_at_a_form_of_the_person_is_logged(client, carer, ann, page):
    cares(carer, ann)
    client.force_login(carer)
    with frozen(DAY):
        assert client.get(reverse(page)).status_code == 200
    assert RecordView.objects.filter(patient=ann, viewer=carer).exists()
