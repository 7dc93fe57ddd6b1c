"""What the API takes and gives, as pydantic schemas (they make the OpenAPI schema). The
shapes are checked here; what a value may be (ranges, choices, dates) is checked by the same
forms and model clean() as the pages (api/submit.py)."""

from datetime import date, datetime
from typing import Annotated, Literal

from django.utils.translation import gettext
from ninja import Schema
from pydantic import BaseModel, BeforeValidator, Field

from doses.models import DoseLog
from labs.forms import unit_choices
from regimens import reference
from regimens.models.fields import MAX_DOSE_MCG, Medication, Route

TEXT = 2000  # no text field of the records is longer


def one_of(choices) -> object:
    """A string that is one of these choices' values (the schema lists them)."""
    return Literal[tuple(value for value, _label in choices)]


MedicationCode = one_of(Medication.choices)
RouteCode = one_of(Route.choices)
SiteCode = one_of(reference.site_choices())
AdministeredBy = one_of(DoseLog.AdministeredBy.choices)
SkipReason = one_of(DoseLog.SkipReason.choices)
Analyte = one_of(reference.lab_choices())
Unit = one_of(unit_choices())


class ErrorOut(Schema):
    detail: str
    # Per field, what is wrong with it; "non_field" for the record as a whole.
    errors: dict[str, list[str]] = {}


class UnusualTimingOut(ErrorOut):
    """409: the dose is early or a second one that day. Send it again with "confirmed": true
    (and the same Idempotency-Key) to record it anyway."""

    consequences: list[str]
    early: bool
    second: bool
    due: date | None
    next_dates_before: list[date]
    next_dates_after: list[date]


class PatientOut(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    name: str
    role: str
    scope: str
    # The patients whose record this user may read: their own, or their care team's.
    patients: list[PatientOut]


class PhaseOut(Schema):
    id: int
    order: int
    kind: str
    label: str
    dose_mcg: int
    schedule: str
    schedule_unit: str
    schedule_every: int | None
    schedule_weekdays: str
    end_rule: str
    end_value: int | None


class UpcomingOut(Schema):
    date: date
    phase_id: int
    dose_mcg: int


class RegimenOut(Schema):
    id: int
    name: str
    status: str
    medication: str
    concentration_mcg_per_ml: int
    route: str
    start_date: date
    current_phase_id: int | None
    next_due: date | None
    next_lab_review: date | None
    needs_confirmation: bool
    phases: list[PhaseOut]
    upcoming: list[UpcomingOut]


class DoseOut(Schema):
    id: int
    status: str
    administered_at: datetime
    dose_mcg: int | None
    medication: str
    concentration_mcg_per_ml: int | None
    route: str
    site: str
    lot_number: str
    administered_by: str
    side_effects: list[str]
    allergy_signs: list[str]
    reaction_notes: str
    skip_reason_kind: str
    skip_reason: str
    confirmed_early: bool
    confirmed_second: bool
    phase_id: int | None
    recorded_by_id: int | None


class DoseIn(Schema):
    """Left out, the dose is the current phase's and the route the regimen's; a time without
    an offset is in the user's time zone."""

    administered_at: datetime
    dose_mcg: int | None = Field(None, ge=1, le=MAX_DOSE_MCG)
    medication: MedicationCode | None = None
    concentration_mcg_per_ml: int | None = Field(None, ge=1, le=100_000)
    route: RouteCode | None = None
    site: SiteCode
    lot_number: str = Field("", max_length=40)
    administered_by: AdministeredBy | None = None
    side_effects: list[str] = Field([], max_length=50)
    allergy_signs: list[str] = Field([], max_length=50)
    reaction_notes: str = Field("", max_length=TEXT)
    # An early dose, or a second one that day, is recorded only when this is true (409).
    confirmed: bool = False


class SkipIn(Schema):
    reason_kind: SkipReason
    reason: str = Field("", max_length=300)


class CheckinOut(Schema):
    id: int
    recorded_at: datetime
    fatigue: int
    tingling: int
    numbness: int
    balance: int
    memory: int
    mood: int
    side_effects: list[str]
    allergy_signs: list[str]
    note: str
    phase_id: int | None


class CheckinIn(Schema):
    fatigue: int = Field(ge=0, le=10)
    tingling: int = Field(ge=0, le=10)
    numbness: int = Field(ge=0, le=10)
    balance: int = Field(ge=0, le=10)
    memory: int = Field(ge=0, le=10)
    mood: int = Field(ge=0, le=10)
    side_effects: list[str] = Field([], max_length=50)
    allergy_signs: list[str] = Field([], max_length=50)
    note: str = Field("", max_length=TEXT)


class LabOut(Schema):
    id: int
    analyte: str
    taken_on: date
    value: str  # a decimal, as entered: "148", "0.45"
    unit: str
    note: str
    recorded_by_id: int | None


class LabIn(Schema):
    analyte: Analyte
    taken_on: date
    value: str = Field(max_length=20, examples=["310"])
    unit: Unit
    note: str = Field("", max_length=TEXT)


class SupplyOut(Schema):
    id: int
    medication: str
    concentration_mcg_per_ml: int
    container_ml: str  # a decimal: "1.00"
    count: int
    expires_on: date
    lot_number: str
    received_on: date
    note: str


class SupplyIn(Schema):
    medication: MedicationCode
    concentration_mcg_per_ml: int = Field(ge=1, le=100_000)
    container_ml: str = Field(max_length=20, examples=["1"])
    count: int = Field(ge=1, le=500)
    expires_on: date
    lot_number: str = Field("", max_length=100)
    received_on: date
    note: str = Field("", max_length=300)


# Corrections (PATCH): the fields sent replace the record's; those left out (or null) stay as
# they are. The reason is kept with the previous version, which is kept whatever is changed.
# They are plain pydantic models, not ninja's Schema: that one reads attributes of anything,
# so a body that is not a JSON object (a list, a number) would pass as "nothing sent".
REASON = Field("", max_length=300, description="Why it is corrected (optional).")


def _text(value):
    """Dates and times as text only: pydantic would read a number as seconds since 1970."""
    if not isinstance(value, str):
        raise ValueError(gettext("Send the date or time as text, for example 2026-03-10."))
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_text)]
IsoDate = Annotated[date, BeforeValidator(_text)]


class DosePatch(BaseModel):
    """A given injection's values; a skipped one corrected becomes a given one, as on its
    page."""

    administered_at: IsoDateTime | None = None
    dose_mcg: int | None = Field(None, ge=1, le=MAX_DOSE_MCG)
    medication: MedicationCode | None = None
    concentration_mcg_per_ml: int | None = Field(None, ge=1, le=100_000)
    route: RouteCode | None = None
    site: SiteCode | None = None
    lot_number: str | None = Field(None, max_length=40)
    administered_by: AdministeredBy | None = None
    side_effects: list[str] | None = Field(None, max_length=50)
    allergy_signs: list[str] | None = Field(None, max_length=50)
    reaction_notes: str | None = Field(None, max_length=TEXT)
    reason: str = REASON


class LabPatch(BaseModel):
    analyte: Analyte | None = None
    taken_on: IsoDate | None = None
    value: str | None = Field(None, max_length=20, examples=["310"])
    unit: Unit | None = None
    note: str | None = Field(None, max_length=TEXT)
    reason: str = REASON


class SupplyPatch(BaseModel):
    medication: MedicationCode | None = None
    concentration_mcg_per_ml: int | None = Field(None, ge=1, le=100_000)
    container_ml: str | None = Field(None, max_length=20, examples=["1"])
    count: int | None = Field(None, ge=1, le=500)
    expires_on: IsoDate | None = None
    lot_number: str | None = Field(None, max_length=100)
    received_on: IsoDate | None = None
    note: str | None = Field(None, max_length=300)
    reason: str = REASON
