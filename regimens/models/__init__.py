"""Regimen templates (edited by admins) and each patient's own regimen copied from one, in three
modules: what they share (fields.py), the templates (templates.py) and the patient's regimen
with its phases and changes (regimen.py). The app's models are imported from here.

A Regimen stores a copy of its schedule state (current phase, next due date...) computed by
the pure rules in regimens/schedule.py, so that lists can sort and filter on it with one indexed
query. `Regimen.refresh_schedule()` recomputes it and is called in the same transaction as every
event (doses/actions.py) and every regimen change.
"""

from .fields import (
    MAX_DOSE_MCG,
    PHASE_FIELDS,
    EndRule,
    Medication,
    PhaseFields,
    PhaseKind,
    Route,
    ScheduleUnit,
    rule_from_values,
    validate_dose_mcg,
    weekdays_error,
)
from .regimen import Phase, Regimen, RegimenChange, current_regimen
from .templates import PhaseTemplate, RegimenTemplate, RegimenTemplateVersion, TemplateQuerySet

__all__ = [
    "MAX_DOSE_MCG",
    "PHASE_FIELDS",
    "EndRule",
    "Medication",
    "Phase",
    "PhaseFields",
    "PhaseKind",
    "PhaseTemplate",
    "Regimen",
    "RegimenChange",
    "RegimenTemplate",
    "RegimenTemplateVersion",
    "Route",
    "ScheduleUnit",
    "TemplateQuerySet",
    "current_regimen",
    "rule_from_values",
    "validate_dose_mcg",
    "weekdays_error",
]
