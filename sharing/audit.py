"""Every grant and removal of care-team access is written to CareTeamEvent, whatever made it
(a share code, a clinician's invitation, the Django admin, a shell), from the model signals of
CareTeamMembership. Code that knows who is acting says so before it saves or deletes:

    membership.acted_by = request.user
    membership.save()          # or membership.delete()

Without it the event is still written, with no actor ("not recorded" on the patient's page).

Also here: a share code's change raises the patient's record_version, because the care-team
card on the cached home (doses/freshness.py) shows requests waiting for approval.
"""

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save

from accounts.models import CareTeamMembership, User
from doses import freshness

from .models import CareTeamEvent, ShareCode

ACTOR_ATTRIBUTE = "acted_by"


def _actor(instance):
    actor = getattr(instance, ACTOR_ATTRIBUTE, None)
    return actor if isinstance(actor, User) and actor.pk else None


def _record(kind, *, patient_id, clinician_id, clinician_name, source, actor):
    CareTeamEvent.objects.create(
        patient_id=patient_id,
        clinician_id=clinician_id,
        clinician_name=clinician_name,
        kind=kind,
        source=source,
        actor=actor,
    )


def _before_save(sender, instance, raw=False, **kwargs):
    """An existing row whose patient or clinician is edited (the admin allows it) is a removal
    and a grant: remember who it was."""
    instance._care_team_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    instance._care_team_before = (
        CareTeamMembership.objects.filter(pk=instance.pk)
        .values("patient_id", "clinician_id", "source")
        .first()
    )


def _saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    actor = _actor(instance)
    before = getattr(instance, "_care_team_before", None)
    if not created:
        if before is None or (before["patient_id"], before["clinician_id"]) == (
            instance.patient_id,
            instance.clinician_id,
        ):
            return  # the same clinician keeps the same patient
        name = User.objects.filter(pk=before["clinician_id"]).values_list("name", flat=True)
        _record(
            CareTeamEvent.Kind.REMOVED, actor=actor, clinician_name=name.first() or "", **before
        )
    _record(
        CareTeamEvent.Kind.GRANTED,
        patient_id=instance.patient_id,
        clinician_id=instance.clinician_id,
        clinician_name=instance.clinician.name,
        source=instance.source,
        actor=actor,
    )


def _being_deleted(origin, pk) -> bool:
    """Whether the deletion that removes this membership is the deletion of user `pk`."""
    if isinstance(origin, User):
        return origin.pk == pk
    if isinstance(origin, QuerySet) and origin.model is User:
        return origin.filter(pk=pk).exists()
    return False


def _deleted(sender, instance, origin=None, **kwargs):
    if _being_deleted(origin, instance.patient_id):
        return  # the patient's account goes, and their audit with it
    clinician_gone = _being_deleted(origin, instance.clinician_id)
    _record(
        CareTeamEvent.Kind.REMOVED,
        patient_id=instance.patient_id,
        # The clinician's account is being deleted: the event keeps their name only.
        clinician_id=None if clinician_gone else instance.clinician_id,
        clinician_name=instance.clinician.name,
        source=instance.source,
        actor=_actor(instance),
    )


def _share_code_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        freshness.bump(pk=instance.patient_id)


def connect() -> None:
    """Called once, from SharingConfig.ready(). Why a signal: docs/signals.md."""
    pre_save.connect(_before_save, sender=CareTeamMembership, dispatch_uid="audit-before")
    post_save.connect(_saved, sender=CareTeamMembership, dispatch_uid="audit-saved")
    post_delete.connect(_deleted, sender=CareTeamMembership, dispatch_uid="audit-deleted")
    post_save.connect(_share_code_changed, sender=ShareCode, dispatch_uid="fresh-share-code")


EVENTS_SHOWN = 100


def events_for(patient) -> dict:
    """The latest changes to the patient's care team, for their audit page (one query)."""
    rows = list(
        CareTeamEvent.objects.filter(patient=patient).select_related("actor")[: EVENTS_SHOWN + 1]
    )
    return {"rows": rows[:EVENTS_SHOWN], "more": len(rows) > EVENTS_SHOWN}
