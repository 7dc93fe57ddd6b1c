"""A patient's record as a FHIR R4B Bundle (type "collection"), built as plain dicts.

Patient; one MedicationRequest per regimen with one dosageInstruction per phase; one
MedicationAdministration per recorded injection or skip (soft-deleted ones left out); one
Observation per lab result and one per symptom check-in; one DocumentReference per photo of a
vial label (records/fhir_labels.py). Each resource's fullUrl is a urn:uuid
derived from its table and primary key, so an export of the same record names the same things
the same way and references resolve inside the bundle. Codes come only from clinical.json
(SNOMED routes and sites, HL7 v3 ActSite site codes, LOINC per unit): none is invented.
Eight queries, whatever the size of the record.

Built for speed as well (issue 20: three years, some 400 entries, in a few milliseconds): the
injections and check-ins are read as plain rows (values()), not model instances, their phases
taken from the regimens already read; the wording repeated from entry to entry (a medication's
name, who gave a dose) is looked up once per bundle; the urns are spelled out by hand. The
bundle is the same as built entry by entry from the models (tests/records/test_fhir.py pins it).
"""

import functools
import hashlib
import uuid
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Prefetch
from django.utils import timezone

from accounts.dates import clamp
from accounts.language import in_source_language
from doses.models import DoseLog
from labs.models import LabRange, LabResult
from labs.rows import in_unit
from regimens import reference
from regimens.history import attach_phases_then
from regimens.models import Medication, Phase, Regimen, ScheduleUnit
from regimens.schedule import AFTER_DAYS, AFTER_DOSES, parse_weekdays
from symptoms.models import SymptomEntry

from .fhir_labels import label_resources

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:b12-log:fhir")
PATIENT_SYSTEM = "urn:b12-log:patient"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ACT_SITE = "http://terminology.hl7.org/CodeSystem/v3-ActSite"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

REQUEST_STATUS = {
    Regimen.Status.ACTIVE: "active",
    Regimen.Status.COMPLETED: "completed",
    Regimen.Status.ENDED: "stopped",
}
PERIOD_UNIT = {ScheduleUnit.DAY: "d", ScheduleUnit.WEEK: "wk", ScheduleUnit.MONTH: "mo"}
FHIR_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRESCRIBER_SETS = "The prescriber sets the dose and interval; this record never advises a dose."


_NAMESPACE_BYTES = NAMESPACE.bytes


def full_url(kind: str, pk) -> str:
    """A stable name for one row: the same table and primary key always give the same urn,
    uuid.uuid5(NAMESPACE, f"{kind}/{pk}"), spelled out here (SHA-1 of the namespace and the
    name, with the version and variant bits set) at a quarter of uuid5's and str()'s cost."""
    name = _NAMESPACE_BYTES + f"{kind}/{pk}".encode()
    digest = bytearray(hashlib.sha1(name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _entry(url: str, resource: dict) -> dict:
    resource = {"resourceType": resource.pop("resourceType"), "id": url[9:], **resource}
    return {"fullUrl": url, "resource": resource}


def _moment(value, zone) -> str:
    """An aware datetime as FHIR dateTime, in the patient's zone (so with their offset)."""
    return value.astimezone(zone).isoformat(timespec="seconds")


def _number(value) -> int | float:
    if type(value) is int:  # a dose or a strength: what the Decimal below would give back
        return value
    value = Decimal(str(value)).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _quantity(value, unit: str, code: str | None = None) -> dict:
    return {"value": _number(value), "unit": unit, "system": UCUM, "code": code or unit}


def _concept(text: str, *codings: tuple[str, str]) -> dict:
    """A CodeableConcept: our own wording as text (it is not the code systems' display)."""
    concept = {"text": text}
    if codings:
        concept["coding"] = [{"system": system, "code": code} for system, code in codings]
    return concept


def _medication(medication: str, strength: int) -> dict:
    return _concept(_medication_text(medication, strength))


def _medication_text(medication: str, strength: int) -> str:
    return f"{Medication(medication).label} injection {strength} mcg/mL"


def _route(route: str) -> dict:
    return _concept(*_route_parts(route))


@functools.cache
def _route_parts(route: str) -> tuple:
    """A route's text and coding, looked up once per process (the reference data is fixed)."""
    info = reference.clinical()["routes"][route]
    return info["name"], (SNOMED, info["snomed"])


def _site(code: str) -> dict:
    return _concept(*_site_parts(code))


@functools.cache
def _site_parts(code: str) -> tuple:
    """A site's text and codings, looked up once per process (the reference data is fixed)."""
    site = next((s for s in reference.clinical()["sites"] if s["code"] == code), {"name": code})
    codings = [(SNOMED, site["snomed"])] if site.get("snomed") else []
    return site["name"], *codings, (ACT_SITE, code)


def _dose(mcg: int) -> dict:
    return _quantity(mcg, "mcg", "ug")


def _category(code: str, display: str) -> list[dict]:
    return [{"coding": [{"system": CATEGORY, "code": code, "display": display}]}]


def _patient(patient) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": PATIENT_SYSTEM, "value": str(patient.pk)}],
        "active": patient.is_active,
        "name": [{"text": str(patient)}],  # the name, or the email when there is none
        "telecom": [{"system": "email", "value": patient.email}],
    }


def _timing(phase: Phase) -> dict:
    if phase.schedule_unit == ScheduleUnit.WEEKDAYS:
        days = parse_weekdays(phase.schedule_weekdays)
        repeat = {
            "frequency": len(days),
            "period": 1,
            "periodUnit": "wk",
            "dayOfWeek": [FHIR_DAYS[d] for d in days],
        }
    else:
        repeat = {
            "frequency": 1,
            "period": phase.schedule_every,
            "periodUnit": PERIOD_UNIT[phase.schedule_unit],
        }
    if phase.end_rule == AFTER_DOSES:
        repeat["count"] = phase.end_value
    elif phase.end_rule == AFTER_DAYS:
        repeat["boundsDuration"] = _quantity(phase.end_value, "days", "d")
    return {"repeat": repeat}


def _dosage(sequence: int, phase: Phase, route: str) -> dict:
    open_ended = phase.end_rule not in (AFTER_DOSES, AFTER_DAYS)
    ends = f"runs {phase.end_text}" if open_ended else f"ends after {phase.end_text}"
    return {
        "sequence": sequence,
        "text": phase.schedule_text,
        "patientInstruction": (
            f"{phase.label} ({phase.get_kind_display().lower()} phase): {phase.dose_mcg} mcg "
            f"{phase.schedule_text}; {ends}."
        ),
        "timing": _timing(phase),
        "route": _route(route),
        "doseAndRate": [{"doseQuantity": _dose(phase.dose_mcg)}],
    }


def _request(regimen: Regimen, patient_url: str, zone) -> dict:
    notes = [regimen.prescriber_note, f"Course starts on {regimen.start_date.isoformat()}."]
    resource = {
        "resourceType": "MedicationRequest",
        "status": REQUEST_STATUS[regimen.status],
        "intent": "order",
        "medicationCodeableConcept": _medication(
            regimen.medication, regimen.concentration_mcg_per_ml
        ),
        "subject": {"reference": patient_url},
        "authoredOn": _moment(regimen.created_at, zone),
        "note": [{"text": text} for text in [*notes, PRESCRIBER_SETS] if text],
        "dosageInstruction": [
            _dosage(n, phase, regimen.route) for n, phase in enumerate(regimen.phases.all(), 1)
        ],
    }
    if regimen.prescriber is not None:
        resource["requester"] = {"display": str(regimen.prescriber)}
    return resource


GIVEN_BY = {
    DoseLog.AdministeredBy.SELF: "Self-administered",
    DoseLog.AdministeredBy.CARER: "Given by a carer or family member",
    DoseLog.AdministeredBy.CLINIC: "Given at a clinic or by a nurse",
}

# What the bundle shows of an injection or a skip, read as plain rows (records/fhir.py's
# docstring): the fields _administration reads, and those of DoseLog.timing_notes.
DOSE_FIELDS = (
    "pk",
    "regimen_id",
    "phase_id",
    "status",
    "administered_at",
    "dose_mcg",
    "medication",
    "concentration_mcg_per_ml",
    "route",
    "site",
    "lot_number",
    "administered_by",
    "reaction_notes",
    "skip_reason",
    "skip_reason_kind",
    "confirmed_early",
    "confirmed_second",
    "due_when_logged",
)
DOSE_DATES = ("administered_at", "due_when_logged")


class _Lookups:
    """What many entries say alike, looked up once per bundle rather than once per entry: the
    same few medications, givers, analytes and ranges come back hundreds of times."""

    def __init__(self):
        self.medication = functools.cache(_medication_text)
        self.performer = functools.cache(_performer_words)
        self.lab = functools.cache(reference.lab)
        self.in_unit = functools.cache(in_unit)
        # Each symptom's name and field, as SymptomEntry.scores pairs them.
        self.symptoms = [(item["name"], item["key"]) for item in reference.symptoms()]


def _performer_words(administered_by: str) -> tuple[str, str | None]:
    """Who gave it: the function's text, and the actor's display for a carer or clinic (None:
    the patient, named by reference)."""
    who = DoseLog.AdministeredBy(administered_by)
    return GIVEN_BY[who], None if who == who.SELF else str(who.label)


def _performer(dose, patient_url: str, lookups: _Lookups) -> list[dict]:
    """Who gave it: the patient by reference; a carer or clinic by description only (the app
    records no more about them)."""
    function, display = lookups.performer(dose.administered_by)
    actor = {"reference": patient_url} if display is None else {"display": display}
    return [{"function": {"text": function}, "actor": actor}]


def _administration(dose, regimen: Regimen, urls: dict, zone, lookups: _Lookups) -> dict:
    """`dose`: a row of DOSE_FIELDS, with its phase_then (patient_bundle)."""
    medication = dose.medication or regimen.medication
    strength = dose.concentration_mcg_per_ml or regimen.concentration_mcg_per_ml
    product = {"text": lookups.medication(medication, strength)}
    resource = {"resourceType": "MedicationAdministration"}
    if dose.lot_number:
        resource["contained"] = [
            {
                "resourceType": "Medication",
                "id": "product",
                "code": product,
                "batch": {"lotNumber": dose.lot_number},
            }
        ]
        resource["medicationReference"] = {"reference": "#product"}
    else:
        resource["medicationCodeableConcept"] = product
    is_given = dose.status == DoseLog.Status.GIVEN
    resource.update(
        status="completed" if is_given else "not-done",
        subject={"reference": urls["patient"]},
        effectiveDateTime=_moment(dose.administered_at, zone),
        request={"reference": urls[regimen.pk]},
    )
    if not is_given:
        # The model's wording of the reason (a skip is rare: one unsaved instance for it).
        reason = DoseLog(skip_reason=dose.skip_reason, skip_reason_kind=dose.skip_reason_kind)
        resource["statusReason"] = [{"text": reason.skip_reason_text}]
    else:
        resource["performer"] = _performer(dose, urls["patient"], lookups)
    if dose.dose_mcg is not None:  # FHIR: a dosage has a dose (or a rate)
        dosage = {}
        if dose.site:
            dosage["site"] = _site(dose.site)
        if dose.route:
            dosage["route"] = _route(dose.route)
        resource["dosage"] = {**dosage, "dose": _dose(dose.dose_mcg)}
        if getattr(dose, "phase_then", None):
            resource["dosage"]["text"] = f"Prescribed then: {dose.phase_then.summary}"
    notes = []
    if dose.reaction_notes:
        notes.append({"text": f"Reaction: {dose.reaction_notes}"})
    timing_notes = DoseLog.timing_notes.fget(dose)  # the model's wording, from the row's fields
    if timing_notes:
        due = f" (due {dose.due_when_logged.isoformat()})" if dose.due_when_logged else ""
        notes.append({"text": f"Timing: {'; '.join(timing_notes)}{due}"})
    if notes:
        resource["note"] = notes
    return resource


def _shown(lab: LabResult, info: dict) -> tuple[Decimal, str, str | None]:
    """The value, unit and LOINC code to export: as entered when LOINC has a code for that
    unit, else in the canonical unit when it has one, else as entered with no code."""
    if lab.unit in info["loinc"]:
        return lab.value, lab.unit, info["loinc"][lab.unit]
    canonical = info["canonical_unit"]
    if canonical in info["loinc"]:
        return lab.value_canonical, canonical, info["loinc"][canonical]
    return lab.value, lab.unit, None


def _lab(lab: LabResult, ranges: dict, patient_url: str, lookups: _Lookups) -> dict:
    info = lookups.lab(lab.analyte)
    value, unit, loinc = _shown(lab, info)
    codings = [(LOINC, loinc)] if loinc else []
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": _category("laboratory", "Laboratory"),
        "code": _concept(info["name"], *codings),
        "subject": {"reference": patient_url},
        "effectiveDateTime": lab.taken_on.isoformat(),
        "valueQuantity": _quantity(value, unit),
    }
    typical = ranges.get(lab.analyte)
    if typical is not None:
        # The range in the unit shown, as the lab pages give it (labs/rows.py).
        low, high = (
            float(lookups.in_unit(bound, lab.analyte, unit))
            for bound in (typical.low, typical.high)
        )
        resource["referenceRange"] = [
            {"low": _quantity(low, unit), "high": _quantity(high, unit), "text": "typical range"}
        ]
        flag = None
        if lab.value_canonical < typical.low:
            flag = ("L", "Low")
        elif lab.value_canonical > typical.high:
            flag = ("H", "High")
        if flag:
            coding = {"system": INTERPRETATION, "code": flag[0], "display": flag[1]}
            resource["interpretation"] = [{"coding": [coding]}]
    notes = [lab.note]
    if unit != lab.unit:
        notes.append(f"Entered as {_number(lab.value)} {lab.unit}.")
    if any(notes):
        resource["note"] = [{"text": text} for text in notes if text]
    return resource


ALLERGY_SIGNS = dict(SymptomEntry.ALLERGY_SIGNS)
# What the bundle shows of a check-in, read as plain rows, besides each symptom's score.
CHECKIN_FIELDS = ("pk", "recorded_at", "phase_id", "side_effects", "allergy_signs", "note")


def _checkin(entry, patient_url: str, zone, lookups: _Lookups) -> dict:
    """`entry`: a row of CHECKIN_FIELDS and the symptoms' fields, with its phase_then."""
    components = [
        {"code": {"text": name}, "valueInteger": getattr(entry, key)}
        for name, key in lookups.symptoms
    ]
    components += [
        {"code": {"text": "Side effect"}, "valueString": effect} for effect in entry.side_effects
    ]
    components += [
        {"code": {"text": "Sign of allergic reaction"}, "valueString": str(ALLERGY_SIGNS[sign])}
        for sign in entry.allergy_signs
    ]
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": _category("survey", "Survey"),
        "code": {"text": "B12 symptom check-in"},
        "subject": {"reference": patient_url},
        "effectiveDateTime": _moment(entry.recorded_at, zone),
        "component": components,
    }
    notes = [entry.note]
    if getattr(entry, "phase_then", None):
        notes.append(f"Phase then: {entry.phase_then.summary}")
    if any(notes):
        resource["note"] = [{"text": text} for text in notes if text]
    return resource


def _rows(queryset, fields, dates, phases: dict) -> list[SimpleNamespace]:
    """The queryset's `fields` as one plain object per row: its `dates` kept within the app's
    bounds as the model's from_db keeps them (accounts/dates.py), and its `phase` taken from
    `phases` (each a phase of one of the patient's regimens: read already)."""
    rows = []
    for row in queryset.values(*fields):
        for name in dates:
            row[name] = clamp(row[name])
        rows.append(SimpleNamespace(**row))
    missing = {row.phase_id for row in rows} - phases.keys() - {None}
    if missing:  # a phase of no regimen of the patient: none in practice, one query if so
        phases.update(Phase.objects.in_bulk(missing))
    for row in rows:
        row.phase = phases.get(row.phase_id)
    return rows


@in_source_language
def patient_bundle(patient) -> dict:
    """The whole record of `patient` as a FHIR R4B collection Bundle. Its text is in the
    source language (English), whatever the language of the page it was asked from: the
    choice labels marked for the pages say here what they always said."""
    zone = patient.zone
    phases = Prefetch("phases", queryset=Phase.objects.order_by("order"))
    regimens = list(
        Regimen.objects.filter(patient=patient)
        .select_related("prescriber")
        .prefetch_related(phases)
        .order_by("start_date", "pk")
    )
    urls = {"patient": full_url("patient", patient.pk)}
    entries = [_entry(urls["patient"], _patient(patient))]
    by_pk = {}
    for regimen in regimens:
        urls[regimen.pk] = full_url("regimen", regimen.pk)
        by_pk[regimen.pk] = regimen
        entries.append(_entry(urls[regimen.pk], _request(regimen, urls["patient"], zone)))
    lookups = _Lookups()
    in_regimens = {phase.pk: phase for regimen in regimens for phase in regimen.phases.all()}
    doses = _rows(
        DoseLog.objects.filter(patient=patient, deleted_at__isnull=True).order_by(
            "administered_at", "pk"
        ),
        DOSE_FIELDS,
        DOSE_DATES,
        in_regimens,
    )
    checkins = _rows(
        SymptomEntry.objects.filter(patient=patient).order_by("recorded_at", "pk"),
        CHECKIN_FIELDS + tuple(key for _name, key in lookups.symptoms),
        ("recorded_at",),
        in_regimens,
    )
    attach_phases_then(doses, checkins=checkins)  # each with its phase as prescribed then
    for dose in doses:
        resource = _administration(dose, by_pk[dose.regimen_id], urls, zone, lookups)
        entries.append(_entry(full_url("dose", dose.pk), resource))
    ranges = {r.analyte: r for r in LabRange.objects.all()}
    labs = LabResult.objects.filter(patient=patient, deleted_at__isnull=True)
    for lab in labs.order_by("taken_on", "pk"):
        resource = _lab(lab, ranges, urls["patient"], lookups)
        entries.append(_entry(full_url("lab", lab.pk), resource))
    for entry in checkins:
        resource = _checkin(entry, urls["patient"], zone, lookups)
        entries.append(_entry(full_url("checkin", entry.pk), resource))
    for (kind, pk), resource in label_resources(
        patient, regimens, urls, lambda value: _moment(value, zone)
    ):
        entries.append(_entry(full_url(kind, pk), resource))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _moment(timezone.now(), zone),
        "entry": entries,
    }
