"""The patient's home, cached until something on it changes.

Building the home's body takes a handful of queries and most of a request's time, yet a
patient opens it far more often than anything on it changes. Each patient has a
`record_version`; every committed change to a row the home is built from (injections,
check-ins, labs, the regimen and its phases, supplies, the care team) raises it, through the
model signals below. The body is a `{% cache %}` fragment (templates/home/home.html),
and the whole page is stored too (home/views.py), under keys that name the version, the
patient's time zone, the request's language, the hour in that zone (the page says "in 3 days"
and "not checked in this week") and the templates' generation; the page's key adds what the
frame shows of the user. So a cached page is never used once anything it shows has changed,
the hour has turned or a deployment has changed the templates. The version is read with the
user at the start of the request, before the home's own queries: a page built while a change
commits is stored under the old version, which nothing asks for again.

The raise is part of the change's own transaction, so the new version and the new rows commit
together (and a rolled-back change raises nothing). It writes the patient's row, which every
action locks first (User.objects.lock), so it never waits on another change in the wrong
order. A cache per process (the default) is right too: each process's keys name the version
it read from the database.
"""

import functools
import hashlib
import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.middleware.csrf import get_token
from django.utils import translation

from accounts.models import CareTeamMembership, User
from regimens.models import Phase, Regimen, RegimenChange
from symptoms.models import SymptomEntry

from .models import Alert, ClinicalNote, DoseLog, DoseLogVersion

HOME_SECONDS = 60 * 60
# Models whose rows carry the patient's id, and the field that holds it. Apps above doses add
# theirs with watch() from their AppConfig.ready() (supplies and labs do).
BY_PATIENT = {
    DoseLog: "patient_id",
    SymptomEntry: "patient_id",
    Regimen: "patient_id",
    CareTeamMembership: "patient_id",
    # The record's open alerts: most are raised inside the change that causes them, which has
    # raised the version already; an overdue one is raised by the reminders' run alone.
    Alert: "patient_id",
}


# Rows that name a person on a patient's kept pages (the timeline's "by ...", a note's author,
# the home's care team and change notice): the model, the person's field and the patient's.
# When a person's name or email changes, the patients they are named to get a new version, so
# no kept page shows the old one. Apps above doses add theirs with names_shown() (sharing does).
NAMED_IN: dict = {}


def names_shown(model, person: str, patient: str = "patient") -> None:
    NAMED_IN[model] = (person, patient)


# The patients whose version the change under way has raised already (raised() below).
_RAISED: ContextVar[frozenset] = ContextVar("raised", default=frozenset())


def bump(*conditions, **lookup) -> None:
    User.objects.filter(*conditions, **lookup).update(record_version=F("record_version") + 1)


@contextmanager
def raised(patient_id):
    """For a change to a patient's record, inside its transaction: the version raised at
    once, which locks the patient's row as User.objects.lock does (every action takes that
    lock first), and not raised again by each row the change writes before the block ends.
    Once is enough: the rows and the new version commit together, and nothing reads the new
    version before then."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("raised() belongs inside the change's transaction")
    bump(pk=patient_id)
    token = _RAISED.set(_RAISED.get() | {patient_id})
    try:
        yield
    finally:
        _RAISED.reset(token)


def _patient_row_changed(sender, instance, raw=False, **kwargs):
    # A restore (records/backup.py) brings the version back with the rows.
    patient_id = getattr(instance, BY_PATIENT[sender])
    if not raw and patient_id not in _RAISED.get():
        bump(pk=patient_id)


def _phase_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        bump(regimens__pk=instance.regimen_id)


def _person_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """A person renamed (or their email changed): the patients whose pages name them, through
    any row of NAMED_IN, get a new version, in one statement. Only an actual change, seen
    against what was read (User.from_db): a save of anything else raises nothing."""
    if created or raw or (update_fields is not None and not {"name", "email"} & set(update_fields)):
        return
    before, now = getattr(instance, "shown_as", None), instance.shown_now()
    if before is None or before == now:
        return
    instance.shown_as = now
    named = Q(pk=instance.pk)  # their own pages too: the record's header names the patient
    for model, (person, patient) in NAMED_IN.items():
        named |= Q(pk__in=model.objects.filter(**{person: instance.pk}).values(patient))
    bump(named)


def watch(model, field: str = "patient_id") -> None:
    """Raise the patient's version whenever a row of `model` is saved or deleted; `field`
    holds the patient's id."""
    BY_PATIENT[model] = field
    post_save.connect(_patient_row_changed, sender=model, dispatch_uid=f"fresh-{model}")
    post_delete.connect(_patient_row_changed, sender=model, dispatch_uid=f"gone-{model}")


def connect() -> None:
    """Called once, from DosesConfig.ready(). Why a signal: docs/signals.md."""
    for model, field in list(BY_PATIENT.items()):
        watch(model, field)
    for model, person, patient in (
        (CareTeamMembership, "clinician", "patient"),  # the home's care team
        (DoseLog, "recorded_by", "patient"),
        (DoseLogVersion, "changed_by", "dose__patient"),
        (SymptomEntry, "recorded_by", "patient"),
        (RegimenChange, "by", "patient"),  # the timeline, and the home's change notice
        (ClinicalNote, "author", "patient"),
        (Alert, "acknowledged_by", "patient"),
        (Regimen, "prescriber", "patient"),  # the record's regimen card
    ):
        names_shown(model, person, patient)
    post_save.connect(_person_saved, sender=User, dispatch_uid="fresh-person")
    post_save.connect(_phase_changed, sender=Phase, dispatch_uid="fresh-phase")
    post_delete.connect(_phase_changed, sender=Phase, dispatch_uid="gone-phase")


def home_key(patient) -> str:
    hour = patient.local_now().strftime("%Y-%m-%dT%H")
    language = translation.get_language()
    return (
        f"home:{patient.pk}:{patient.record_version}:{patient.time_zone}:{hour}:{language}"
        f":{template_generation()}"
    )


def page_key(patient) -> str:
    """The whole home page (home/views.py): the body's key, plus what the page around it
    shows of the user (their name; the admin link for staff)."""
    return f"page:{home_key(patient)}:{frame_of(patient)}"


def frame_of(user) -> str:
    """What the page around a kept page shows of the signed-in user, as a short digest: their
    name and zone (beside the sign-out button), their role (the menu) and the admin link."""
    shown = (
        f"{user.name}|{user.time_zone}|{str(user.role)}|{user.is_staff}"  # the enum or its value
    )
    return hashlib.blake2b(shown.encode(), digest_size=8).hexdigest()


@functools.cache
def template_generation() -> str:
    """The project's templates and translations as they are on this machine: their names,
    sizes and times (a release that changes only a translation draws its pages anew)."""
    stamp = hashlib.blake2b(digest_size=8)
    base = settings.BASE_DIR
    for path in sorted([*base.joinpath("templates").rglob("*"), *base.glob("locale/*/*/*.mo")]):
        if path.is_file():
            info = path.stat()
            stamp.update(f"{path}:{info.st_size}:{info.st_mtime_ns}".encode())
    return stamp.hexdigest()


@functools.cache
def release_generation() -> str:
    """The project's own code and reference data as they are on this machine (each app's
    Python files and JSON, by name, size and time): a kept page whose view code changes
    with a release is not served by it."""
    stamp = hashlib.blake2b(digest_size=8)
    base = settings.BASE_DIR
    for package in sorted(path.parent for path in base.glob("*/apps.py")):
        for path in sorted([*package.rglob("*.py"), *package.rglob("*.json")]):
            info = path.stat()
            stamp.update(f"{path.relative_to(base)}:{info.st_size}:{info.st_mtime_ns}".encode())
    return stamp.hexdigest()


# What a kept page holds in place of each request's own tokens, which fill_in() puts back: the
# form token that {% csrf_token %} writes (the context's csrf_token set to CSRF_STANDIN), and
# a form's submission token (accounts/forms.py TokenMixin, given TOKEN_STANDIN as its initial
# value), new on every page so that submitting one form twice records one thing.
CSRF_STANDIN = "csrf-token-of-this-request"
TOKEN_STANDIN = "00000000-0000-4000-8000-0000000000b1"  # noqa: S105  # nosec B105 - no secret
_STANDIN_TOKEN = re.compile(re.escape(TOKEN_STANDIN))


def fill_in(page: str, request) -> str:
    """A kept page made this request's: its own form token, and a new submission token for
    each form that has one."""
    page = page.replace(CSRF_STANDIN, get_token(request))
    return _STANDIN_TOKEN.sub(lambda _match: str(uuid.uuid4()), page)
