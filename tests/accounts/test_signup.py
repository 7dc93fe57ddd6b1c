"""A patient signs up: the form, the email with its one-time link, the link signing them in,
and every way it goes wrong: bad input, a used or expired link, an address already in use (which
the pages never reveal), and too many requests."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import signup
from accounts.access import visible_patients
from accounts.models import SignupAttempt, User
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "quiet-meadow-harbour-17"
FORM = {
    "name": "Sam Signup",
    "email": "sam@example.org",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "time_zone": "Europe/Lisbon",
}
CHECK_EMAIL = "We have sent an email to the address you gave."
CONFIRM = "Confirm and sign in"
LINK_DEAD = "This confirmation link has expired or has already been used."
LINK = re.compile(r"http\S+/accounts/verify/[^/\s]+/[^/\s]+/")


def sign_up(client, *, follow=False, ip="192.0.2.1", **changes):
    return client.post(reverse("signup"), {**FORM, **changes}, follow=follow, REMOTE_ADDR=ip)


def links_to(address: str) -> list[str]:
    """The confirmation links emailed to `address`, oldest first."""
    found = (LINK.search(m.body) for m in mail.outbox if address in m.to)
    return [match.group(0) for match in found if match]


def open_link(client, link: str, password: str = PASSWORD):
    """Open the emailed link and, where it asks, enter the password and press "Confirm and sign
    in", as a person does."""
    path = urlsplit(link).path
    page = client.get(path, follow=True)
    if page.redirect_chain or CONFIRM not in page.content.decode():
        return page
    return client.post(path, {"password": password}, follow=True)


def signed_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


# The form ---------------------------------------------------------------------------------


def test_the_sign_in_page_offers_to_create_an_account(client):
    page = client.get(reverse("login")).content.decode()
    assert "Create an account" in page
    assert f'href="{reverse("signup")}"' in page


def test_the_form_asks_for_name_email_password_and_a_time_zone_from_a_list(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):  # signed out: no session, no user
        page = client.get(reverse("signup")).content.decode()
    for label in ("Your name", "Email address", "Password", "Password again", "Time zone"):
        assert label in page
    assert 'list="time-zone-names"' in page
    assert '<option value="Europe/Lisbon">' in page
    assert "js/timezone.js" in page


def test_a_signed_in_user_asking_to_sign_up_is_sent_home(patient_client):
    response = patient_client.get(reverse("signup"))
    assert response["Location"] == reverse("home")


# Signing up and the link --------------------------------------------------------------------


def test_signing_up_makes_an_account_that_cannot_sign_in_until_the_link_is_opened(client):
    response = sign_up(client, follow=True)
    assert CHECK_EMAIL in response.content.decode()
    user = User.objects.get(email="sam@example.org")
    assert (user.name, user.time_zone, user.role) == ("Sam Signup", "Europe/Lisbon", "patient")
    assert not user.is_active and user.awaiting_verification
    assert user.check_password(PASSWORD)
    assert not visible_patients(user).exists()
    # The password is right, yet signing in is refused.
    refused = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Please enter a correct email" in refused.content.decode()
    [message] = mail.outbox
    assert message.to == ["sam@example.org"]
    assert "Confirm your email address" in message.subject
    assert "Hello Sam Signup" in message.body
    assert "works once, for 48 hours" in message.body


def test_the_link_confirms_the_address_signs_in_and_lands_on_the_home(client):
    sign_up(client)
    [link] = links_to("sam@example.org")
    response = open_link(client, link)
    user = User.objects.get(email="sam@example.org")
    assert user.is_active and not user.awaiting_verification
    assert signed_in_as(client) == str(user.pk)
    assert response.redirect_chain[-1][0] == reverse("home")
    page = response.content.decode()
    assert "No active regimen" in page  # the home tells a new patient what to do next
    assert "Set up my injections" in page
    assert "Sam Signup" in page


def test_opening_the_link_only_asks_so_a_mail_scanner_uses_nothing_up(client):
    sign_up(client)
    [link] = links_to("sam@example.org")
    scanner = client.__class__()  # a mail filter fetching every link in the message
    page = scanner.get(urlsplit(link).path).content.decode()
    assert CONFIRM in page and "Welcome, Sam Signup." in page
    assert not User.objects.get(email="sam@example.org").is_active
    assert signed_in_as(scanner) is None
    open_link(client, link)  # the patient, later, still gets in
    assert signed_in_as(client) == str(User.objects.get(email="sam@example.org").pk)


def test_confirming_with_a_wrong_token_does_nothing(client):
    sign_up(client)
    [link] = links_to("sam@example.org")
    response = client.post(urlsplit(link).path[:-3] + "xx/")
    assert LINK_DEAD in response.content.decode()
    assert not User.objects.get(email="sam@example.org").is_active
    assert signed_in_as(client) is None


def test_a_link_used_twice_gets_a_page_offering_a_new_one(client):
    sign_up(client)
    [link] = links_to("sam@example.org")
    open_link(client, link)
    again = open_link(client.__class__(), link)  # another browser, signed out
    page = again.content.decode()
    assert LINK_DEAD in page
    assert "Send a new link" in page
    assert f'action="{reverse("signup_resend")}"' in page


def test_the_same_browser_opening_the_link_again_just_goes_home(client):
    sign_up(client)
    [link] = links_to("sam@example.org")
    open_link(client, link)
    again = open_link(client, link)
    assert again.redirect_chain[-1][0] == reverse("home")


def test_an_expired_link_changes_nothing_and_offers_a_new_one(client):
    sign_up(client)
    [link] = links_to("sam@example.org")
    with time_machine.travel(timezone.now() + timedelta(seconds=signup.VERIFY_SECONDS + 60)):
        response = open_link(client, link)
    assert LINK_DEAD in response.content.decode()
    assert not User.objects.get(email="sam@example.org").is_active
    assert signed_in_as(client) is None


def test_a_link_still_works_just_before_it_expires(client):
    sign_up(client)
    [link] = links_to("sam@example.org")
    with time_machine.travel(timezone.now() + timedelta(seconds=signup.VERIFY_SECONDS - 60)):
        open_link(client, link)
    assert User.objects.get(email="sam@example.org").is_active


def test_a_tampered_link_does_nothing(client):
    sign_up(client)
    [link] = links_to("sam@example.org")
    response = open_link(client, link[:-3] + "xx/")
    assert LINK_DEAD in response.content.decode()
    assert not User.objects.get(email="sam@example.org").is_active


def test_a_new_link_replaces_nothing_and_works(client):
    sign_up(client)
    response = client.post(reverse("signup_resend"), {"email": "SAM@example.org"}, follow=True)
    assert CHECK_EMAIL in response.content.decode()
    first, second = links_to("sam@example.org")
    open_link(client, second)
    assert User.objects.get(email="sam@example.org").is_active


# Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "is not a time zone we know"),
        ({"time_zone": ""}, "This field is required."),
        ({"password2": "something-else-77"}, "The two passwords differ."),
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"password1": "4815162342", "password2": "4815162342"}, "entirely numeric"),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_made(client, changes, message):
    response = sign_up(client, **changes)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert 'class="invalid-feedback"' in page  # crispy ties it to the field
    assert "Sam Signup" in page or changes.get("name") == ""  # what was typed is kept
    assert not User.objects.filter(email="sam@example.org").exists()
    assert mail.outbox == []


# An address already in use ------------------------------------------------------------------


def test_signing_up_with_a_registered_address_reveals_nothing_and_changes_nothing(client):
    existing = factories.PatientFactory(email="sam@example.org", name="Sam Original")
    response = sign_up(client, email="Sam@Example.org", follow=True)
    assert CHECK_EMAIL in response.content.decode()
    assert User.objects.filter(email__iexact="sam@example.org").count() == 1
    existing.refresh_from_db()
    assert existing.check_password(factories.PASSWORD)
    assert existing.name == "Sam Original"
    [message] = mail.outbox
    assert message.to == ["sam@example.org"]
    assert "already has an account" in message.body
    assert reverse("password_reset") in message.body
    assert not links_to("sam@example.org")


def test_the_page_is_the_same_for_a_new_and_a_registered_address(client):
    factories.PatientFactory(email="taken@example.org")
    new = sign_up(client, email="fresh@example.org", follow=True).content.decode()
    taken = sign_up(client, email="taken@example.org", follow=True).content.decode()
    assert new == taken


ATTACKER_PASSWORD = "other-lantern-93"


def test_signing_up_first_with_someone_elses_address_gives_no_way_into_their_account(client):
    """The takeover of issue 16: an attacker signs up with the victim's address first; the
    victim then signs up and confirms. The account is the victim's, with the victim's
    password: the attacker's password opens nothing, and the attacker's link died."""
    sign_up(client, password1=ATTACKER_PASSWORD, password2=ATTACKER_PASSWORD, name="Imposter")
    sign_up(client)  # the victim, later
    user = User.objects.get(email="sam@example.org")
    assert user.check_password(PASSWORD) and user.name == "Sam Signup"
    assert user.time_zone == "Europe/Lisbon"
    attackers_link, victims_link = links_to("sam@example.org")

    assert LINK_DEAD in open_link(client, attackers_link, ATTACKER_PASSWORD).content.decode()
    page = open_link(client, victims_link, ATTACKER_PASSWORD).content.decode()
    assert "That is not the password chosen when this address last signed up." in page
    assert not User.objects.get(pk=user.pk).is_active and signed_in_as(client) is None

    open_link(client, victims_link, PASSWORD)
    assert signed_in_as(client) == str(user.pk)
    client.logout()
    attempt = {"username": "sam@example.org", "password": ATTACKER_PASSWORD}
    client.post(reverse("login"), attempt, REMOTE_ADDR="198.51.100.7")
    assert signed_in_as(client) is None
    client.post(reverse("login"), {**attempt, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7")
    assert signed_in_as(client) == str(user.pk)


def test_a_sign_up_after_the_owners_leaves_their_link_unable_to_open_the_account(client):
    """The other order: the victim signs up, then the attacker. The victim's first link is dead,
    and the newest link (in the victim's mailbox) needs the attacker's password, which the
    victim does not type: nothing is opened for the attacker."""
    sign_up(client)
    sign_up(client, password1=ATTACKER_PASSWORD, password2=ATTACKER_PASSWORD, name="Imposter")
    first, newest = links_to("sam@example.org")

    assert LINK_DEAD in open_link(client, first, PASSWORD).content.decode()
    page = open_link(client, newest, PASSWORD).content.decode()
    assert "That is not the password chosen when this address last signed up." in page
    assert not User.objects.get(email="sam@example.org").is_active
    assert signed_in_as(client) is None


def test_signing_up_again_for_an_active_account_changes_nothing(client, patient):
    sign_up(client, email=patient.email, password1=ATTACKER_PASSWORD, password2=ATTACKER_PASSWORD)
    patient.refresh_from_db()
    assert patient.check_password(factories.PASSWORD) and patient.name != "Sam Signup"
    assert links_to(patient.email) == []  # a reminder that the account exists, not a link


def test_a_new_link_for_an_unknown_or_switched_off_address_sends_nothing(client):
    factories.PatientFactory(email="off@example.org", is_active=False)
    for address in ("nobody@example.org", "off@example.org"):
        response = client.post(reverse("signup_resend"), {"email": address}, follow=True)
        assert CHECK_EMAIL in response.content.decode()
    assert mail.outbox == []


# Throttling -------------------------------------------------------------------------------


def test_too_many_sign_ups_from_one_address_are_refused_and_make_nothing(client):
    for n in range(signup.SIGNUP_LIMIT):
        sign_up(client, email=f"person{n}@example.org")
    assert User.objects.count() == signup.SIGNUP_LIMIT
    response = sign_up(client, email="one-too-many@example.org")
    assert response.status_code == 429
    assert "too many sign-ups or link requests from your network" in response.content.decode()
    assert not User.objects.filter(email="one-too-many@example.org").exists()
    assert len(mail.outbox) == signup.SIGNUP_LIMIT


def test_new_link_requests_count_against_the_same_limit(client):
    for _ in range(signup.SIGNUP_LIMIT):
        client.post(reverse("signup_resend"), {"email": "nobody@example.org"})
    response = client.post(reverse("signup_resend"), {"email": "nobody@example.org"})
    assert response.status_code == 429


def test_another_address_is_not_throttled_by_one_busy_address(client):
    for n in range(signup.SIGNUP_LIMIT):
        sign_up(client, email=f"person{n}@example.org", ip="203.0.113.9")
    response = sign_up(client, ip="198.51.100.4", follow=True)
    assert CHECK_EMAIL in response.content.decode()
    assert User.objects.filter(email="sam@example.org").exists()


def test_one_mailbox_gets_a_few_emails_an_hour_then_the_same_page_and_no_more(client):
    for n in range(signup.EMAILS_PER_ADDRESS + 2):
        response = sign_up(client, ip=f"198.51.100.{n}", follow=True)
        assert CHECK_EMAIL in response.content.decode()
    assert len(links_to("sam@example.org")) == signup.EMAILS_PER_ADDRESS
    later = timezone.now() + signup.SIGNUP_WINDOW + timedelta(minutes=1)
    with time_machine.travel(later):
        sign_up(client)
    assert len(links_to("sam@example.org")) == signup.EMAILS_PER_ADDRESS + 1


def test_attempts_keep_no_email_address_and_old_ones_are_removed(client):
    sign_up(client)
    [attempt] = SignupAttempt.objects.all()
    assert "sam" not in attempt.email_digest and "@" not in attempt.email_digest
    with time_machine.travel(timezone.now() + signup.KEEP_ATTEMPTS + timedelta(minutes=1)):
        sign_up(client, email="later@example.org")
    assert SignupAttempt.objects.count() == 1


def test_a_sign_up_never_confirmed_is_forgotten_after_30_days_and_the_address_is_free(client):
    sign_up(client)
    sign_up(client, email="confirmed@example.org")
    open_link(client.__class__(), links_to("confirmed@example.org")[0])
    almost = timezone.now() + signup.KEEP_UNCONFIRMED - timedelta(hours=1)
    with time_machine.travel(almost):
        sign_up(client.__class__(), email="someone@example.org", ip="198.51.100.7")
    assert User.objects.filter(email="sam@example.org").exists()  # not yet
    later = timezone.now() + signup.KEEP_UNCONFIRMED + timedelta(hours=1)
    with time_machine.travel(later):
        sign_up(client.__class__(), email="another@example.org", ip="198.51.100.8")
        assert not User.objects.filter(email="sam@example.org").exists()
        assert User.objects.get(email="confirmed@example.org").is_active  # confirmed: kept
        response = sign_up(client.__class__(), ip="198.51.100.9", follow=True, name="Sam Again")
    assert CHECK_EMAIL in response.content.decode()
    assert User.objects.get(email="sam@example.org").name == "Sam Again"


# Accounts made otherwise ------------------------------------------------------------------


def test_admin_made_accounts_sign_in_as_before(client):
    user = factories.PatientFactory(email="made@example.org")
    client.post(reverse("login"), {"username": user.email, "password": factories.PASSWORD})
    assert signed_in_as(client) == str(user.pk)
    assert not user.awaiting_verification


class CountingHasher(MD5PasswordHasher):
    """Counts the passwords hashed: the slow step whose presence or absence timed a sign-up."""

    algorithm = "counting_md5"
    hashed = 0

    def encode(self, password, salt):
        type(self).hashed += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("existing", ["none", "awaiting", "active"])
def test_every_sign_up_hashes_the_password_once_whether_or_not_the_address_is_known(
    client, settings, existing
):
    """The time a sign-up takes must not tell whether the address has an account: each path
    does the one slow thing (hashing the password) exactly once."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    if existing == "awaiting":
        sign_up(client)
    elif existing == "active":
        factories.PatientFactory(email="sam@example.org")
    CountingHasher.hashed = 0

    sign_up(client, ip="192.0.2.9")

    assert CountingHasher.hashed == 1
