"""Who may see which patient. Every view that takes a patient id resolves it here, and gets a
404 (never a 403, which would confirm the record exists) for anyone it may not see."""

from datetime import timedelta

from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.utils import timezone

from .models import User


def visible_patients(user):
    """The patients whose record `user` may read."""
    patients = User.objects.filter(role=User.Role.PATIENT, is_active=True)
    if not user.is_authenticated:
        return patients.none()
    if user.is_patient:
        return patients.filter(pk=user.pk)
    if user.is_clinician:
        return patients.filter(care_team__clinician=user)
    return patients.none()


def team_patients(user):
    """The patients whose care team `user` is on, whatever their role there: what a pharmacist
    or a carer may see of them is narrower than a clinician's (pharmacy_patients, cared_for)."""
    patients = User.objects.filter(role=User.Role.PATIENT, is_active=True)
    if not (user.is_authenticated and user.joins_care_teams):
        return patients.none()
    return patients.filter(care_team__clinician=user)


def pharmacy_patients(user):
    """The patients a pharmacist looks after: their plan, supplies, labels and injections."""
    if not (user.is_authenticated and user.is_pharmacist):
        return User.objects.none()
    return team_patients(user)


def cared_for(user):
    """The people a carer gives injections to, in the order the switch lists them."""
    if not (user.is_authenticated and user.is_carer):
        return User.objects.none()
    return team_patients(user).order_by("name", "pk")


def pharmacy_patient_or_404(user, patient_id) -> User:
    try:
        return pharmacy_patients(user).get(pk=patient_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient") from None


# The session key naming which of a carer's people the patient's pages are about.
CARING_FOR = "caring_for"
# The field of a carer's forms naming the person the form was drawn for
# (templates/accounts/_for_patient.html).
FOR_PATIENT = "for_patient"


def acting_patient(request, *, form: bool = False) -> User:
    """Whose pages these are: the signed-in patient's own, or, for a carer, the person they
    last switched to (the first of their people until they switch), and for a carer's form,
    the person it names (`form`: a view whose POST records something). One query for a
    carer, none for a patient; 404 for anyone else, and for a carer nobody has granted access
    yet."""
    user = request.user
    if user.is_authenticated and user.is_patient:
        return user
    if form and request.method == "POST" and user.is_authenticated and user.is_carer:
        # A form records for the person it was drawn for, whatever the carer switched to in
        # another tab since; a form for someone no longer theirs records nothing.
        try:
            patient = cared_for(user).get(pk=int(request.POST.get(FOR_PATIENT, "")))
        except (User.DoesNotExist, ValueError, TypeError):
            raise Http404("This form is not for one of your people") from None
        request.session[CARING_FOR] = patient.pk  # and their pages follow
        return patient
    chosen = request.session.get(CARING_FOR)
    first_chosen = Case(
        When(pk=chosen if isinstance(chosen, int) else None, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    patient = cared_for(user).order_by(first_chosen, "name", "pk").first()
    if patient is None:
        raise Http404("Only patients and their carers have this page")
    return patient


def readable_patients(user):
    """The patients whose entries (an injection, a check-in, a lab result, a supply) `user`
    may open by id: a carer's people, or the patients whose record `user` may read."""
    if user.is_authenticated and user.is_carer:
        return cared_for(user)
    return visible_patients(user)


def writable_patients(user):
    """The patients whose entries `user` corrects, deletes and restores as the patient would:
    the patient their own, a carer their people's."""
    if user.is_authenticated and user.is_carer:
        return cared_for(user)
    if user.is_authenticated and user.is_patient:
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


def patient_or_404(user, patient_id) -> User:
    try:
        return visible_patients(user).get(pk=patient_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient") from None


def require_patient(user) -> User:
    """The signed-in patient, for pages that only a patient has (their own dashboard)."""
    if not (user.is_authenticated and user.is_patient):
        raise Http404("Only patients have this page")
    return user


def require_clinician(user) -> User:
    """The signed-in clinician, for pages that only a clinician has (their own settings)."""
    if not (user.is_authenticated and user.is_clinician):
        raise Http404("Only clinicians have this page")
    return user


def require_team_member(user) -> User:
    """A signed-in clinician, pharmacist or carer: those who ask to join a care team."""
    if not (user.is_authenticated and user.joins_care_teams):
        raise Http404("Only clinicians, pharmacists and carers have this page")
    return user


def clinician_patient_or_404(user, patient_id) -> User:
    """A care-team patient, for pages and actions that only their clinicians have."""
    if not (user.is_authenticated and user.is_clinician):
        raise Http404("Only the patient's clinicians have this page")
    return patient_or_404(user, patient_id)


def care_team(patient):
    """The clinicians, pharmacists and carers the patient has given access, for the patient
    to see."""
    return User.objects.filter(patients_cared__patient=patient, is_active=True).order_by("name")


# Looks by the same person at the same kind of page of the same patient within this time
# make one row of "Who looked at my record", not one per click or chart image.
REPEAT_WINDOW = timedelta(minutes=5)

# One statement: a repeat inside the window inserts nothing, a new look inserts its row. The
# table and columns are fixed here; only the values are parameters.
_LOG_UNLESS_REPEAT = (
    'INSERT INTO "accounts_recordview" ("patient_id", "viewer_id", "at", "what", "path") '
    "SELECT %s, %s, %s, %s, %s WHERE NOT EXISTS ("
    'SELECT 1 FROM "accounts_recordview" WHERE "patient_id" = %s AND "viewer_id" = %s '
    'AND "what" = %s AND "at" > %s)'
)


def log_view(request, patient, what: str) -> None:
    """Record that someone other than the patient looked at the patient's record (one
    statement; the patient sees these on their 'Who looked at my record' page). The same
    viewer's look at the same kind of page of the same patient within REPEAT_WINDOW of a
    logged one is not logged again."""
    if request.user.pk == patient.pk:
        return
    now = timezone.now()
    at, since = (
        connection.ops.adapt_datetimefield_value(moment) for moment in (now, now - REPEAT_WINDOW)
    )
    path = request.get_full_path()[:300]
    with connection.cursor() as cursor:
        cursor.execute(
            _LOG_UNLESS_REPEAT,
            [patient.pk, request.user.pk, at, what, path, patient.pk, request.user.pk, what, since],
        )
