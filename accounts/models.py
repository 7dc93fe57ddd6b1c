"""Users (email login, role, IANA time zone) and the care teams that let clinicians see
patients."""

import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.dates import BoundedDates


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            gettext("%(value)s is not a time zone name such as Europe/London."),
            params={"value": value},
        )


def validate_language(value: str) -> None:
    """One of the languages the site is shipped in (settings.LANGUAGES), or empty."""
    if value and value not in dict(settings.LANGUAGES):
        raise ValidationError(
            gettext("%(value)s is not a language this site is available in."),
            params={"value": value},
        )


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def lock(self, pk) -> None:
        """Lock a patient's row until the transaction ends. Every change to a patient's
        record takes this lock first, before the regimen's or a supply's row, so that changes
        that also raise the patient's record_version (doses/freshness.py) always lock in the
        same order and never deadlock."""
        list(self.select_for_update().filter(pk=pk).values_list("pk", flat=True))

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("role", User.Role.ADMIN)
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


def validate_one_line(value: str) -> None:
    """A name is one line: it goes into emails (the greeting, an invitation's subject), where
    a line break would start a header or a made-up paragraph."""
    if any(char in value for char in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        raise ValidationError(gettext("Enter the name on one line."), code="one_line")


def one_line(text: str) -> str:
    """Text for an email's subject: every run of whitespace, line breaks too, one space."""
    return " ".join(str(text).split())


class OneLineName:
    """A model whose `name` is checked to be one line (validate_one_line) with its fields; the
    rule lives here rather than as the field's validator so that it needs no migration."""

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "name" not in (exclude or ()) and "name" not in errors:
            try:
                validate_one_line(self.name)
            except ValidationError as exc:
                errors["name"] = exc.messages
        if errors:
            raise ValidationError(errors)


class User(OneLineName, BoundedDates, AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        CLINICIAN = "clinician", _("Clinician")
        # On a patient's care team like a clinician: sees the plan, supplies, labels and
        # injections and verifies labels; no clinical notes, no regimen changes.
        PHARMACIST = "pharmacist", _("Pharmacist")
        # Gives the injections of the people who granted them access (a family member, a
        # parent): logs for them, sees their home; nothing clinical beyond it.
        CARER = "carer", _("Carer")
        ADMIN = "admin", _("Admin")

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("IANA name, for example Europe/London; dates are shown in this zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        validators=[validate_language],
        help_text=_(
            "Pages and emails are in this language; empty: the language the browser asks for "
            "(emails then go in the site's)."
        ),
    )
    is_active = models.BooleanField(default=True)
    # A patient who signed up and has not yet opened the link emailed to them: inactive until
    # then (accounts/signup.py). Accounts made by an admin or through an invitation never are.
    awaiting_verification = models.BooleanField(default=False, editable=False)
    is_staff = models.BooleanField(default=False)
    # Has a confirmed authenticator app (accounts/second_factor.py): every signed-in request
    # then needs a session that passed it. Kept here, on the row every request reads, so that
    # users without one cost no extra query.
    second_factor = models.BooleanField(default=False, editable=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Rises after every committed change to what the patient's home shows (doses/freshness.py),
    # so that the page can be cached under a key that names it.
    record_version = models.PositiveBigIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "email"]
        indexes = [
            # The few accounts that are not patients: the triage list leaves out a care-team
            # row whose patient is one (clinic/triage.py) by an anti-join on these, instead of
            # joining every patient's row (at 100,000 patients, a scan of the whole table to
            # count a care team of 2,000: docs/scale.md).
            models.Index(
                fields=["id"], condition=~models.Q(role="patient"), name="user_not_patient"
            )
        ]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == self.Role.CLINICIAN

    @property
    def is_pharmacist(self) -> bool:
        return self.role == self.Role.PHARMACIST

    @property
    def is_carer(self) -> bool:
        return self.role == self.Role.CARER

    @property
    def joins_care_teams(self) -> bool:
        """Clinicians, pharmacists and carers: the roles a patient's care team holds."""
        return self.role in TEAM_ROLES

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_now(self):
        return timezone.now().astimezone(self.zone)

    def in_own_language(self):
        """A context in which text is worded in the user's language (emails sent to them):
        theirs if they chose one, else the site's."""
        return translation.override(self.language or settings.LANGUAGE_CODE)

    def today(self):
        """The patient's calendar date now (schedule rule 8's T)."""
        return self.local_now().date()

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        # What patients' pages show of this person, as it was read: when a save changes it,
        # the pages kept with the old one are made anew (doses/freshness.py).
        user.shown_as = user.shown_now()
        return user

    def shown_now(self) -> tuple:
        """The name and email other people's pages show (None where not read)."""
        return (self.__dict__.get("name"), self.__dict__.get("email"))


TEAM_ROLES = (User.Role.CLINICIAN, User.Role.PHARMACIST, User.Role.CARER)


class CareTeamMembership(BoundedDates, models.Model):
    """A clinician's, pharmacist's or carer's access to one patient. They reach a patient only
    here; what each role sees there is decided by accounts/access.py. (The member's column is
    called `clinician` from when only clinicians joined.)"""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Granted by an admin")
        INVITATION = "invitation", _("Clinician's invitation, accepted")
        SHARE_CODE = "share_code", _("Patient's share code")

    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_team")
    clinician = models.ForeignKey(User, on_delete=models.CASCADE, related_name="patients_cared")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.ADMIN)
    created_at = models.DateTimeField(default=timezone.now)
    # Copies of what the clinician's triage list sorts on (the patient's active regimen's next
    # due date, then the patient's name), kept in step by clinic/triage.py, so that the list of
    # a care team of thousands reads one page from an index instead of sorting them all.
    next_due = models.DateField(null=True, blank=True, editable=False)
    patient_name = models.CharField(max_length=150, blank=True, editable=False)
    # Whether the patient has an alert no one has acknowledged (doses/alerts.py): those come
    # first.
    needs_attention = models.BooleanField(default=False, editable=False)
    # A carer's choice: a copy of the patient's reminder emails (reminders/sending.py).
    carer_reminders = models.BooleanField(_("email me their reminders"), default=True)

    class Meta:
        verbose_name = _("care-team member")
        verbose_name_plural = _("care-team members")
        constraints = [
            models.UniqueConstraint(fields=["patient", "clinician"], name="one_membership_per_pair")
        ]
        indexes = [
            # Ascending, so PostgreSQL keeps the nulls last, as the list sorts them.
            models.Index(
                fields=["clinician", "-needs_attention", "next_due", "patient_name", "patient"],
                name="triage_attention_order",
            )
        ]

    def __str__(self):
        return f"{self.clinician} cares for {self.patient}"

    def clean(self):
        if self.patient_id and self.patient.role != User.Role.PATIENT:
            raise ValidationError({"patient": gettext("Only patients have care teams.")})
        if self.clinician_id and self.clinician.role not in TEAM_ROLES:
            raise ValidationError(
                {"clinician": gettext("Only clinicians, pharmacists and carers join care teams.")}
            )


class RecordView(BoundedDates, models.Model):
    """Someone other than the patient looked at part of the patient's record."""

    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="record_views")
    viewer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    what = models.CharField(max_length=120)
    path = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"], name="recordview_patient_time")]

    def __str__(self):
        return f"{self.viewer} viewed {self.what} of {self.patient}"


class Invitation(OneLineName, BoundedDates, models.Model):
    """A clinician's invitation to a patient, by email, to join the clinician's care team (and
    to make an account, for an address that has none). Only a hash of the link's token is
    stored (accounts/invitations.py); the link works once, until it expires."""

    clinician = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations_sent")
    name = models.CharField(max_length=150)
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The patient who accepted it: their invitation goes when their account does.
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["clinician", "-created_at"], name="invitation_sent_time")]

    def __str__(self):
        return f"{self.clinician} invited {self.email}"

    def status(self, now=None) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.cancelled_at is not None:
            return "cancelled"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "pending"

    def is_pending(self, now=None) -> bool:
        return self.status(now) == "pending"


class SignupAttempt(BoundedDates, models.Model):
    """One sign-up, "send me a new link" or password-reset request, counted to throttle them:
    the client's address, and a keyed hash of the email address asked for (never the address
    itself). Rows older than a day are removed as new ones arrive."""

    client = models.CharField(max_length=64)
    email_digest = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["client", "at"], name="signupattempt_client"),
            models.Index(fields=["email_digest", "at"], name="signupattempt_email"),
        ]

    def __str__(self):
        return f"Sign-up attempt from {self.client} at {self.at:%Y-%m-%d %H:%M}"


class SignedInDevice(models.Model):
    """One signed-in session, as the user sees it under "Signed-in devices": which browser
    (from its user agent), since when, and whether it was kept signed in. Keyed on the session
    key; when it was last used is read from the session's own expiry (accounts/devices.py), so
    that no request writes here. A row whose session has ended is dropped when the list is
    read."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_devices")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    signed_in_at = models.DateTimeField(default=timezone.now)
    remembered = models.BooleanField(default=False)

    class Meta:
        ordering = ["-signed_in_at", "-pk"]

    def __str__(self):
        return f"{self.user} signed in at {self.signed_in_at:%Y-%m-%d %H:%M}"
