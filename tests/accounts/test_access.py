"""Who may open which page: one table with every named URL, for GET and POST, for each role.

The roles, all around one patient's record (the owner's):

    anonymous        not signed in
    owner            the patient whose record it is
    other_patient    another patient, with a record of their own
    care_clinician   a clinician on the owner's care team
    other_clinician  a clinician on the other patient's care team, not on the owner's
    care_pharmacist  a pharmacist on the owner's care team: the plan, the supplies and their
                     labels (which they verify), the injections and the labs, on their own
                     pages (pharmacy_patient, the labels'); never the clinicians' record,
                     notes, alerts or regimen actions (DESIGN's "Who sees what")
    carer            a carer the owner granted access (who cares for no one else)
    other_carer      a carer of the other patient only
    admin            staff; the Django admin is their place

What each request may do (the outcomes):

    LOGIN        sent to sign in; nothing changes
    NOT_FOUND    404, as for a record that does not exist; nothing changes
    NOT_ALLOWED  405: the method is wrong for everyone, so it reveals nothing; nothing changes
    READS        200 with the owner's record on the page; nothing changes
    CHANGES      the POST makes its change to the owner's record
    OWN          the user's own page, record or account: the owner's record is neither shown
                 nor changed (a POST makes its change to the user's own record or account)
    PUBLIC       a page for anyone signed out (the sign-in form, signing out)
    TO_HOME      signed-in users asking for the sign-in page are sent home; nothing changes
    TO_ADMIN     the admin's home is the Django admin; nothing changes

A new URL fails test_every_url_is_in_the_matrix until it has its row in MATRIX.
"""

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import dateformat, timezone

from accounts import invitations
from accounts.models import TEAM_ROLES, CareTeamMembership, Invitation, SignedInDevice, User
from api import tokens as api_tokens
from api.models import ApiToken
from doses import actions as dose_actions
from doses.models import Alert, ClinicalNote, DoseLog, DoseLogVersion
from labs import actions as lab_actions
from labs.models import LabResult, LabResultVersion
from regimens.models import Phase, Regimen, RegimenChange, RegimenTemplate
from reminders.models import CalendarFeed, DigestSettings, PushDevice, ReminderSettings
from sharing import actions as sharing_actions
from sharing.models import CareTeamEvent, ShareCode
from supplies import actions as supply_actions
from supplies import labels as supply_labels
from supplies.models import LabelPhoto, Supply, SupplyVersion
from symptoms.models import SymptomEntry
from tests import factories
from tests.supplies import images

pytestmark = pytest.mark.django_db

# The one template with an open phase that has another after it, so it can be advanced.
NEURO_TEMPLATE = "Hydroxocobalamin, neurological involvement (UK)"
PROPHYLAXIS_TEMPLATE = "Hydroxocobalamin prophylaxis (after gastrectomy or ileal resection)"

NEW_LOT = "LOT-NEW-2024"
CLINIC_LOT = "LOT-CLINIC-77"
CORRECTED_LOT = "LOT-FIXED-99"
SKIP_REASON = "Out of stock at the pharmacy"
NEW_CHECKIN_NOTE = "Less tired this week"
NOTE_TEXT = "Discussed injection technique."
REASON = "Reviewed at the clinic"
NEW_PASSWORD = "violet-harbour-lantern-42"

LOGIN = "sent to sign in"
NOT_FOUND = "404, nothing changes"
NOT_ALLOWED = "405, nothing changes"
READS = "reads the record"
CHANGES = "changes the record"
OWN = "only their own"
PUBLIC = "public"
TO_HOME = "sent home"
TO_ADMIN = "sent to the admin"

SIGNED_IN = (
    "owner",
    "other_patient",
    "care_clinician",
    "other_clinician",
    "care_pharmacist",
    "carer",
    "other_carer",
    "admin",
)
ROLES = ("anonymous", *SIGNED_IN)
# Those who may ask to join a patient's care team with a share code.
TEAM_MEMBERS = ("care_clinician", "other_clinician", "care_pharmacist", "carer", "other_carer")
METHODS = ("GET", "POST")


# The record ------------------------------------------------------------------------------


@dataclass
class Record:
    """A patient's active regimen (started 40 days ago), one injection and one check-in, a box
    of ampoules and a calendar feed. The next dose is overdue, so a skip is possible."""

    owner: User
    regimen: Regimen
    dose: DoseLog
    checkin: SymptomEntry
    supply: Supply
    feed: CalendarFeed
    device: PushDevice

    @property
    def phase(self) -> Phase:
        return self.regimen.current_phase

    @property
    def lot(self) -> str:
        return self.dose.lot_number

    @property
    def note(self) -> str:
        return self.checkin.note


def build_record(
    patient, template=factories.US_TEMPLATE, *, deleted=False, supply_deleted=False
) -> Record:
    first_name = patient.name.split()[0]
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=40), template)
    dose = factories.give(regimen, regimen.next_due, lot_number=f"LOT-{first_name.upper()}")
    entry, _ = dose_actions.record_checkin(
        patient,
        patient,
        note=f"{first_name} feels the tingling less",
        **dict.fromkeys(SymptomEntry.SYMPTOMS, 2),
    )
    if deleted:
        dose = dose_actions.delete_dose(dose, patient, "Entered twice")
    supply, _ = supply_actions.add_supply(
        patient,
        patient,
        medication=regimen.medication,
        concentration_mcg_per_ml=regimen.concentration_mcg_per_ml,
        container_ml=Decimal("1"),
        count=5,
        expires_on=patient.today() + timedelta(days=300),
        lot_number=f"BOX-{first_name.upper()}",
        received_on=patient.today() - timedelta(days=40),
    )
    if supply_deleted:
        supply = supply_actions.delete_supply(supply, patient, "Never had it")
    feed = factories.CalendarFeedFactory(user=patient)
    device = PushDevice.objects.create(
        user=patient,
        endpoint=f"https://push.example.org/{first_name.lower()}-phone",
        p256dh=PUSH_KEY,
        auth=PUSH_AUTH,
        name="Chrome on Android",
    )
    regimen.refresh_from_db()
    return Record(patient, regimen, dose, entry, supply, feed, device)


TABLES = {
    DoseLog: "patient",
    DoseLogVersion: "dose__patient",
    SymptomEntry: "patient",
    ClinicalNote: "patient",
    RegimenChange: "patient",
    Regimen: "patient",
    Phase: "regimen__patient",
    LabResult: "patient",
    LabResultVersion: "lab__patient",
    Supply: "patient",
    SupplyVersion: "supply__patient",
    LabelPhoto: "patient",
    ReminderSettings: "user",
    CalendarFeed: "user",
    PushDevice: "user",
    CareTeamMembership: "patient",
    CareTeamEvent: "patient",
    ShareCode: "patient",
    Alert: "patient",
    ApiToken: "user",
}
# Bookkeeping that reading changes: when a calendar app last fetched the feed.
NOT_COMPARED = {CalendarFeed: {"last_fetched_at"}, ApiToken: {"last_used_at"}}


def snapshot(patient=None) -> dict:
    """Every row of the recorded tables, or only one patient's."""
    rows = {}
    for model, owner_field in TABLES.items():
        query = model.objects.all()
        if patient is not None:
            query = query.filter(**{owner_field: patient})
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.name not in NOT_COMPARED.get(model, ())
        ]
        rows[model.__name__] = list(query.order_by("pk").values(*fields))
    return rows


# POST data that succeeds for a user who is allowed ------------------------------------------


def _token() -> str:
    return str(uuid.uuid4())


def _minute(moment, patient) -> str:
    return timezone.localtime(moment, patient.zone).strftime("%Y-%m-%dT%H:%M")


def dose_form(record, *, lot=NEW_LOT, by="self") -> dict:
    return {
        "submission_token": _token(),
        "administered_at": _minute(timezone.now() - timedelta(hours=1), record.owner),
        "dose_mcg": 1000,
        "medication": "",
        "concentration_mcg_per_ml": "",
        "route": "IM",
        "site": "RD",
        "lot_number": lot,
        "administered_by": by,
        "reaction_notes": "",
    }


def correction_form(record) -> dict:
    dose = record.dose
    return {
        "submission_token": _token(),
        "administered_at": _minute(dose.administered_at, record.owner),
        "dose_mcg": dose.dose_mcg,
        "medication": dose.medication,
        "concentration_mcg_per_ml": dose.concentration_mcg_per_ml,
        "route": dose.route,
        "site": dose.site,
        "lot_number": CORRECTED_LOT,
        "administered_by": dose.administered_by,
        "reaction_notes": "",
        "reason": "Wrong lot number",
    }


def checkin_form(record) -> dict:
    return {
        "submission_token": _token(),
        **dict.fromkeys(SymptomEntry.SYMPTOMS, 3),
        "note": NEW_CHECKIN_NOTE,
    }


LAB_NOTE = "Fasting sample, clinic lab"
LAB_REVIEW_ON = "2031-02-03"


def lab_form(record) -> dict:
    return {
        "submission_token": _token(),
        "analyte": "b12",
        "taken_on": record.owner.today().isoformat(),
        "value": "412",
        "unit": "pg/mL",
        "note": LAB_NOTE,
    }


def lab_added(client, record, whose) -> bool:
    return LabResult.objects.filter(patient=whose, note=LAB_NOTE).exists()


OWNERS_LAB_NOTE = "Sample drawn at the surgery, owner"
CORRECTED_LAB_VALUE = Decimal("415")


def _owners_lab(record, *, deleted=False) -> LabResult:
    """A B12 result on the owner's record (made when the URL is built, before the snapshot)."""
    owner = record.owner
    lab, _ = lab_actions.record_lab(
        owner,
        owner,
        analyte="b12",
        taken_on=owner.today() - timedelta(days=3),
        value=Decimal("412"),
        unit="pg/mL",
        note=OWNERS_LAB_NOTE,
    )
    if deleted:
        lab = lab_actions.delete_lab(lab, owner, "Entered twice")
    return lab


def lab_id(record):
    return [_owners_lab(record).pk]


def deleted_lab_id(record):
    return [_owners_lab(record, deleted=True).pk]


def _lab(whose) -> LabResult:
    return LabResult.objects.get(patient=whose, note=OWNERS_LAB_NOTE)


def lab_correction_form(record) -> dict:
    return {
        "analyte": "b12",
        "taken_on": (record.owner.today() - timedelta(days=3)).isoformat(),
        "value": str(CORRECTED_LAB_VALUE),
        "unit": "pg/mL",
        "note": OWNERS_LAB_NOTE,
        "reason": "Typing error",
    }


def lab_corrected(client, record, whose) -> bool:
    lab = _lab(whose)
    return lab.value == CORRECTED_LAB_VALUE and lab.versions.exists()


def lab_deleted(client, record, whose) -> bool:
    return _lab(whose).deleted_at is not None


def lab_restored(client, record, whose) -> bool:
    lab = _lab(whose)
    return lab.deleted_at is None and lab.versions.filter(change="restored").exists()


NEW_SUPPLY_LOT = "BOX-NEW-31"
CORRECTED_SUPPLY_LOT = "BOX-FIXED-32"


def supply_form(record, *, lot=NEW_SUPPLY_LOT) -> dict:
    owner = record.owner
    return {
        "submission_token": _token(),
        "medication": "cyanocobalamin",
        "concentration_mcg_per_ml": 1000,
        "container_ml": "30",
        "count": 1,
        "expires_on": (owner.today() + timedelta(days=400)).isoformat(),
        "lot_number": lot,
        "received_on": owner.today().isoformat(),
        "note": "",
    }


def supply_correction_form(record) -> dict:
    return {**supply_form(record, lot=CORRECTED_SUPPLY_LOT), "count": 5, "reason": "Wrong lot"}


def supply_added(client, record, whose) -> bool:
    return Supply.objects.filter(patient=whose, lot_number=NEW_SUPPLY_LOT).exists()


def _supply(record) -> Supply:
    return Supply.objects.get(pk=record.supply.pk)


def supply_corrected(client, record, whose) -> bool:
    return _supply(record).lot_number == CORRECTED_SUPPLY_LOT and _supply(record).versions.exists()


def supply_id(record):
    return [record.supply.pk]


def label_photo_id(record):
    """A photo of the owner's supply's label, as the owner sent it."""
    return [supply_labels.attach_photo(record.supply, record.owner, images.png()).pk]


def label_verdict_ids(record):
    return [record.owner.pk, *label_photo_id(record)]


def label_verdict_form(record) -> dict:
    prefix = f"label-{record.supply.pk}"
    return {f"{prefix}-verdict": "verified", f"{prefix}-note": "Matches"}


def label_sent(client, record, whose) -> bool:
    return LabelPhoto.objects.filter(supply__patient=whose).exists()


def label_verified(client, record, whose) -> bool:
    return LabelPhoto.objects.filter(patient=whose, verdict=LabelPhoto.Verdict.VERIFIED).exists()


REMINDER_FORM = {
    "due_soon": "on",
    "lead_days": 3,
    "due_today": "on",
    "send_hour": 13,
}


def reminders_saved(client, record, whose) -> bool:
    return ReminderSettings.objects.filter(user=whose, lead_days=3, send_hour=13).exists()


DIGEST_FORM = {"frequency": "daily", "send_hour": 7, "weekday": 1}


def digest_chosen(client, record, whose) -> bool:
    return DigestSettings.objects.filter(user=whose, frequency="daily", send_hour=7).exists()


# A browser's subscription keys: a P-256 point (65 bytes) and a 16-byte secret, base64url.
PUSH_KEY = "BP" + "A" * 85
PUSH_AUTH = "A" * 22
NEW_ENDPOINT = "https://push.example.org/new-browser"


def device_subscribed(client, record, whose) -> bool:
    return PushDevice.objects.filter(user=whose, endpoint=NEW_ENDPOINT).exists()


def language_chosen(client, record, whose) -> bool:
    """The language cookie says Spanish; a signed-in user's account says so too."""
    if client.cookies[settings.LANGUAGE_COOKIE_NAME].value != "es":
        return False
    signed_in_as = client.session.get("_auth_user_id")
    return signed_in_as is None or User.objects.get(pk=signed_in_as).language == "es"


def feed_revoked(client, record, whose) -> bool:
    return not CalendarFeed.objects.filter(user=whose).exists()


def prescribe_form(record) -> dict:
    """Switch the owner to the prophylaxis template (one phase, kept as the template has it)."""
    template = RegimenTemplate.objects.get(name=PROPHYLAXIS_TEMPLATE)
    phases = list(template.phases.all())
    data = {
        "template": template.pk,
        "confirm": "1",
        "start_date": record.owner.today().isoformat(),
        "concentration_mcg_per_ml": "",
        "route": "",
        "reason": "Switch to three-monthly injections",
        "phase-TOTAL_FORMS": len(phases),
        "phase-INITIAL_FORMS": len(phases),
        "phase-MIN_NUM_FORMS": 0,
        "phase-MAX_NUM_FORMS": 1000,
    }
    for i, phase in enumerate(phases):
        data[f"phase-{i}-dose_mcg"] = phase.dose_mcg
        data[f"phase-{i}-schedule_unit"] = phase.schedule_unit
        data[f"phase-{i}-schedule_every"] = phase.schedule_every or ""
        data[f"phase-{i}-schedule_weekdays"] = phase.schedule_weekdays
    return data


def change_phase_form(record) -> dict:
    """The current phase (daily) changed to every other day, confirmed after its preview."""
    return {
        "confirm": "yes",
        "dose_mcg": record.phase.dose_mcg,
        "schedule_unit": "day",
        "schedule_every": 2,
        "schedule_weekdays": "",
        "reason": "Injection-site soreness",
    }


# The change a POST is meant to make, on `whose` record or account --------------------------


def _dose(record) -> DoseLog:
    return DoseLog.objects.get(pk=record.dose.pk)


def _regimen(record) -> Regimen:
    return Regimen.objects.get(pk=record.regimen.pk)


def _changed(whose, kind) -> bool:
    return RegimenChange.objects.filter(patient=whose, kind=kind).exists()


def logged(client, record, whose) -> bool:
    # By the patient or their carer (tests/accounts/test_carers.py checks who is named).
    return DoseLog.objects.filter(patient=whose, lot_number=NEW_LOT).exists()


def skipped(client, record, whose) -> bool:
    return DoseLog.objects.filter(
        patient=whose, status=DoseLog.Status.SKIPPED, skip_reason=SKIP_REASON
    ).exists()


def corrected(client, record, whose) -> bool:
    return _dose(record).lot_number == CORRECTED_LOT and _dose(record).versions.exists()


def deleted(client, record, whose) -> bool:
    return _dose(record).deleted_at is not None


def restored(client, record, whose) -> bool:
    return _dose(record).deleted_at is None


def checked_in(client, record, whose) -> bool:
    return SymptomEntry.objects.filter(patient=whose, note=NEW_CHECKIN_NOTE).exists()


def clinic_logged(client, record, whose) -> bool:
    return DoseLog.objects.filter(
        patient=whose,
        lot_number=CLINIC_LOT,
        administered_by=DoseLog.AdministeredBy.CLINIC,
        recorded_by__role=User.Role.CLINICIAN,
    ).exists()


def noted(client, record, whose) -> bool:
    return ClinicalNote.objects.filter(patient=whose, text=NOTE_TEXT).exists()


def prescribed(client, record, whose) -> bool:
    return (
        _changed(whose, RegimenChange.Kind.SWITCHED)
        and _regimen(record).status == Regimen.Status.ENDED
        and Regimen.objects.filter(
            patient=whose, status=Regimen.Status.ACTIVE, name=PROPHYLAXIS_TEMPLATE
        ).exists()
    )


def advanced(client, record, whose) -> bool:
    return (
        _changed(whose, RegimenChange.Kind.ADVANCED)
        and _regimen(record).current_phase_id != record.phase.pk
    )


def ended(client, record, whose) -> bool:
    return _changed(whose, RegimenChange.Kind.ENDED) and (
        _regimen(record).status == Regimen.Status.ENDED
    )


def phase_changed(client, record, whose) -> bool:
    return _changed(whose, RegimenChange.Kind.PHASE_CHANGED) and (
        Phase.objects.get(pk=record.phase.pk).schedule_every == 2
    )


def entered_by_owner(record) -> dict:
    """No form fields: the owner's regimen is marked as entered by the owner (as "Set up my
    injections" saves it, plan_setup/plan.py), so that there is something to confirm."""
    Regimen.objects.filter(pk=record.regimen.pk).update(entered_by=record.owner)
    return {}


def confirmed(client, record, whose) -> bool:
    return _changed(whose, RegimenChange.Kind.CONFIRMED) and (
        _regimen(record).confirmed_by.role == User.Role.CLINICIAN
    )


def signed_in(client, record, whose) -> bool:
    return client.session.get("_auth_user_id") == str(whose.pk)


def signed_out(client, record, whose) -> bool:
    return "_auth_user_id" not in client.session


OTHER_PHONE = "Mozilla/5.0 (Linux; Android 14) Gecko/124.0 Firefox/124.0"


def owners_other_device(record):
    """The owner signed in on a second device too (a session of theirs, not the client's)."""
    other = SessionStore()
    other.create()
    device = SignedInDevice.objects.create(
        user=record.owner, session_key=other.session_key, user_agent=OTHER_PHONE
    )
    return [device.pk]


def other_device_signed_out(client, record, whose) -> bool:
    return not SignedInDevice.objects.filter(user=whose, user_agent=OTHER_PHONE).exists()


def owners_api_token(record):
    """An API token of the owner's, for a phone app."""
    return [api_tokens.create(record.owner, "Phone app", ApiToken.Scope.READ)[0].pk]


def api_token_revoked(client, record, whose) -> bool:
    return ApiToken.objects.filter(user=whose, revoked_at__isnull=False).exists()


SIGNUP_FORM = {
    "name": "Sam Signup",
    "email": "sam.signup@example.org",
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
    "time_zone": "Europe/Lisbon",
}
INVITED_EMAIL = "nia.newcomer@example.org"
RENAMED = "Renamed Person"


def care_clinicians_invitation(record) -> list:
    """A pending invitation sent by the owner's care clinician."""
    clinician = record.owner.care_team.get(clinician__role=User.Role.CLINICIAN).clinician
    return [invitations.invite(clinician, name="Ivy Invited", email="ivy@example.org").pk]


def account_gone(client, record, whose) -> bool:
    """The signed-in user's account is gone and they are signed out; given the owner (their
    care clinician deleted their account), the owner's care team is left without them."""
    if not signed_out(client, record, whose):
        return False
    if User.objects.filter(pk=whose.pk, is_active=True).exists():
        # The owner's team holds one member of each team role; the one who left is missing.
        roles = CareTeamMembership.objects.filter(patient=whose).values_list(
            "clinician__role", flat=True
        )
        return whose.is_patient and len(set(roles)) < len(TEAM_ROLES)
    return True


def password_changed(client, record, whose) -> bool:
    whose.refresh_from_db()
    return whose.check_password(NEW_PASSWORD)


# Share codes and the care team (sharing/): what the URLs need, and the change each POST makes.
NEWCOMER_EMAIL = "newcomer@example.org"


def live_code(record) -> list:
    row, _code = sharing_actions.create_code(record.owner)
    return [row.pk]


def owners_code(record) -> dict:
    """A live share code of the owner's, as a clinician types it."""
    _row, code = sharing_actions.create_code(record.owner)
    return {"code": code}


def share_request(record) -> list:
    """A clinician not on the owner's care team entered the owner's code."""
    newcomer = factories.ClinicianFactory(name="Dr Newcomer", email=NEWCOMER_EMAIL)
    _row, code = sharing_actions.create_code(record.owner)
    return [sharing_actions.enter_code(newcomer, code).code.pk]


def care_membership(record) -> list:
    return [record.owner.care_team.get(clinician__role=User.Role.CLINICIAN).pk]


def team_member_name(record) -> list:
    return [record.owner.care_team.get(clinician__role=User.Role.CLINICIAN).clinician.name]


def _codes(whose, **lookup) -> bool:
    return ShareCode.objects.filter(patient=whose, **lookup).exists()


def newcomer_joined(client, record, whose) -> bool:
    return CareTeamMembership.objects.filter(
        patient=whose, clinician__email=NEWCOMER_EMAIL, source=CareTeamMembership.Source.SHARE_CODE
    ).exists()


def care_clinician_removed(client, record, whose) -> bool:
    return (
        not whose.care_team.filter(clinician__role=User.Role.CLINICIAN).exists()
        and CareTeamEvent.objects.filter(
            patient=whose, kind=CareTeamEvent.Kind.REMOVED, actor=whose
        ).exists()
    )


# The matrix -------------------------------------------------------------------------------


def for_owner(data):
    """A form's data as a carer's form for the owner carries it (the field is ignored for
    anyone else)."""
    return lambda record: {**data(record), "for_patient": record.owner.pk}


def only(**allowed) -> dict:
    """404 for every signed-in role not named; anonymous users are sent to sign in."""
    return {"anonymous": LOGIN, **dict.fromkeys(SIGNED_IN, NOT_FOUND), **allowed}


def everyone(outcome, **exceptions) -> dict:
    return {**dict.fromkeys(ROLES, outcome), **exceptions}


POST_ONLY = everyone(NOT_ALLOWED, anonymous=LOGIN)


@dataclass(frozen=True)
class Page:
    get: dict
    post: dict
    args: Callable[[Record], list] = lambda record: []
    data: Callable[[Record], dict] = lambda record: {}
    # What of the record a reader must see on the page.
    shows: Callable[[Record], list[str]] = lambda record: [record.owner.name]
    # The change a successful POST makes; None for a page whose POST only shows it again.
    did: Callable | None = None
    template: str = factories.US_TEMPLATE
    dose_deleted: bool = False
    supply_deleted: bool = False

    @property
    def outcomes(self) -> dict:
        return {"GET": self.get, "POST": self.post}


def owner_id(record):
    return [record.owner.pk]


def dose_id(record):
    return [record.dose.pk]


def plan_change_id(record):
    """A change to the owner's plan, told to them on their home until they dismiss it."""
    change = factories.RegimenChangeFactory(
        regimen=record.regimen,
        patient=record.owner,
        kind=RegimenChange.Kind.PRESCRIBED,  # no effect on what is due
        by=record.owner,
        reason="Seen in clinic",
    )
    return [change.pk]


def alert_ids(record):
    """An open alert on the owner's record: allergy signs ticked on their check-in."""
    alert = factories.AlertFactory(
        patient=record.owner,
        kind=Alert.Kind.ALLERGY,
        key="access-matrix",
        checkin=record.checkin,
        details={"signs": ["hives"]},
    )
    return [record.owner.pk, alert.pk]


def alert_acknowledged(client, record, whose) -> bool:
    return Alert.objects.filter(
        patient=whose, key="access-matrix", acknowledged_at__isnull=False
    ).exists()


def plan_change_dismissed(client, record, whose) -> bool:
    return RegimenChange.objects.filter(
        patient=whose, reason="Seen in clinic", dismissed_at__isnull=False
    ).exists()


def phase_label(record):
    return [record.phase.label]


PATIENTS_OWN = only(owner=READS, other_patient=OWN)  # the signed-in patient's own page
# A page of the patient's that their carer has too, for the person they record for.
CARERS_TOO = only(owner=READS, other_patient=OWN, carer=READS, other_carer=OWN)
# A carer's form names the person it is for (the owner here): another patient's carer is
# refused it.
CARERS_CHANGE = only(owner=CHANGES, other_patient=OWN, carer=CHANGES)
OWNER_OR_CARER = only(owner=CHANGES, carer=CHANGES)
CARE_READS = only(owner=READS, care_clinician=READS)  # the owner and their clinicians
CARE_AND_CARER_READS = only(owner=READS, care_clinician=READS, carer=READS)
HOMES = only(
    owner=READS,  # their dashboard
    other_patient=OWN,  # their own dashboard
    care_clinician=READS,  # the triage list, with the owner on it
    other_clinician=OWN,  # their own triage list, without the owner
    care_pharmacist=READS,  # their patient list, with the owner on it
    carer=READS,  # the home of the person they care for: the owner
    other_carer=OWN,  # the home of the other patient, whom they care for
    admin=TO_ADMIN,
)

MATRIX: dict[str, Page] = {
    # Each role's own home: patient dashboard, clinician's triage list, the Django admin.
    "home": Page(
        shows=lambda record: [record.owner.name, record.phase.label],
        get=HOMES,
        post=HOMES,
    ),
    # Patient-only pages, without an id: always the signed-in patient's own record.
    "log_dose": Page(
        data=for_owner(dose_form),
        did=logged,
        shows=phase_label,
        get=CARERS_TOO,
        post=CARERS_CHANGE,
    ),
    "skip_dose": Page(
        data=lambda record: {
            "for_patient": record.owner.pk,
            "submission_token": _token(),
            "reason_kind": "other",
            "reason": SKIP_REASON,
        },
        did=skipped,
        shows=lambda record: [dateformat.format(record.regimen.next_due, "l j F Y")],
        get=CARERS_TOO,
        post=CARERS_CHANGE,
    ),
    "history": Page(shows=phase_label, get=CARERS_TOO, post=CARERS_TOO),
    "labs": Page(get=CARERS_TOO, post=CARERS_TOO),
    # The patient's whole record as a JSON download: their own only; GET only.
    "export": Page(shows=lambda record: [record.owner.email], get=PATIENTS_OWN, post=POST_ONLY),
    # Who looked at the record: the patient's own list.
    "record_views": Page(
        shows=lambda record: ["Who looked at my record"], get=PATIENTS_OWN, post=PATIENTS_OWN
    ),
    "lab_new": Page(
        data=lab_form,
        did=lab_added,
        get=PATIENTS_OWN,
        post=only(owner=CHANGES, other_patient=OWN),
    ),
    "clinic_lab": Page(
        args=owner_id,
        data=lab_form,
        did=lab_added,
        get=only(care_clinician=READS),
        post=only(care_clinician=CHANGES),
    ),
    # One lab result: read, corrected, deleted and restored by the owner and their clinicians
    # alike (DESIGN's table: labs "yes" for both).
    "lab_detail": Page(
        args=lab_id,
        shows=lambda record: [OWNERS_LAB_NOTE],
        get=CARE_AND_CARER_READS,
        post=CARE_AND_CARER_READS,
    ),
    "lab_correct": Page(
        args=lab_id,
        data=lab_correction_form,
        did=lab_corrected,
        shows=lambda record: [OWNERS_LAB_NOTE],
        get=CARE_READS,
        post=only(owner=CHANGES, care_clinician=CHANGES),
    ),
    "lab_delete": Page(
        args=lab_id,
        data=lambda record: {"reason": "Entered twice"},
        did=lab_deleted,
        get=POST_ONLY,
        post=only(owner=CHANGES, care_clinician=CHANGES),
    ),
    "lab_restore": Page(
        args=deleted_lab_id,
        did=lab_restored,
        get=POST_ONLY,
        post=only(owner=CHANGES, care_clinician=CHANGES),
    ),
    "checkin": Page(
        data=for_owner(checkin_form),
        did=checked_in,
        get=CARERS_TOO,
        post=CARERS_CHANGE,
    ),
    # One injection or check-in: read by the owner and their clinicians, changed by the owner.
    "dose_detail": Page(
        args=dose_id,
        shows=lambda record: [record.lot],
        get=CARE_AND_CARER_READS,
        post=CARE_AND_CARER_READS,
    ),
    "correct_dose": Page(
        args=dose_id,
        data=correction_form,
        did=corrected,
        shows=lambda record: [record.lot],
        get=only(owner=READS, carer=READS),
        post=OWNER_OR_CARER,
    ),
    "delete_dose": Page(
        args=dose_id,
        data=lambda record: {"reason": "Entered twice"},
        did=deleted,
        get=POST_ONLY,
        post=OWNER_OR_CARER,
    ),
    "dismiss_plan_change": Page(
        args=plan_change_id,
        did=plan_change_dismissed,
        get=POST_ONLY,
        post=only(owner=CHANGES),  # the patient's own reading, not a carer's,
    ),
    "restore_dose": Page(
        args=dose_id,
        dose_deleted=True,
        did=restored,
        get=POST_ONLY,
        post=OWNER_OR_CARER,
    ),
    "checkin_detail": Page(
        args=lambda record: [record.checkin.pk],
        shows=lambda record: [record.note],
        get=CARE_AND_CARER_READS,
        post=CARE_AND_CARER_READS,
    ),
    # The patient's record and report: the owner and their clinicians.
    "patient_record": Page(
        args=owner_id,
        shows=lambda record: [record.owner.name, record.phase.label],
        get=CARE_READS,
        post=CARE_READS,
    ),
    "patient_report": Page(args=owner_id, get=CARE_READS, post=CARE_READS),
    # The clinician's actions on the record: their care team only, not even the owner.
    "clinic_dose": Page(
        args=owner_id,
        data=lambda record: dose_form(record, lot=CLINIC_LOT, by="clinic"),
        did=clinic_logged,
        get=only(care_clinician=READS),
        post=only(care_clinician=CHANGES),
    ),
    "add_note": Page(
        args=owner_id,
        data=lambda record: {"submission_token": _token(), "text": NOTE_TEXT},
        did=noted,
        get=POST_ONLY,
        post=only(care_clinician=CHANGES),
    ),
    "acknowledge_alert": Page(
        args=alert_ids,
        did=alert_acknowledged,
        get=POST_ONLY,
        post=only(care_clinician=CHANGES),
    ),
    "prescribe": Page(
        args=owner_id,
        data=prescribe_form,
        did=prescribed,
        get=only(care_clinician=READS),
        post=only(care_clinician=CHANGES),
    ),
    "advance_phase": Page(
        args=owner_id,
        template=NEURO_TEMPLATE,
        data=lambda record: {"reason": "No further improvement"},
        did=advanced,
        get=only(care_clinician=READS),
        post=only(care_clinician=CHANGES),
    ),
    # "Set up my injections": the signed-in patient's own; the owner, who has an active
    # regimen, is told so whatever they send (tests.plan_setup.test_setup.py saves one).
    "regimen_setup": Page(get=PATIENTS_OWN, post=PATIENTS_OWN),
    # Confirming a regimen the patient entered: their care team only; POST only.
    "confirm_regimen": Page(
        args=owner_id,
        data=entered_by_owner,
        did=confirmed,
        get=POST_ONLY,
        post=only(care_clinician=CHANGES),
    ),
    "set_lab_review": Page(
        args=owner_id,
        data=lambda record: {"on": LAB_REVIEW_ON, "reason": REASON},
        did=lambda client, record, whose: Regimen.objects.filter(
            patient=whose, next_lab_review=LAB_REVIEW_ON
        ).exists(),
        get=only(care_clinician=READS),
        post=only(care_clinician=CHANGES),
    ),
    # The record's charts, as SVG images: the owner, their clinicians and their carer (the
    # home shows one); GET only.
    "patient_chart": Page(
        args=lambda record: [record.owner.pk, "symptoms"],
        shows=lambda record: ["Symptoms (0 none – 10 worst)"],
        get=CARE_AND_CARER_READS,
        post=POST_ONLY,
    ),
    "end_regimen": Page(
        args=owner_id,
        data=lambda record: {"reason": REASON},
        did=ended,
        get=only(care_clinician=READS),
        post=only(care_clinician=CHANGES),
    ),
    "change_phase": Page(
        args=lambda record: [record.owner.pk, record.phase.pk],
        data=change_phase_form,
        did=phase_changed,
        get=only(care_clinician=READS),
        post=only(care_clinician=CHANGES),
    ),
    # Downloads of the record: FHIR and CSV, the patient's own or a care-team clinician's.
    "export_fhir": Page(
        shows=lambda record: [record.owner.email], get=PATIENTS_OWN, post=POST_ONLY
    ),
    "patient_export_fhir": Page(
        args=owner_id,
        shows=lambda record: [record.owner.email, record.lot],
        get=only(care_clinician=READS),
        post=POST_ONLY,
    ),
    "export_csv": Page(get=PATIENTS_OWN, post=POST_ONLY),
    "patient_export_csv": Page(args=owner_id, get=only(care_clinician=READS), post=POST_ONLY),
    # A carer switches between the people they care for: only to one of them.
    "switch_person": Page(
        data=lambda record: {"patient": record.owner.pk},
        did=lambda client, record, whose: client.session.get("caring_for") == record.owner.pk,
        get=POST_ONLY,
        post=only(carer=OWN),
    ),
    # A carer turns the copies of one person's reminder emails off: only their own people's.
    "carer_reminders": Page(
        data=lambda record: {"patient": record.owner.pk, "copies": "off"},
        did=lambda client, record, whose: CareTeamMembership.objects.filter(
            patient=whose, clinician__role=User.Role.CARER, carer_reminders=False
        ).exists(),
        get=POST_ONLY,
        post=only(carer=CHANGES),
    ),
    # Supplies: the patient's own and their carer's; nobody else's, clinicians' included.
    "supplies": Page(
        shows=lambda record: [record.supply.lot_number], get=CARERS_TOO, post=CARERS_TOO
    ),
    "supply_new": Page(
        data=for_owner(supply_form),
        did=supply_added,
        get=CARERS_TOO,
        post=CARERS_CHANGE,
    ),
    "supply_correct": Page(
        args=supply_id,
        data=supply_correction_form,
        did=supply_corrected,
        shows=lambda record: [record.supply.lot_number],
        get=only(owner=READS, carer=READS),
        post=OWNER_OR_CARER,
    ),
    "supply_delete": Page(
        args=supply_id,
        data=lambda record: {"reason": "Broken ampoule"},
        did=lambda client, record, whose: _supply(record).deleted_at is not None,
        get=POST_ONLY,
        post=OWNER_OR_CARER,
    ),
    "supply_restore": Page(
        args=supply_id,
        supply_deleted=True,
        did=lambda client, record, whose: _supply(record).deleted_at is None,
        get=POST_ONLY,
        post=OWNER_OR_CARER,
    ),
    # Vial label photos: the owner sends them; the owner, their clinicians and their pharmacist
    # see them (the photo is an image: nothing to read in it); their clinicians and their
    # pharmacist give the verdict (DESIGN: supplies and label photos, "read, verify label").
    "supply_label": Page(
        args=supply_id,
        data=lambda record: {"photo": images.png()},
        did=label_sent,
        shows=lambda record: [record.supply.lot_number],
        get=only(owner=READS, carer=READS),
        post=OWNER_OR_CARER,
    ),
    "label_photo": Page(
        args=label_photo_id,
        shows=lambda record: [],
        get=only(owner=READS, care_clinician=READS, care_pharmacist=READS, carer=READS),
        post=POST_ONLY,
    ),
    "patient_labels": Page(
        args=owner_id,
        shows=lambda record: [record.owner.name, record.supply.lot_number],
        get=only(care_clinician=READS, care_pharmacist=READS),
        post=POST_ONLY,
    ),
    "label_verdict": Page(
        args=label_verdict_ids,
        data=label_verdict_form,
        did=label_verified,
        get=POST_ONLY,
        post=only(care_clinician=CHANGES, care_pharmacist=CHANGES),
    ),
    # The pharmacist's page of a patient (clinic/views/pharmacy.py): the plan, the supplies
    # and their labels, the injections and the labs; their care-team pharmacist's only (the
    # owner's clinicians have the record). GET only.
    "pharmacy_patient": Page(
        args=owner_id,
        shows=lambda record: [
            record.owner.name,
            record.phase.label,
            record.supply.lot_number,
            record.lot,
        ],
        get=only(care_pharmacist=READS),
        post=POST_ONLY,
    ),
    # Reminders and the calendar feed: the patient's own settings.
    "reminder_settings": Page(
        data=lambda record: dict(REMINDER_FORM),
        did=reminders_saved,
        get=PATIENTS_OWN,
        post=only(owner=CHANGES, other_patient=OWN),
    ),
    "calendar_feed_token": Page(
        data=lambda record: {"action": "revoke"},
        did=feed_revoked,
        get=POST_ONLY,
        post=only(owner=CHANGES, other_patient=OWN),
    ),
    # Notifications: the service worker is for any browser; each patient subscribes their own
    # devices and removes them; a snooze address is its own credential (a forged one: 404).
    "service_worker": Page(
        shows=lambda record: ["notificationclick"],
        get=everyone(PUBLIC),
        post=everyone(NOT_ALLOWED),
    ),
    # The fresh form token for sending what a patient logged offline: their own.
    "offline_token": Page(
        shows=lambda record: ['"csrf"', f'"user": {record.owner.pk}'],
        get=PATIENTS_OWN,
        post=everyone(NOT_ALLOWED, anonymous=LOGIN),
    ),
    "push_subscribe": Page(
        data=lambda record: {"endpoint": NEW_ENDPOINT, "p256dh": PUSH_KEY, "auth": PUSH_AUTH},
        did=device_subscribed,
        get=POST_ONLY,
        post=only(owner=CHANGES, other_patient=OWN),
    ),
    "push_device_remove": Page(
        args=lambda record: [record.device.pk],
        did=lambda client, record, whose: (
            not PushDevice.objects.filter(pk=record.device.pk).exists()
        ),
        get=POST_ONLY,
        post=only(owner=CHANGES),
    ),
    "push_snooze": Page(
        args=lambda record: ["not-a-valid-token"],
        get=everyone(NOT_ALLOWED),
        post=everyone(NOT_FOUND),
    ),
    # A clinician's email digest, chosen on their account page: each clinician their own.
    "digest_settings": Page(
        data=lambda record: dict(DIGEST_FORM),
        did=digest_chosen,
        get=POST_ONLY,
        post=only(care_clinician=OWN, other_clinician=OWN),
    ),
    # The feed's address is its secret: whoever holds it reads the upcoming injections, as a
    # calendar app does, signed in or not (tests/reminders/test_feed.py covers revoking it).
    "calendar_feed": Page(
        args=lambda record: [record.feed.token],
        shows=lambda record: [f"regimen-{record.regimen.pk}-dose-"],
        get=everyone(READS),
        post=everyone(NOT_ALLOWED),
    ),
    # A liveness check for load balancers: no record, no session.
    "health": Page(shows=lambda record: ["ok"], get=everyone(PUBLIC), post=everyone(NOT_ALLOWED)),
    # Accounts: public, or the signed-in user's own account.
    "login": Page(
        data=lambda record: {"username": record.owner.email, "password": factories.PASSWORD},
        did=signed_in,
        get=everyone(TO_HOME, anonymous=PUBLIC),
        post=everyone(TO_HOME, anonymous=PUBLIC),
    ),
    # The language switcher of the sign-in and sign-up pages: anyone; a signed-in user's own.
    "choose_language": Page(
        data=lambda record: {"language": "es", "next": "/"},
        did=language_chosen,
        get=everyone(NOT_ALLOWED),
        post=everyone(OWN, anonymous=PUBLIC),
    ),
    "logout": Page(
        did=signed_out,
        get=everyone(NOT_ALLOWED),
        post=everyone(OWN, anonymous=PUBLIC),
    ),
    "password_change": Page(
        data=lambda record: {
            "old_password": factories.PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        did=password_changed,
        get=everyone(OWN, anonymous=LOGIN),
        post=everyone(OWN, anonymous=LOGIN),
    ),
    "password_change_done": Page(
        get=everyone(OWN, anonymous=LOGIN),
        post=everyone(NOT_ALLOWED, anonymous=LOGIN),
    ),
    # Password reset by email: for anyone; it reveals nothing of any record.
    "password_reset": Page(
        data=lambda record: {"email": record.owner.email},
        did=lambda client, record, whose: any(
            record.owner.email in message.to for message in mail.outbox
        ),
        get=everyone(OWN, anonymous=PUBLIC),
        post=everyone(OWN, anonymous=PUBLIC),
    ),
    "password_reset_done": Page(get=everyone(OWN, anonymous=PUBLIC), post=everyone(NOT_ALLOWED)),
    "password_reset_confirm": Page(
        args=lambda record: ["MQ", "not-a-valid-token"],
        get=everyone(OWN, anonymous=PUBLIC),
        post=everyone(OWN, anonymous=PUBLIC),
    ),
    "password_reset_complete": Page(
        get=everyone(OWN, anonymous=PUBLIC), post=everyone(NOT_ALLOWED)
    ),
    # Signing up, the emailed link and invitations' links: for anyone signed out; they show
    # nothing of any record (tests/accounts/test_signup.py, test_invitations.py).
    "signup": Page(
        data=lambda record: dict(SIGNUP_FORM),
        did=lambda client, record, whose: User.objects.filter(
            email=SIGNUP_FORM["email"], is_active=False
        ).exists(),
        get=everyone(TO_HOME, anonymous=PUBLIC),
        post=everyone(TO_HOME, anonymous=PUBLIC),
    ),
    "signup_sent": Page(get=everyone(OWN, anonymous=PUBLIC), post=everyone(NOT_ALLOWED)),
    "signup_resend": Page(
        data=lambda record: {"email": record.owner.email},
        did=lambda client, record, whose: any(
            record.owner.email in message.to for message in mail.outbox
        ),
        get=everyone(TO_HOME, anonymous=PUBLIC),
        post=everyone(TO_HOME, anonymous=PUBLIC),
    ),
    "verify_email": Page(
        args=lambda record: ["OTk5OTk5", "not-a-valid-token"],  # user 999999: none
        get=everyone(OWN, anonymous=PUBLIC),
        post=everyone(OWN, anonymous=PUBLIC),
    ),
    "invitation": Page(
        args=lambda record: ["not-a-real-invitation"],
        get=everyone(OWN, anonymous=PUBLIC),
        post=everyone(OWN, anonymous=PUBLIC),
    ),
    # A clinician's or pharmacist's invitations: each their own (a carer is let in with the
    # patient's share code).
    "invite_patient": Page(
        data=lambda record: {"name": "Nia Newcomer", "email": INVITED_EMAIL},
        did=lambda client, record, whose: Invitation.objects.filter(
            clinician=whose, email=INVITED_EMAIL
        ).exists(),
        get=only(care_clinician=OWN, other_clinician=OWN, care_pharmacist=OWN),
        post=only(care_clinician=OWN, other_clinician=OWN, care_pharmacist=OWN),
    ),
    "cancel_invitation": Page(
        args=care_clinicians_invitation,
        did=lambda client, record, whose: Invitation.objects.filter(
            clinician=whose, cancelled_at__isnull=False
        ).exists(),
        get=POST_ONLY,
        post=only(care_clinician=OWN),
    ),
    # The signed-in user's own account (tests/accounts/test_account_settings.py).
    "account_settings": Page(
        data=lambda record: {"name": RENAMED, "time_zone": "Europe/Paris"},
        did=lambda client, record, whose: User.objects.filter(pk=whose.pk, name=RENAMED).exists(),
        # A carer's page lists their people (the owner), for the copies of their reminders.
        get=everyone(OWN, anonymous=LOGIN, carer=READS),
        post=everyone(OWN, anonymous=LOGIN),
    ),
    # Signed-in devices (tests/accounts/test_devices.py): each user's own sessions.
    "signed_in_devices": Page(
        get=everyone(OWN, anonymous=LOGIN), post=everyone(NOT_ALLOWED, anonymous=LOGIN)
    ),
    "sign_out_everywhere_else": Page(
        did=signed_in,  # the session asking stays signed in
        get=POST_ONLY,
        post=everyone(OWN, anonymous=LOGIN),
    ),
    # API tokens (tests/api/test_tokens.py): each user's own. A new token is shown on the
    # page that made it (200), once: there is no redirect to a page that could show it again.
    "api_tokens": Page(
        data=lambda record: {"name": "Home automation", "scope": "read"},
        get=everyone(OWN, anonymous=LOGIN),
        post=everyone(OWN, anonymous=LOGIN),
    ),
    "revoke_api_token": Page(
        args=owners_api_token,
        did=api_token_revoked,
        get=POST_ONLY,
        post=only(owner=OWN),
    ),
    "sign_out_device": Page(
        args=owners_other_device,
        did=other_device_signed_out,
        get=POST_ONLY,
        post=only(owner=OWN),
    ),
    "delete_account": Page(
        data=lambda record: {"password": factories.PASSWORD},
        did=account_gone,
        get=everyone(OWN, anonymous=LOGIN, admin=NOT_FOUND),
        # The owner's clinician leaving changes the owner's care team.
        post=everyone(
            OWN,
            anonymous=LOGIN,
            admin=NOT_FOUND,
            care_clinician=CHANGES,
            care_pharmacist=CHANGES,
            carer=CHANGES,
        ),
    ),
    # Two-step sign-in (tests/accounts/test_second_factor.py), here with no role requiring it:
    # without an app, the code page sends everyone on; each user adds or turns off their own.
    "two_factor_verify": Page(
        get=everyone(TO_HOME, anonymous=LOGIN), post=everyone(TO_HOME, anonymous=LOGIN)
    ),
    "two_factor_setup": Page(
        get=everyone(OWN, anonymous=LOGIN), post=everyone(OWN, anonymous=LOGIN)
    ),
    "two_factor_off": Page(
        data=lambda record: {"password": factories.PASSWORD},
        did=lambda client, record, whose: not User.objects.get(pk=whose.pk).second_factor,
        get=everyone(OWN, anonymous=LOGIN),
        post=everyone(OWN, anonymous=LOGIN),
    ),
    # Without an app, the page says two-step sign-in is off (a POST shows it again).
    "two_factor_codes": Page(
        data=lambda record: {"password": factories.PASSWORD},
        get=everyone(OWN, anonymous=LOGIN),
        post=everyone(OWN, anonymous=LOGIN),
    ),
    "account_deleted": Page(get=everyone(OWN, anonymous=PUBLIC), post=everyone(NOT_ALLOWED)),
    # The patient's care team: share codes, requests, removals; theirs alone (sharing/).
    "care_team": Page(shows=team_member_name, get=PATIENTS_OWN, post=POST_ONLY),
    "share_code_new": Page(
        did=lambda client, record, whose: _codes(whose, status=ShareCode.Status.LIVE),
        get=POST_ONLY,
        post=only(owner=CHANGES, other_patient=OWN),
    ),
    "share_code_cancel": Page(
        args=live_code,
        did=lambda client, record, whose: _codes(whose, status=ShareCode.Status.CANCELLED),
        get=POST_ONLY,
        post=only(owner=CHANGES),
    ),
    "share_request_approve": Page(
        args=share_request, did=newcomer_joined, get=POST_ONLY, post=only(owner=CHANGES)
    ),
    "share_request_decline": Page(
        args=share_request,
        did=lambda client, record, whose: _codes(whose, status=ShareCode.Status.DECLINED),
        get=POST_ONLY,
        post=only(owner=CHANGES),
    ),
    "care_team_remove": Page(
        args=care_membership,
        shows=team_member_name,
        did=care_clinician_removed,
        get=only(owner=READS),
        post=only(owner=CHANGES),
    ),
    # A clinician enters a patient's code: any clinician may; the owner's code is then used up
    # (a request for the other clinician; nothing more for one already on the care team).
    "share_code_enter": Page(
        data=owners_code,
        did=lambda client, record, whose: _codes(whose, entered_at__isnull=False),
        get=only(**dict.fromkeys(TEAM_MEMBERS, OWN)),
        post=only(**dict.fromkeys(TEAM_MEMBERS, CHANGES)),
    ),
}


# The URL configuration ----------------------------------------------------------------------


def url_patterns(patterns=None, namespace=""):
    """(name, takes an id) for every named URL, outside the admin."""
    for item in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(item, URLResolver):
            if item.namespace == "admin":
                continue
            inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from url_patterns(item.url_patterns, inner)
        elif isinstance(item, URLPattern) and item.name:
            yield f"{namespace}{item.name}", bool(item.pattern.regex.groupindex)


def page_patterns():
    """(name, takes an id) for every page: the JSON API's routes (namespace "api") have a
    matrix of their own, tests/api/test_access.py, as they answer 401 rather than redirect."""
    return [(name, takes_id) for name, takes_id in url_patterns() if not name.startswith("api:")]


def test_every_url_is_in_the_matrix():
    names = {name for name, _ in page_patterns()}
    assert not names - set(MATRIX), "URLs with no row in MATRIX"
    assert not set(MATRIX) - names, "rows in MATRIX for URLs that do not exist"


def test_every_role_and_method_has_an_expected_outcome():
    for name, page in MATRIX.items():
        for method in METHODS:
            assert set(page.outcomes[method]) == set(ROLES), (name, method)
        if CHANGES in page.post.values():
            assert page.did, f"{name}: say what change a successful POST makes"


def test_another_clinician_is_refused_every_page_of_the_record():
    """Every URL that takes an id (record, report, regimen actions, clinic dose, notes, dose
    and check-in pages) is a 404 for a clinician off the care team, or a 405 for everyone."""
    # (A password-reset link and the calendar feed carry a token, not a record id.)
    with_id = {name for name, takes_id in page_patterns() if takes_id}
    with_id -= {
        "password_reset_confirm",
        "calendar_feed",
        "verify_email",
        "invitation",
        "push_snooze",
    }
    assert {"patient_record", "change_phase", "dose_detail", "checkin_detail"} <= with_id
    for name in with_id:
        for method in METHODS:
            outcomes = MATRIX[name].outcomes[method]
            assert outcomes["other_clinician"] in {NOT_FOUND, NOT_ALLOWED}, (name, method)
            if outcomes["other_clinician"] == NOT_ALLOWED:
                assert set(outcomes.values()) <= {NOT_ALLOWED, LOGIN}, (name, method)


# Sending one request ----------------------------------------------------------------------


def make_people() -> dict:
    """The roles around the owner's record (the module docstring lists them)."""
    owner = factories.PatientFactory(name="Pat Patient", email="pat@example.org")
    other_patient = factories.PatientFactory(name="Olga Other", email="olga@example.org")
    clinician = factories.ClinicianFactory(name="Dr Care", email="care@example.org")
    factories.CareTeamFactory(patient=owner, clinician=clinician)
    elsewhere = factories.ClinicianFactory(name="Dr Elsewhere", email="elsewhere@example.org")
    factories.CareTeamFactory(patient=other_patient, clinician=elsewhere)
    pharmacist = factories.PharmacistFactory(name="Phil Pharmacist", email="phil@example.org")
    factories.CareTeamFactory(patient=owner, clinician=pharmacist)
    carer = factories.CarerFactory(name="Cara Carer", email="cara@example.org")
    factories.CareTeamFactory(patient=owner, clinician=carer)
    other_carer = factories.CarerFactory(name="Otto Carer", email="otto@example.org")
    factories.CareTeamFactory(patient=other_patient, clinician=other_carer)
    return {
        "anonymous": None,
        "owner": owner,
        "other_patient": other_patient,
        "care_clinician": clinician,
        "other_clinician": elsewhere,
        "care_pharmacist": pharmacist,
        "carer": carer,
        "other_carer": other_carer,
        "admin": factories.AdminFactory(name="Ada Admin", email="ada@example.org"),
    }


@pytest.fixture
def people(db):
    return make_people()


@dataclass
class World:
    """The people, the owner's record as a page needs it and the other patient's."""

    variant: tuple
    people: dict
    record: Record
    theirs: Record


def variant(page: Page) -> tuple:
    """What of the owner's record differs between pages."""
    return (page.template, page.dose_deleted, page.supply_deleted)


@pytest.fixture(scope="class")
def world(request, django_db_setup, django_db_blocker):
    """One world per variant of the record, built once for every matrix case that uses it
    (about 2,000 requests over four variants) instead of once per case. It is written in a
    transaction that each case's own (a savepoint inside it) leaves as it was, and rolled back
    when the class is done with it; each case gets its own copy of the Python objects."""
    template, dose_deleted, supply_deleted = request.param
    with django_db_blocker.unblock(), transaction.atomic():
        people = make_people()
        record = build_record(
            people["owner"], template, deleted=dose_deleted, supply_deleted=supply_deleted
        )
        theirs = build_record(people["other_patient"], factories.UK_TEMPLATE)
        yield World(request.param, people, record, theirs)
        transaction.set_rollback(True)


@dataclass
class Visit:
    response: object
    page: Page
    record: Record  # the owner's
    their_record: Record  # the other patient's
    actor: User | None
    before: dict
    owner_before: dict | None

    @property
    def content(self) -> str:
        return self.response.content.decode()

    def did(self, client, whose) -> bool:
        return self.page.did(client, self.record, whose)


def visit(client, world, name, method, role) -> Visit:
    page = MATRIX[name]
    assert variant(page) == world.variant, "a case asks for its page's variant of the record"
    people = copy.deepcopy(world.people)
    record, theirs = copy.deepcopy(world.record), copy.deepcopy(world.theirs)
    actor = people[role]
    if actor is not None:
        client.force_login(actor)
    url = reverse(name, args=page.args(record))
    data = page.data(record)
    before = snapshot()
    # Only the pages that show a user their own record compare the owner's rows alone.
    owner_before = snapshot(record.owner) if page.outcomes[method][role] == OWN else None
    response = client.get(url) if method == "GET" else client.post(url, data)
    return Visit(response, page, record, theirs, actor, before, owner_before)


def cases(outcome):
    return [
        pytest.param(name, method, role, variant(page), id=f"{name}-{method}-{role}")
        for name, page in MATRIX.items()
        for method in METHODS
        for role, expected in page.outcomes[method].items()
        if expected == outcome
    ]


def owners_private_content(record) -> list[str]:
    return [record.owner.name, record.lot, record.note]


# The matrix, one test per outcome -----------------------------------------------------------


def matrix_cases(outcome):
    return pytest.mark.parametrize(
        ("name", "method", "role", "world"), cases(outcome), indirect=["world"], scope="class"
    )


class TestTheMatrix:
    """Each case of MATRIX, grouped by outcome."""

    @matrix_cases(LOGIN)
    def test_anonymous_users_are_sent_to_sign_in(self, client, world, name, method, role):
        v = visit(client, world, name, method, role)
        assert v.response.status_code == 302
        assert v.response["Location"].startswith(reverse("login") + "?next=")
        assert snapshot() == v.before

    @matrix_cases(NOT_FOUND)
    def test_forbidden_requests_get_404_and_change_nothing(self, client, world, name, method, role):
        v = visit(client, world, name, method, role)
        assert v.response.status_code == 404
        assert snapshot() == v.before
        for text in owners_private_content(v.record):
            assert text not in v.content

    @matrix_cases(NOT_ALLOWED)
    def test_wrong_methods_get_405_for_everyone_and_change_nothing(
        self, client, world, name, method, role
    ):
        v = visit(client, world, name, method, role)
        assert v.response.status_code == 405
        assert snapshot() == v.before

    @matrix_cases(READS)
    def test_allowed_readers_see_the_record_and_change_nothing(
        self, client, world, name, method, role
    ):
        v = visit(client, world, name, method, role)
        assert v.response.status_code == 200
        for text in v.page.shows(v.record):
            assert text in v.content
        assert snapshot() == v.before

    @matrix_cases(CHANGES)
    def test_allowed_posts_make_their_change_to_the_record(self, client, world, name, method, role):
        v = visit(client, world, name, method, role)
        assert v.response.status_code == 302, v.content[:3000]
        assert v.did(client, v.record.owner)
        assert snapshot() != v.before

    @matrix_cases(OWN)
    def test_pages_without_an_id_reach_only_the_users_own_record(
        self, client, world, name, method, role
    ):
        """Another patient on the patient-only pages, another clinician on their home, anyone on
        their own account: the owner's record is neither shown nor changed."""
        v = visit(client, world, name, method, role)
        # On the pages of the person they care for, a carer's own is that person's record.
        persons_page = role == "other_carer" and v.page.outcomes[method]["carer"] in (
            READS,
            CHANGES,
        )
        own = v.their_record.owner if persons_page else v.actor
        if method == "POST" and v.page.did:
            assert v.response.status_code == 302, v.content[:3000]
            assert v.did(client, own)
        else:
            assert v.response.status_code == 200
            # Their own record (or their person's), or their patients
            if role == "other_patient" or persons_page or name == "home":
                for text in v.page.shows(v.their_record):
                    assert text in v.content
        if v.actor != v.record.owner:
            assert snapshot(v.record.owner) == v.owner_before
            for text in owners_private_content(v.record):
                assert text not in v.content

    @matrix_cases(PUBLIC)
    def test_public_pages_work_signed_out(self, client, world, name, method, role):
        v = visit(client, world, name, method, role)
        if method == "POST" and v.page.did:
            assert v.response.status_code == 302
            assert v.did(client, v.record.owner)
        else:
            assert v.response.status_code == 200
        assert v.record.owner.name not in v.content
        assert snapshot() == v.before

    @matrix_cases(TO_HOME)
    def test_signed_in_users_asking_to_sign_in_are_sent_home(
        self, client, world, name, method, role
    ):
        v = visit(client, world, name, method, role)
        assert v.response.status_code == 302
        assert v.response["Location"] == reverse("home")
        assert client.session["_auth_user_id"] == str(v.actor.pk)
        assert snapshot() == v.before

    @matrix_cases(TO_ADMIN)
    def test_the_admin_is_sent_to_the_admin_site(self, client, world, name, method, role):
        v = visit(client, world, name, method, role)
        assert v.response.status_code == 302
        assert v.response["Location"] == reverse("admin:index")
        assert snapshot() == v.before


def test_every_outcome_in_the_matrix_is_tested():
    tested = {LOGIN, NOT_FOUND, NOT_ALLOWED, READS, CHANGES, OWN, PUBLIC, TO_HOME, TO_ADMIN}
    used = {
        o for page in MATRIX.values() for rules in page.outcomes.values() for o in rules.values()
    }
    assert used <= tested


# Beyond one id per URL --------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_phase_of_another_patients_regimen_is_not_found_under_this_patient(
    client, people, method
):
    """change_phase takes two ids: the care clinician's own patient and, with it, a phase of
    a patient they do not care for. The phase must belong to the patient in the URL."""
    record = build_record(people["owner"])
    theirs = build_record(people["other_patient"], factories.UK_TEMPLATE)
    client.force_login(people["care_clinician"])
    url = reverse("change_phase", args=[record.owner.pk, theirs.phase.pk])
    before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, change_phase_form(theirs))
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["home", "history", "patient_record", "patient_report"])
def test_clinical_notes_are_not_on_the_patients_own_pages(client, people, name):
    record = build_record(people["owner"])
    dose_actions.add_note(record.owner, people["care_clinician"], NOTE_TEXT)
    client.force_login(record.owner)
    response = client.get(reverse(name, args=MATRIX[name].args(record)))
    assert response.status_code == 200
    assert NOTE_TEXT not in response.content.decode()


def test_a_note_shared_with_the_patient_is_on_each_of_their_pages_that_lists_notes(client, people):
    record = build_record(people["owner"])
    dose_actions.add_note(
        record.owner, people["care_clinician"], NOTE_TEXT, shared_with_patient=True
    )
    client.force_login(record.owner)
    for name in ("patient_report", "history", "patient_record"):
        response = client.get(reverse(name, args=MATRIX[name].args(record)))
        assert NOTE_TEXT in response.content.decode(), name
    # The home lists no notes at all.
    assert NOTE_TEXT not in client.get(reverse("home")).content.decode()


def test_clinical_notes_are_on_the_record_for_the_care_team(client, people):
    record = build_record(people["owner"])
    dose_actions.add_note(record.owner, people["care_clinician"], NOTE_TEXT)
    client.force_login(people["care_clinician"])
    response = client.get(reverse("patient_record", args=[record.owner.pk]))
    assert NOTE_TEXT in response.content.decode()


# The Django admin: the admin's place only ---------------------------------------------------

ADMIN_PAGES = [
    "admin:index",
    "admin:regimens_regimentemplate_changelist",
    "admin:regimens_regimentemplate_add",
    "admin:doses_doselog_changelist",
    "admin:accounts_user_changelist",
]


@pytest.mark.parametrize("url_name", ADMIN_PAGES)
@pytest.mark.parametrize(
    "role", ["anonymous", "owner", "other_patient", "care_clinician", "other_clinician"]
)
def test_patients_and_clinicians_cannot_open_the_admin(client, people, role, url_name):
    if people[role] is not None:
        client.force_login(people[role])
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("role", ["owner", "care_clinician"])
def test_patients_and_clinicians_cannot_add_a_template_through_the_admin(client, people, role):
    factories.template()
    count = RegimenTemplate.objects.count()
    client.force_login(people[role])
    response = client.post(
        reverse("admin:regimens_regimentemplate_add"),
        {"name": "Sneaky template", "medication": "cyanocobalamin", "default_route": "IM"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert RegimenTemplate.objects.count() == count


def test_the_admin_opens_the_regimen_template_changelist(client, admin_user):
    template = factories.template()
    client.force_login(admin_user)
    response = client.get(reverse("admin:regimens_regimentemplate_changelist"))
    assert response.status_code == 200
    assert template.name in response.content.decode()
