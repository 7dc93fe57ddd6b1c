"""Who may see which patient. Every view that takes a patient id resolves it here, and gets a
404 (never a 403, which would confirm the record exists) for anyone it may not see."""

from django.http import Http404

from .models import RecordView, User


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


def clinician_patient_or_404(user, patient_id) -> User:
    """A care-team patient, for pages and actions that only their clinicians have."""
    if not (user.is_authenticated and user.is_clinician):
        raise Http404("Only the patient's clinicians have this page")
    return patient_or_404(user, patient_id)


def care_team(patient):
    """The clinicians who may see this patient's record, for the patient to see."""
    return User.objects.filter(patients_cared__patient=patient, is_active=True).order_by("name")


def log_view(request, patient, what: str) -> None:
    """Record that someone other than the patient looked at the patient's record (one INSERT;
    the patient sees these on their 'Who looked at my record' page)."""
    if request.user.pk != patient.pk:
        RecordView.objects.create(
            patient=patient, viewer=request.user, what=what, path=request.get_full_path()[:300]
        )
