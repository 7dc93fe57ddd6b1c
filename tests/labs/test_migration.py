"""A database made before lab results had their own app keeps them: the models moved in the
migration state only, so the same rows (and their kept versions) are read through labs.models
afterwards, and admin permissions granted on the old content type still apply."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from labs.models import LabRange, LabResult, LabResultVersion
from labs.rows import lab_row
from tests import factories, migrating

# The migrations before the move: doses up to 0011, no labs app.
BEFORE = [("doses", "0011_move_supplies"), ("labs", None)]


@pytest.fixture
def migrated_back():
    with migrating.migrated_back(BEFORE) as old_apps:
        yield old_apps


@pytest.mark.django_db(transaction=True)
def test_a_lab_result_entered_before_the_move_is_the_same_result_after_it(migrated_back):
    old_apps = migrated_back
    patient = factories.PatientFactory()
    admin = factories.AdminFactory()
    old = old_apps.get_model("doses", "LabResult").objects.create(
        patient_id=patient.pk,
        recorded_by_id=patient.pk,
        taken_on=date(2026, 3, 2),
        analyte="b12",
        value=Decimal("148"),
        unit="pmol/L",
        value_canonical=Decimal("200.6"),
        note="fasting",
        submission_token=uuid.uuid4(),
    )
    old_apps.get_model("doses", "LabResultVersion").objects.create(
        lab_id=old.pk,
        change="corrected",
        previous={"value": "184", "unit": "pmol/L"},
        changed_by_id=patient.pk,
    )
    old_apps.get_model("doses", "LabRange").objects.update_or_create(
        analyte="b12", defaults={"low": Decimal("250"), "high": Decimal("900")}
    )
    ContentType.objects.clear_cache()
    old_type = ContentType.objects.get(app_label="doses", model="labresult")
    assert not ContentType.objects.filter(app_label="labs").exists()
    admin.user_permissions.add(
        Permission.objects.get(content_type=old_type, codename="view_labresult")
    )
    ContentType.objects.clear_cache()

    migrating.migrate([("labs", "0001_initial"), ("doses", "0012_move_labs")])

    lab = LabResult.objects.get(pk=old.pk)
    assert (lab.patient, lab.value, lab.unit, lab.note) == (
        patient,
        Decimal("148"),
        "pmol/L",
        "fasting",
    )
    assert [v.previous for v in LabResultVersion.objects.filter(lab=lab)] == [
        {"value": "184", "unit": "pmol/L"}
    ]
    # The admin's range still applies: 200.6 pg/mL is below its 250.
    row = lab_row(lab)
    assert row.range == LabRange.objects.get(analyte="b12") and row.position == "low"
    assert ContentType.objects.get_for_model(LabResult).pk == old_type.pk
    assert not ContentType.objects.filter(app_label="doses", model__startswith="lab").exists()
    admin = type(admin).objects.get(pk=admin.pk)  # no cached permissions
    assert admin.has_perm("labs.view_labresult")
