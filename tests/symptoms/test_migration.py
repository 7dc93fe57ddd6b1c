"""A database made before check-ins had their own app keeps them: the model moved in the
migration state only, so the same rows are read through symptoms.models afterwards, an alert
raised by a check-in still points at it, and admin permissions on the old content type apply."""

import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from doses.models import Alert
from symptoms.models import SymptomEntry
from tests import factories, migrating

# The migrations before the move: doses up to 0012, no symptoms app.
BEFORE = [("doses", "0012_move_labs"), ("symptoms", None)]


@pytest.fixture
def migrated_back():
    with migrating.migrated_back(BEFORE) as old_apps:
        yield old_apps


@pytest.mark.django_db(transaction=True)
def test_a_check_in_made_before_the_move_is_the_same_check_in_after_it(migrated_back):
    old_apps = migrated_back
    patient = factories.PatientFactory()
    admin = factories.AdminFactory()
    scores = {"fatigue": 6, "tingling": 2, "numbness": 5, "balance": 1, "memory": 0, "mood": 3}
    old = old_apps.get_model("doses", "SymptomEntry").objects.create(
        patient_id=patient.pk,
        recorded_by_id=patient.pk,
        recorded_at=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
        allergy_signs=["hives"],
        note="itchy after the shot",
        submission_token=uuid.uuid4(),
        **scores,
    )
    old_apps.get_model("doses", "Alert").objects.create(
        patient_id=patient.pk, kind="allergy", checkin_id=old.pk, details={"signs": ["hives"]}
    )
    ContentType.objects.clear_cache()
    old_type = ContentType.objects.get(app_label="doses", model="symptomentry")
    assert not ContentType.objects.filter(app_label="symptoms").exists()
    admin.user_permissions.add(
        Permission.objects.get(content_type=old_type, codename="view_symptomentry")
    )
    ContentType.objects.clear_cache()

    migrating.migrate([("symptoms", "0001_initial"), ("doses", "0013_move_symptoms")])

    entry = SymptomEntry.objects.get(pk=old.pk)
    assert (entry.patient, entry.note, entry.total) == (patient, "itchy after the shot", 17)
    assert Alert.objects.get(checkin=entry).checkin == entry
    assert ContentType.objects.get_for_model(SymptomEntry).pk == old_type.pk
    assert not ContentType.objects.filter(app_label="doses", model="symptomentry").exists()
    admin = type(admin).objects.get(pk=admin.pk)  # no cached permissions
    assert admin.has_perm("symptoms.view_symptomentry")
