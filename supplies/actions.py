"""The only ways to change a recorded supply: add, correct, remove and restore it. A correction,
removal or restore keeps the previous values as a SupplyVersion."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from doses.actions import create_once

from .models import Supply, SupplyVersion
from .wording import day_text


def supply_problems(values: dict, today: date, *, new: bool) -> dict[str, str]:
    """The rules across fields, shared by the forms and the actions. A new supply may not be
    expired already; a correction may record a past expiry (it may be an old supply)."""
    errors = {}
    expires, received = values.get("expires_on"), values.get("received_on")
    if received and received > today:
        errors["received_on"] = gettext(
            "This date is in the future. Enter today or an earlier day."
        )
    if expires and new and expires < today:
        errors["expires_on"] = gettext(
            "This supply expired on %(day)s: an expired supply cannot be added."
        ) % {"day": day_text(expires)}
    elif expires and received and expires < received:
        errors["expires_on"] = gettext("The expiry date is before the day it is in use from.")
    return errors


def add_supply(patient, by, *, token=None, **values) -> tuple[Supply, bool]:
    """Record a supply. Returns (supply, created); a repeated form token returns the first."""
    problems = supply_problems(values, patient.today(), new=True)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        return create_once(Supply, patient, token, recorded_by=by, **values)


def _locked(supply: Supply) -> Supply:
    # Two tabs changing the same supply: the second waits, then keeps the first's result as
    # its previous version instead of overwriting it unseen.
    User.objects.lock(supply.patient_id)
    return Supply.objects.select_for_update().get(pk=supply.pk)


def _keep_version(supply: Supply, change: str, by, reason: str = "") -> None:
    SupplyVersion.objects.create(
        supply=supply, change=change, previous=supply.snapshot(), reason=reason, changed_by=by
    )


def correct_supply(supply: Supply, by, reason: str = "", **values) -> tuple[Supply, bool]:
    """Change a supply's values, keeping the previous ones. Returns (supply, changed)."""
    unknown = set(values) - set(Supply.VERSIONED_FIELDS)
    if unknown:
        raise TypeError(f"not a supply's recorded value: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        supply = _locked(supply)
        if supply.deleted_at is not None:
            raise ValidationError(gettext("Restore this supply before correcting it."))
        merged = {name: getattr(supply, name) for name in Supply.VERSIONED_FIELDS}
        problems = supply_problems({**merged, **values}, supply.patient.today(), new=False)
        if problems:
            raise ValidationError(problems)
        if all(merged[name] == value for name, value in values.items()):
            return supply, False
        _keep_version(supply, SupplyVersion.Change.CORRECTED, by, reason)
        for name, value in values.items():
            setattr(supply, name, value)
        supply.updated_at = timezone.now()
        supply.full_clean()
        supply.save()
    return supply, True


def delete_supply(supply: Supply, by, reason: str = "") -> Supply:
    """Soft-delete: the supply no longer counts, and restore_supply undoes it."""
    with transaction.atomic():
        supply = _locked(supply)
        if supply.deleted_at is None:
            _keep_version(supply, SupplyVersion.Change.DELETED, by, reason)
            supply.deleted_at = timezone.now()
            supply.save(update_fields=["deleted_at"])
    return supply


def restore_supply(supply: Supply, by) -> Supply:
    with transaction.atomic():
        supply = _locked(supply)
        if supply.deleted_at is not None:
            _keep_version(supply, SupplyVersion.Change.RESTORED, by)
            supply.deleted_at = None
            supply.save(update_fields=["deleted_at"])
    return supply
