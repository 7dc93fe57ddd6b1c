"""Every look at a patient's record by someone else is logged, and the patient can see it."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import RecordView
from doses import actions
from doses.models import SymptomEntry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(patient):
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=10))
    dose = factories.give(regimen, patient.today() - timedelta(days=10))
    entry, _ = actions.record_checkin(patient, patient, **dict.fromkeys(SymptomEntry.SYMPTOMS, 1))
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
