"""Every look at a patient's record by someone else is logged, and the patient can see it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.access import REPEAT_WINDOW, log_view
from accounts.models import RecordView
from labs import actions as lab_actions
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(patient):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=10))
    dose = factories.give(regimen, patient.today() - timedelta(days=10))
    entry = factories.check_in(patient, score=1)
    return dose, entry


def test_a_clinician_opening_each_part_of_the_record_is_logged(client, patient, clinician, history):
    dose, entry = history
    client.force_login(clinician)
    client.get(reverse("patient_record", args=[patient.pk]))
    client.get(reverse("patient_report", args=[patient.pk]) + "?first=2026-01-01")
    client.get(reverse("dose_detail", args=[dose.pk]))
    client.get(reverse("checkin_detail", args=[entry.pk]))

    views = list(RecordView.objects.order_by("pk").values_list("viewer", "patient", "what"))
    assert views == [
        (clinician.pk, patient.pk, "record"),
        (clinician.pk, patient.pk, "printable report"),
        (clinician.pk, patient.pk, "an injection"),
        (clinician.pk, patient.pk, "a check-in"),
    ]
    assert RecordView.objects.filter(path__contains="first=2026-01-01").count() == 1


def test_the_patient_sees_who_looked_and_their_own_visits_are_not_logged(
    client, patient, clinician, history
):
    client.force_login(clinician)
    client.get(reverse("patient_record", args=[patient.pk]))
    client.force_login(patient)
    client.get(reverse("patient_record", args=[patient.pk]))
    page = client.get(reverse("record_views")).content.decode()

    assert RecordView.objects.count() == 1
    assert "Dr Care" in page and "(clinician)" in page and "record" in page


def test_a_refused_look_is_not_a_view_of_the_record(client, patient, history):
    outsider = factories.ClinicianFactory(name="Dr Elsewhere")
    client.force_login(outsider)
    assert client.get(reverse("patient_record", args=[patient.pk])).status_code == 404
    assert not RecordView.objects.exists()


def test_a_patient_with_no_visitors_is_told_so(client, patient):
    client.force_login(patient)
    assert (
        "No one else has looked at your record."
        in client.get(reverse("record_views")).content.decode()
    )


def test_admins_read_the_audit_but_cannot_change_it(
    client, patient, clinician, admin_user, history
):
    client.force_login(clinician)
    client.get(reverse("patient_record", args=[patient.pk]))
    view = RecordView.objects.get()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:accounts_recordview_changelist")).content.decode()
    assert "Dr Care" in listing
    assert client.get(reverse("admin:accounts_recordview_add")).status_code == 403
    client.post(reverse("admin:accounts_recordview_delete", args=[view.pk]), {"post": "yes"})
    assert RecordView.objects.filter(pk=view.pk).exists()


# --- every clinician page about the patient, and repeats ----------------------------------------

MOMENT = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def on_record(patient, clinician):
    """A patient with an active regimen, an injection and a lab result, at a frozen time."""
    with frozen(MOMENT):
        regimen = factories.regimen_for(patient, patient.today() - timedelta(days=10))
        factories.give(regimen, patient.today() - timedelta(days=10))
        lab, _ = lab_actions.record_lab(
            patient,
            clinician,
            analyte="b12",
            value=Decimal("300"),
            unit="pg/mL",
            taken_on=patient.today() - timedelta(days=3),
        )
        yield regimen, lab


def _clinician_pages(patient, regimen, lab):
    phase = regimen.ordered_phases[0]
    return {
        "charts": reverse("patient_chart", args=[patient.pk, "symptoms"]),
        "clinic injection form": reverse("clinic_dose", args=[patient.pk]),
        "prescribing form": reverse("prescribe", args=[patient.pk]),
        "lab entry form": reverse("clinic_lab", args=[patient.pk]),
        "a lab result's correction form": reverse("lab_correct", args=[lab.pk]),
        "lab review form": reverse("set_lab_review", args=[patient.pk]),
        "phase change form": reverse("change_phase", args=[patient.pk, phase.pk]),
        "phase advance form": reverse("advance_phase", args=[patient.pk]),
        "regimen end form": reverse("end_regimen", args=[patient.pk]),
        "CSV download page": reverse("patient_export_csv", args=[patient.pk]),
    }


def test_every_clinician_page_about_the_patient_is_in_the_patients_audit(
    client, patient, clinician, on_record
):
    regimen, lab = on_record
    pages = _clinician_pages(patient, regimen, lab)
    client.force_login(clinician)
    with frozen(MOMENT):
        for url in pages.values():
            assert client.get(url).status_code == 200, url

    views = list(RecordView.objects.order_by("pk").values_list("viewer", "patient", "what"))
    assert views == [(clinician.pk, patient.pk, what) for what in pages]
    client.force_login(patient)
    listed = client.get(reverse("record_views")).content.decode()
    assert "prescribing form" in listed and "charts" in listed


def test_the_patient_opening_the_same_pages_is_not_logged(client, patient, on_record):
    regimen, lab = on_record
    client.force_login(patient)
    with frozen(MOMENT):
        client.get(reverse("patient_chart", args=[patient.pk, "symptoms"]))
        client.get(reverse("lab_correct", args=[lab.pk]))
    assert not RecordView.objects.exists()


def test_repeats_within_five_minutes_make_one_row(client, patient, clinician, on_record):
    client.force_login(clinician)
    record = reverse("patient_record", args=[patient.pk])
    chart = reverse("patient_chart", args=[patient.pk, "intervals"])
    with frozen(MOMENT):
        client.get(record)
        for name in ("symptoms", "intervals", "wearoff", "lab-b12"):
            client.get(reverse("patient_chart", args=[patient.pk, name]))
    with frozen(MOMENT + REPEAT_WINDOW - timedelta(seconds=1)):
        client.get(record)
        client.get(chart)
    assert list(RecordView.objects.order_by("pk").values_list("what", flat=True)) == [
        "record",
        "charts",
    ]

    with frozen(MOMENT + REPEAT_WINDOW + timedelta(seconds=1)):
        client.get(record)
    assert RecordView.objects.filter(what="record").count() == 2


def test_repeats_are_per_viewer_and_per_patient(client, patient, clinician, on_record):
    colleague = factories.ClinicianFactory(name="Dr Colleague")
    factories.CareTeamFactory(patient=patient, clinician=colleague)
    record = reverse("patient_record", args=[patient.pk])
    with frozen(MOMENT):
        for who in (clinician, colleague):
            client.force_login(who)
            client.get(record)
    assert sorted(RecordView.objects.values_list("viewer__name", flat=True)) == [
        "Dr Care",
        "Dr Colleague",
    ]


def test_a_repeat_costs_one_statement_and_writes_nothing(
    rf, patient, clinician, django_assert_num_queries
):
    request = rf.get("/patients/1/")
    request.user = clinician
    with frozen(MOMENT):
        with django_assert_num_queries(1):  # the insert, unless a row within the window
            log_view(request, patient, "record")
        with django_assert_num_queries(1):  # the same statement, which inserts nothing
            log_view(request, patient, "record")
    view = RecordView.objects.get()
    assert (view.at, view.path, view.what) == (MOMENT, "/patients/1/", "record")
