"""People, care teams, invitations and the record-view audit."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import CareTeamMembership, Invitation, RecordView, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    role = User.Role.PATIENT
    time_zone = "America/New_York"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PatientFactory(UserFactory):
    role = User.Role.PATIENT


class ClinicianFactory(UserFactory):
    role = User.Role.CLINICIAN


class PharmacistFactory(UserFactory):
    role = User.Role.PHARMACIST


class CarerFactory(UserFactory):
    role = User.Role.CARER


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_staff = True
    is_superuser = True


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamMembership

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(ClinicianFactory)


class RecordViewFactory(factory.django.DjangoModelFactory):
    """A line of the audit of who opened a patient's record."""

    class Meta:
        model = RecordView

    patient = factory.SubFactory(PatientFactory)
    viewer = factory.SubFactory(ClinicianFactory)
    what = "record"
    path = "/x/"


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation as stored: only the hash of its token, never the link itself."""

    class Meta:
        model = Invitation

    clinician = factory.SubFactory(ClinicianFactory)
    name = factory.Sequence(lambda n: f"Patient {n}")
    email = factory.Sequence(lambda n: f"p{n}@example.org")
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=14))
