"""The admin reads supplies under the supplies app, read-only, and each reading is logged for
the patient whose supply it was."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import RecordView
from supplies import actions

pytestmark = [pytest.mark.django_db, pytest.mark.frozen(datetime(2026, 3, 20, 12, tzinfo=UTC))]


def test_an_admin_reads_a_supply_with_its_versions_and_the_reading_is_logged(
    client, admin_user, patient
):
    supply, _ = actions.add_supply(
        patient,
        patient,
        medication="cyanocobalamin",
        concentration_mcg_per_ml=1000,
        container_ml=Decimal("1"),
        count=10,
        expires_on=date(2030, 1, 31),
        received_on=date(2026, 3, 2),
        lot_number="LOT-42",
    )
    actions.correct_supply(supply, patient, "counted again", count=9)
    client.force_login(admin_user)

    listing = client.get(reverse("admin:supplies_supply_changelist"))
    record = client.get(reverse("admin:supplies_supply_change", args=[supply.pk]))

    assert listing.status_code == record.status_code == 200
    assert reverse("admin:supplies_supply_change", args=[supply.pk]) in listing.content.decode()
    assert "counted again" in record.content.decode()  # the kept version, inline
    assert client.get(reverse("admin:supplies_supply_add")).status_code == 403
    views = RecordView.objects.filter(patient=patient, viewer=admin_user).order_by("pk")
    assert [v.what for v in views] == ["admin list of supplies", "admin record of supplies"]
