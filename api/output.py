"""Records as the API gives them (the shapes are api/schemas.py's)."""


def dose_out(dose) -> dict:
    names = [
        "id", "status", "administered_at", "dose_mcg", "medication", "concentration_mcg_per_ml",
        "route", "site", "lot_number", "administered_by", "side_effects", "allergy_signs",
        "reaction_notes", "skip_reason_kind", "skip_reason", "confirmed_early",
        "confirmed_second", "phase_id", "recorded_by_id",
    ]  # fmt: skip
    return {name: getattr(dose, name) for name in names}


def checkin_out(entry) -> dict:
    names = [
        "id", "recorded_at", *entry.SYMPTOMS, "side_effects", "allergy_signs", "note", "phase_id",
    ]  # fmt: skip
    return {name: getattr(entry, name) for name in names}


def lab_out(lab) -> dict:
    return {
        "id": lab.pk,
        "analyte": lab.analyte,
        "taken_on": lab.taken_on,
        "value": f"{lab.value.normalize():f}",
        "unit": lab.unit,
        "note": lab.note,
        "recorded_by_id": lab.recorded_by_id,
    }


def supply_out(supply) -> dict:
    names = [
        "id", "medication", "concentration_mcg_per_ml", "count", "expires_on", "lot_number",
        "received_on", "note",
    ]  # fmt: skip
    return {
        **{name: getattr(supply, name) for name in names},
        "container_ml": f"{supply.container_ml}",
    }


def phase_out(phase) -> dict:
    names = [
        "id", "order", "kind", "label", "dose_mcg", "schedule_unit", "schedule_every",
        "schedule_weekdays", "end_rule", "end_value",
    ]  # fmt: skip
    return {**{name: getattr(phase, name) for name in names}, "schedule": phase.schedule_text}


def regimen_out(regimen) -> dict:
    names = [
        "id", "name", "status", "medication", "concentration_mcg_per_ml", "route", "start_date",
        "current_phase_id", "next_due", "next_lab_review", "needs_confirmation",
    ]  # fmt: skip
    upcoming = regimen.upcoming() if regimen.is_active else []
    return {
        **{name: getattr(regimen, name) for name in names},
        "phases": [phase_out(phase) for phase in regimen.ordered_phases],
        "upcoming": [
            {"date": day, "phase_id": phase.pk, "dose_mcg": phase.dose_mcg}
            for day, phase in upcoming
        ],
    }
