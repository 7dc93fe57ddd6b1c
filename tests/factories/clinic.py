"""What a clinician sees and writes: alerts and clinical notes."""

import factory

from doses.models import Alert, ClinicalNote

from .accounts import ClinicianFactory, PatientFactory


class AlertFactory(factory.django.DjangoModelFactory):
    """An open side-effects alert, written as is: the care team's attention flag is not
    refreshed (doses.alerts.sync_attention does that)."""

    class Meta:
        model = Alert

    patient = factory.SubFactory(PatientFactory)
    kind = Alert.Kind.SIDE_EFFECTS
    key = factory.Sequence(lambda n: f"alert-{n}")


class ClinicalNoteFactory(factory.django.DjangoModelFactory):
    """A note kept from the patient unless `shared_with_patient`."""

    class Meta:
        model = ClinicalNote

    patient = factory.SubFactory(PatientFactory)
    author = factory.SubFactory(ClinicianFactory)
    text = factory.Sequence(lambda n: f"Note {n}")
