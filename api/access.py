"""Who may do what through the API, in one table: DESIGN's "Who sees what", route by route.

A user reaches a patient as the pages let them (accounts/access.py): a patient their own
record, a clinician their care team's patients, a pharmacist the patients they serve, a carer
the people who granted them access. What they may then do with each kind of record is RULES;
anything else is a 404, as for a record that does not exist (never a 403, which would confirm
it does). Anyone but the patient reading the record is logged ("Who looked at my record")."""

from accounts.access import cared_for, log_view, pharmacy_patients, visible_patients
from accounts.models import User

READ = "read"
ADD = "add"  # a new record (POST)
CHANGE = "change"  # correct or delete a record (PATCH, DELETE)

ALL = frozenset({READ, ADD, CHANGE})
ROLE = User.Role

RULES = {
    "regimen": {
        ROLE.PATIENT: {READ},
        ROLE.CLINICIAN: {READ},
        ROLE.PHARMACIST: {READ},
        ROLE.CARER: {READ},
    },
    # A clinician records injections given in clinic; correcting one is the patient's (and
    # their carer's), as on the pages.
    "doses": {
        ROLE.PATIENT: ALL,
        ROLE.CLINICIAN: {READ, ADD},
        ROLE.PHARMACIST: {READ},
        ROLE.CARER: ALL,
    },
    "skips": {ROLE.PATIENT: {ADD}, ROLE.CARER: {ADD}},
    # Check-ins are not corrected or deleted, on the pages either. A pharmacist's page leaves
    # them out (their notes are the patient's symptoms, a clinical matter): so does the API.
    "checkins": {
        ROLE.PATIENT: {READ, ADD},
        ROLE.CLINICIAN: {READ},
        ROLE.CARER: {READ, ADD},
    },
    "labs": {
        ROLE.PATIENT: ALL,
        ROLE.CLINICIAN: ALL,
        ROLE.PHARMACIST: {READ},
        ROLE.CARER: {READ},
    },
    "supplies": {ROLE.PATIENT: ALL, ROLE.PHARMACIST: {READ}, ROLE.CARER: ALL},
}

# The patients each role reaches at all.
REACH = {
    ROLE.PATIENT: visible_patients,
    ROLE.CLINICIAN: visible_patients,
    ROLE.PHARMACIST: pharmacy_patients,
    ROLE.CARER: cared_for,
}


class NotFound(Exception):
    """Answered 404 (api/api.py)."""


def reachable_patients(user):
    """The patients whose records `user` may read something of (GET /me lists them)."""
    reach = REACH.get(user.role)
    return reach(user) if reach else User.objects.none()


def may(user, kind: str, action: str = READ) -> bool:
    return action in RULES[kind].get(user.role, ())


def admitted_patient(request, patient_id, kind: str, what: str, action: str = READ):
    """The patient, if this user may do `action` on their `kind` of records; else NotFound.
    The look is logged for anyone but the patient. One query, and one more to log."""
    user = request.user
    if not may(user, kind, action):
        raise NotFound
    try:
        patient = reachable_patients(user).get(pk=patient_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    log_view(request, patient, f"API: {what}")
    return patient


def record_or_404(queryset, patient, pk):
    """One of the admitted patient's records by id (deleted ones are not found, as they are
    left out of the lists); NotFound for any other id, another patient's included."""
    try:
        return queryset.filter(patient=patient, deleted_at__isnull=True).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def checkin_or_404(queryset, patient, pk):
    """A check-in of the admitted patient's (check-ins are never deleted)."""
    try:
        return queryset.filter(patient=patient).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
