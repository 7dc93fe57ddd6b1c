"""What a check-in warns about: a rise in numbness or balance scores (contact the clinician the
same day) and signs of a severe allergic reaction (call emergency services now).

A "rise" is a score higher than at the patient's previous check-in: new or worsening numbness
or balance problems are among clinical.json's same-day signs, and the previous check-in is the
only baseline the app has. Scores are compared as the patient entered them, nothing more is
inferred: the app never advises a dose.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from regimens import reference

from .models import SymptomEntry

# The symptoms whose rise is a same-day sign (clinical.json "same_day").
RISE_SYMPTOMS = ("numbness", "balance")


@dataclass(frozen=True)
class Watched:
    """A symptom whose rise is a same-day sign, with its score at the previous check-in."""

    key: str
    name: str
    before: int


@dataclass(frozen=True)
class Rise:
    key: str
    name: str
    before: int
    after: int


def symptom_name(key: str) -> str:
    return next(item["name"] for item in reference.symptoms() if item["key"] == key)


def latest_checkin(patient) -> SymptomEntry | None:
    """The patient's last check-in: the baseline for the next one (one query)."""
    return SymptomEntry.objects.filter(patient=patient).first()


def previous_checkin(entry: SymptomEntry) -> SymptomEntry | None:
    """The check-in the patient made just before `entry` (one query)."""
    return (
        SymptomEntry.objects.filter(patient_id=entry.patient_id)
        .filter(
            Q(recorded_at__lt=entry.recorded_at) | Q(recorded_at=entry.recorded_at, pk__lt=entry.pk)
        )
        .first()
    )


def watched(previous: SymptomEntry | None) -> list[Watched]:
    """What the check-in form compares live: each watched symptom's previous score."""
    if previous is None:
        return []
    return [Watched(key, symptom_name(key), getattr(previous, key)) for key in RISE_SYMPTOMS]


def rises(entry: SymptomEntry, previous: SymptomEntry | None) -> list[Rise]:
    """The watched symptoms scored higher in `entry` than in `previous`."""
    if previous is None:
        return []
    return [
        Rise(key, symptom_name(key), getattr(previous, key), getattr(entry, key))
        for key in RISE_SYMPTOMS
        if getattr(entry, key) > getattr(previous, key)
    ]


def sign_names(keys) -> list[str]:
    """The ticked signs of a severe allergic reaction, by name, in the list's order."""
    return [str(name) for key, name in SymptomEntry.ALLERGY_SIGNS if key in keys]


def emergency_number() -> str:
    return settings.EMERGENCY_NUMBER


def emergency_tel() -> str:
    """The emergency number as a tel: link's target: digits and a leading + only."""
    return "tel:" + re.sub(r"(?!^\+)[^\d]", "", emergency_number().strip())
