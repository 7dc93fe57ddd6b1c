"""Check-ins, written as rows (the real action is doses.actions.record_checkin)."""

import factory

from doses.models import SymptomEntry

from .accounts import PatientFactory


class SymptomEntryFactory(factory.django.DjangoModelFactory):
    """A check-in by the patient, every symptom scored `score` (2 unless given) unless
    named. Written as is: no alert is raised and no phase is kept."""

    class Meta:
        model = SymptomEntry

    class Params:
        score = 2

    patient = factory.SubFactory(PatientFactory)
    recorded_by = factory.SelfAttribute("patient")
    fatigue = factory.SelfAttribute("score")
    tingling = factory.SelfAttribute("score")
    numbness = factory.SelfAttribute("score")
    balance = factory.SelfAttribute("score")
    memory = factory.SelfAttribute("score")
    mood = factory.SelfAttribute("score")
