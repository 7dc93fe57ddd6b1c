"""One factory per model the tests build, in one module per app; regimens come from the
example templates, as in the product. `from tests import factories` reaches them all."""

from .accounts import (
    PASSWORD,
    AdminFactory,
    CarerFactory,
    CareTeamFactory,
    ClinicianFactory,
    InvitationFactory,
    PatientFactory,
    PharmacistFactory,
    RecordViewFactory,
    UserFactory,
)
from .base import bulk
from .clinic import AlertFactory, ClinicalNoteFactory
from .doses import IM_SITES, DoseLogFactory, add_injections, at, give
from .labs import LabRangeFactory, LabResultFactory, record_lab
from .regimens import UK_TEMPLATE, US_TEMPLATE, RegimenChangeFactory, regimen_for, template
from .reminders import (
    CalendarFeedFactory,
    DigestSettingsFactory,
    ReminderSentFactory,
    ReminderSettingsFactory,
)
from .supplies import add_supply
from .symptoms import SymptomEntryFactory, check_in

__all__ = [
    "IM_SITES",
    "PASSWORD",
    "UK_TEMPLATE",
    "US_TEMPLATE",
    "AdminFactory",
    "AlertFactory",
    "CalendarFeedFactory",
    "CareTeamFactory",
    "ClinicalNoteFactory",
    "CarerFactory",
    "ClinicianFactory",
    "PharmacistFactory",
    "DigestSettingsFactory",
    "DoseLogFactory",
    "InvitationFactory",
    "LabRangeFactory",
    "LabResultFactory",
    "PatientFactory",
    "RecordViewFactory",
    "RegimenChangeFactory",
    "ReminderSentFactory",
    "ReminderSettingsFactory",
    "SymptomEntryFactory",
    "UserFactory",
    "add_injections",
    "add_supply",
    "at",
    "bulk",
    "check_in",
    "give",
    "record_lab",
    "regimen_for",
    "template",
]
