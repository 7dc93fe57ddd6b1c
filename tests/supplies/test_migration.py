"""A database made before supplies had their own app keeps its supplies: the models moved in the
migration state only, so the same rows are read through supplies.models afterwards, and admin
permissions granted on the old content type still apply."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from supplies import wording
from supplies.models import Supply, SupplyVersion
from tests import factories, migrating

# Main's migrations before the move: doses up to 0010, no supplies app.
BEFORE = [("doses", "0010_checkin_phase"), ("supplies", None)]


@pytest.fixture
def migrated_back():
    with migrating.migrated_back(BEFORE) as old_apps:
        yield old_apps


@pytest.mark.django_db(transaction=True)
def test_a_supply_recorded_before_the_move_is_the_same_supply_after_it(migrated_back):
    old_apps = migrated_back
    patient = factories.PatientFactory()
    admin = factories.AdminFactory()
    OldSupply = old_apps.get_model("doses", "Supply")
    OldSupplyVersion = old_apps.get_model("doses", "SupplyVersion")
    old = OldSupply.objects.create(
        patient_id=patient.pk,
        recorded_by_id=patient.pk,
        medication="hydroxocobalamin",
        concentration_mcg_per_ml=1000,
        container_ml=Decimal("1"),
        count=5,
        expires_on=date(2031, 3, 1),
        lot_number="H-77",
        received_on=date(2026, 1, 5),
        submission_token=uuid.uuid4(),
    )
    OldSupplyVersion.objects.create(
        supply_id=old.pk, change="corrected", previous={"count": 4}, changed_by_id=patient.pk
    )
    # Migrating back gave the content types (and the permissions on them) back to doses, as
    # the old database has them.
    ContentType.objects.clear_cache()
    old_type = ContentType.objects.get(app_label="doses", model="supply")
    assert not ContentType.objects.filter(app_label="supplies", model__startswith="supply").exists()
    admin.user_permissions.add(
        Permission.objects.get(content_type=old_type, codename="view_supply")
    )
    ContentType.objects.clear_cache()

    migrating.migrate([("doses", "0011_move_supplies"), ("supplies", "0001_initial")])

    supply = Supply.objects.get(pk=old.pk)
    assert (supply.patient, supply.lot_number, supply.count) == (patient, "H-77", 5)
    assert wording.describe(supply) == "5 × 1 mL hydroxocobalamin 1000 mcg/mL"
    assert list(SupplyVersion.objects.filter(supply=supply).values_list("previous", flat=True)) == [
        {"count": 4}
    ]
    assert ContentType.objects.get_for_model(Supply).pk == old_type.pk
    assert not ContentType.objects.filter(app_label="doses", model__startswith="supply").exists()
    admin = type(admin).objects.get(pk=admin.pk)  # no cached permissions
    assert admin.has_perm("supplies.view_supply")
