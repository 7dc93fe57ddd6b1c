"""Symptom check-ins: 0-10 per symptom, side effects and signs of an allergic reaction, with
the phase the patient was in. The rules for what a person may tick (side effects, allergy
signs) and for event times are shared with the injections (doses.models imports them).

The table was made by the doses app and keeps its name (Meta.db_table)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.dates import PAST, BoundedDates
from regimens import reference

FUTURE_TOLERANCE = timedelta(minutes=5)


def validate_not_future(moment) -> None:
    if moment and moment > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError(gettext("This time is in the future. Enter when it happened."))


# Signs of a severe allergic reaction a patient may tick on a check-in or an injection.
ALLERGY_SIGNS = (
    ("hives", _("Hives or widespread itchy rash")),
    ("breathing", _("Trouble breathing or wheezing")),
    ("swelling", _("Swelling of the face, lips, tongue or throat")),
)


def reaction_errors(record) -> dict:
    """Side effects and allergy signs are picked from their lists, never typed (a list of
    strings, bounded by the lists themselves)."""
    errors = {}
    effects, signs = record.side_effects, record.allergy_signs
    if not isinstance(effects, list) or set(map(str, effects)) - set(reference.side_effects()):
        errors["side_effects"] = gettext("Choose side effects from the list.")
    if not isinstance(signs, list) or set(map(str, signs)) - {key for key, _n in ALLERGY_SIGNS}:
        errors["allergy_signs"] = gettext("Choose signs from the list.")
    return errors


class SymptomEntry(BoundedDates, models.Model):
    """A check-in: 0-10 per symptom (higher is worse), side effects, a note."""

    DATE_KINDS = {"recorded_at": PAST}

    SYMPTOMS = tuple(item["key"] for item in reference.symptoms())
    ALLERGY_SIGNS = ALLERGY_SIGNS

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins"
    )
    recorded_at = models.DateTimeField(default=timezone.now, validators=[validate_not_future])
    fatigue = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    tingling = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    numbness = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    balance = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    memory = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    mood = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    side_effects = models.JSONField(default=list, blank=True)
    allergy_signs = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    phase = models.ForeignKey(
        "regimens.Phase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The phase the patient was in when they checked in."),
    )
    submission_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)

    class Meta:
        db_table = "doses_symptomentry"  # made by the doses app, before check-ins had their own
        ordering = ["-recorded_at", "-pk"]
        verbose_name_plural = _("symptom entries")
        indexes = [models.Index(fields=["patient", "-recorded_at"], name="checkin_patient_time")]

    def __str__(self):
        return f"Check-in {self.recorded_at:%Y-%m-%d}"

    def clean(self):
        errors = reaction_errors(self)
        if errors:
            raise ValidationError(errors)

    def scores(self) -> list[tuple[str, int]]:
        return [(item["name"], getattr(self, item["key"])) for item in reference.symptoms()]

    @property
    def total(self) -> int:
        return sum(getattr(self, key) for key in self.SYMPTOMS)
