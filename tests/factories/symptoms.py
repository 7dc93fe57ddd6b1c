"""Check-ins: made through the real action (check_in), or written as rows."""

import factory

from doses import actions
from symptoms.models import SymptomEntry

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


def check_in(patient, when=None, score: int = 2, *, by=None, **values) -> SymptomEntry:
    """A check-in through the real action, which keeps the plan's phase and raises alerts:
    every symptom scored `score` unless named in `values`; made at `when`, or now."""
    if when is not None:
        values["recorded_at"] = when
    scores = dict.fromkeys(SymptomEntry.SYMPTOMS, score)
    entry, _ = actions.record_checkin(patient, by or patient, **{**scores, **values})
    return entry
