"""Forms for signing up, invitations and the account settings page.

The time zone is a text input tied to a <datalist> of every IANA zone (templates/accounts/
_time_zones.html): static/js/timezone.js fills in the browser's zone when the field is empty;
without JavaScript the person types or picks one. The server checks it against the same list.
"""

import functools
import uuid
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import invitations, throttle
from .models import User, validate_one_line

TIME_ZONE_LIST_ID = "time-zone-names"


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


class TimeZoneField(forms.CharField):
    default_error_messages = {
        "unknown": _(
            "“%(value)s” is not a time zone we know. Pick one from the list, "
            "such as Europe/London or America/New_York."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        kwargs.setdefault(
            "help_text",
            _(
                "Dates and times are shown in this zone. Start typing a city or region "
                "to pick one, for example Europe/London."
            ),
        )
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update(
            {
                "list": TIME_ZONE_LIST_ID,
                "autocomplete": "off",
                "spellcheck": "false",
                "data-browser-time-zone": "fill",
                "placeholder": _("e.g. Europe/London"),
            }
        )
        return attrs

    def clean(self, value):
        value = super().clean(value)
        if value and value not in time_zone_names():
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"value": value}
            )
        return value


class PasswordsMixin:
    """Two password fields checked against each other and against Django's validators, with
    any error shown next to the field it is about."""

    def clean_password2(self):
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The two passwords differ. Type the same one twice."))
        return second

    def check_password_rules(self, user) -> None:
        password = self.cleaned_data.get("password1")
        if password:
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)


def password_fields():
    return (
        forms.CharField(
            label=_("Password"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=password_validation.password_validators_help_text_html(),
        ),
        forms.CharField(
            label=_("Password again"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=_("The same password, to be sure it is the one you meant."),
        ),
    )


class SignupForm(PasswordsMixin, forms.Form):
    role = forms.TypedChoiceField(
        label=_("The account is for"),
        choices=[
            (User.Role.PATIENT, _("Me: I have B12 injections")),
            (
                User.Role.CARER,
                _("Giving someone else their injections (a family member, or my child)"),
            ),
        ],
        initial=User.Role.PATIENT,
        required=False,  # an account for oneself unless the carer's choice is made
        empty_value=User.Role.PATIENT,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        validators=[validate_one_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to this address to confirm it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1, password2 = password_fields()
    time_zone = TimeZoneField()

    def clean(self):
        cleaned = super().clean()
        # The similarity check compares the password with the name and email typed here.
        self.check_password_rules(
            User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
        )
        return cleaned


class ResendForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class InviteForm(forms.Form):
    name = forms.CharField(
        label=_("Patient's name"), max_length=150, validators=[validate_one_line]
    )
    email = forms.EmailField(label=_("Patient's email address"), max_length=254)

    def __init__(self, *args, clinician, **kwargs):
        self.clinician = clinician
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if self.clinician.patients_cared.filter(patient__email__iexact=email).exists():
            raise forms.ValidationError(
                _("This patient is already on your care team: they are on your list.")
            )
        problem = invitations.over_limit(self.clinician, email)
        if problem:
            raise forms.ValidationError(problem)
        return email


class AcceptInvitationForm(PasswordsMixin, forms.Form):
    """A new patient, from their invitation: the address is the invitation's."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        validators=[validate_one_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1, password2 = password_fields()
    time_zone = TimeZoneField()

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        self.check_password_rules(User(email=self.email, name=cleaned.get("name", "")))
        return cleaned


def language_choices() -> list[tuple[str, str]]:
    return [("", _("As my browser asks")), *settings.LANGUAGES]


class AccountSettingsForm(forms.ModelForm):
    time_zone = TimeZoneField()
    language = forms.ChoiceField(
        label=_("Language"),
        choices=language_choices,
        required=False,
        help_text=_("Pages and the emails sent to you (reminders, digests) are in this language."),
    )

    class Meta:
        model = User
        fields = ["name", "time_zone", "language"]
        labels = {"name": _("Your name")}


def check_password_throttled(request, user, password, wrong_message) -> None:
    """A signed-in password check, under the same throttle as signing in: refused while paused,
    and a wrong password counts as a failed sign-in."""
    pause = throttle.may_check_password(request, user)
    if pause:
        raise forms.ValidationError(
            _(
                "Too many wrong passwords: checks for your account are paused. "
                "Try again in %(wait)s."
            ),
            params={"wait": pause.in_words},
            code="throttled",
        )
    if not user.check_password(password):
        throttle.wrong_password(request, user)
        raise forms.ValidationError(wrong_message, code="password_incorrect")


class ConfirmPasswordForm(forms.Form):
    """The signed-in user's password again, before something that cannot be taken back; checked
    under the sign-in throttle. Subclasses say what a wrong password left unchanged."""

    wrong_message = _("That is not your password; try again.")

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."),
    )

    def __init__(self, *args, user, request, **kwargs):
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        check_password_throttled(self.request, self.user, password, self.wrong_message)
        return password


class DeleteAccountForm(ConfirmPasswordForm):
    wrong_message = _("That is not your password. Nothing was deleted; try again.")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with the old password checked under the sign-in throttle."""

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        check_password_throttled(
            self.request, self.user, old_password, self.error_messages["password_incorrect"]
        )
        return old_password


class TokenMixin(forms.Form):
    """A hidden token, new for each rendered form: submitting the same form twice records
    one thing (see doses/actions.py: the record keeps the token, and a second
    save with it finds the first)."""

    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def add_error(self, field, error):
        # A hidden field's error would not show beside it: say it at the top of the form.
        if field == "submission_token":
            field, error = (
                None,
                gettext(
                    "This form was altered or is out of date: reload the page and submit it again."
                ),
            )
        super().add_error(field, error)


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in form with "Keep me signed in on this device" (accounts/devices.py):
    honoured for patients and carers only."""

    remember = forms.BooleanField(
        required=False,
        label=_("Keep me signed in on this device"),
        help_text=_(
            "For patients and carers, on your own phone or computer: you stay signed in here "
            "until you sign out. Not on a shared computer. Clinicians and pharmacists are "
            "always signed out after a while without use."
        ),
    )
