"""Password-guess throttling: nobody can lock someone else out, and a guesser gets slower.

An account is paused only from the address that guessed wrong; an address is paused after many
more failures, whatever the accounts; an account guessed at from many addresses makes each
further attempt wait a doubling delay. Signed-in password checks count the same way, and
password-reset emails are limited like sign-up emails. Time is frozen: nothing here depends on
the clock.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts import throttle
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

PAUSED = "Too many wrong passwords"
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def at(seconds: float = 0):
    return frozen(T0 + timedelta(seconds=seconds))


def sign_in(client, email, password, address="10.0.0.1", url=None):
    return client.post(
        url or reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def test_five_wrong_passwords_pause_that_account_from_that_address_only(client, patient, settings):
    with at():
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            page = sign_in(client, patient.email, "wrong-password")
            assert "Please enter a correct email" in page.content.decode()
        page = sign_in(client, patient.email, "wrong-password")
    assert page.status_code == 429
    assert PAUSED in page.content.decode()
    assert "Try again in 15 minutes" in page.content.decode()
    assert page["Retry-After"] == "900"

    with at(600):  # ten minutes on, even the right password is refused from there...
        page = sign_in(client, patient.email, factories.PASSWORD)
        assert "Try again in 5 minutes" in page.content.decode()
        assert not signed_in_as(client, patient)
        # ...but the owner, from their own address, is not locked out.
        page = sign_in(client, patient.email, factories.PASSWORD, "10.0.0.9")
        assert page.status_code == 302 and signed_in_as(client, patient)


def test_the_same_account_spelled_differently_is_the_same_account(client, patient, settings):
    spellings = [patient.email.upper(), f" {patient.email} ", patient.email.title()]
    with at():
        for n in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, spellings[n % len(spellings)], "wrong-password")
        page = sign_in(client, patient.email, factories.PASSWORD)
    assert page.status_code == 429 and not signed_in_as(client, patient)


def test_an_address_trying_many_accounts_is_paused_after_a_much_higher_limit(
    client, patient, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    with at():
        for n in range(11):
            sign_in(client, f"nobody{n}@example.org", "guess", "10.0.0.7")
        # Eleven failures over eleven accounts: the address is not paused yet.
        assert sign_in(client, patient.email, factories.PASSWORD, "10.0.0.7").status_code == 302
        client.logout()
        sign_in(client, "nobody99@example.org", "guess", "10.0.0.7")
        page = sign_in(client, patient.email, factories.PASSWORD, "10.0.0.7")
        assert page.status_code == 429 and not signed_in_as(client, patient)
        # The patient can still sign in from elsewhere.
        page = sign_in(client, patient.email, factories.PASSWORD, "10.0.0.8")
        assert page.status_code == 302 and signed_in_as(client, patient)


def test_an_account_guessed_from_many_addresses_makes_each_attempt_wait_longer(
    client, patient, settings
):
    free = settings.LOGIN_ACCOUNT_FREE_FAILURES
    with at():
        for n in range(free):  # one guess from each of many addresses
            sign_in(client, patient.email, "guess", f"10.1.0.{n}")
        # The next one, from a new address, has to wait one second.
        page = sign_in(client, patient.email, factories.PASSWORD, "10.2.0.1")
    assert page.status_code == 429
    assert "Try again in 1 second" in page.content.decode()
    with at(1):
        sign_in(client, patient.email, "guess", "10.2.0.2")  # counted: now two seconds
    with at(2.5):
        page = sign_in(client, patient.email, "guess", "10.2.0.3")
        assert "Try again in 1 second" in page.content.decode()  # refused, and not counted
    with at(3):
        sign_in(client, patient.email, "guess", "10.2.0.4")  # counted: now four seconds
    with at(6):
        assert sign_in(client, patient.email, factories.PASSWORD, "10.2.0.5").status_code == 429
    with at(7):  # the owner waited it out
        page = sign_in(client, patient.email, factories.PASSWORD, "10.2.0.5")
        assert page.status_code == 302 and signed_in_as(client, patient)


def test_the_account_delay_doubles_and_never_passes_the_cool_off(settings):
    free = settings.LOGIN_ACCOUNT_FREE_FAILURES
    delays = [throttle.account_delay(free + n).total_seconds() for n in range(-1, 4)]
    assert delays == [0, 1, 2, 4, 8]
    assert throttle.account_delay(free + 1000) == settings.AXES_COOLOFF_TIME


def test_waiting_the_pause_out_always_works(client, patient, settings):
    with at():
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, patient.email, "wrong-password")
    for minute in range(1, 15):  # hammering during the pause does not extend it
        with at(minute * 60):
            assert sign_in(client, patient.email, "wrong-password").status_code == 429
    with at(15 * 60 + 1):
        assert sign_in(client, patient.email, factories.PASSWORD).status_code == 302


def test_the_admin_sign_in_counts_against_the_same_limits(client, admin_user, settings):
    with at():
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, admin_user.email, "wrong-password", url=reverse("admin:login"))
        page = sign_in(client, admin_user.email, factories.PASSWORD, url=reverse("admin:login"))
    assert PAUSED in page.content.decode() and not signed_in_as(client, admin_user)


def test_wrong_old_passwords_on_the_password_page_are_throttled(patient_client, patient, settings):
    url = reverse("password_change")
    new = {"new_password1": "quiet-river-stone-84", "new_password2": "quiet-river-stone-84"}
    with at():
        for _ in range(settings.AXES_FAILURE_LIMIT):
            patient_client.post(url, {"old_password": "guess", **new}, REMOTE_ADDR="10.0.0.1")
        page = patient_client.post(
            url, {"old_password": factories.PASSWORD, **new}, REMOTE_ADDR="10.0.0.1"
        )
    assert PAUSED in page.content.decode()
    patient.refresh_from_db()
    assert patient.check_password(factories.PASSWORD)  # not changed
    with at(15 * 60 + 1):
        page = patient_client.post(
            url, {"old_password": factories.PASSWORD, **new}, REMOTE_ADDR="10.0.0.1"
        )
    assert page.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password("quiet-river-stone-84")


def test_wrong_passwords_on_the_delete_page_are_throttled(patient_client, patient, settings):
    url = reverse("delete_account")
    with at():
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            page = patient_client.post(url, {"password": "guess"}, REMOTE_ADDR="10.0.0.1")
            assert "That is not your password" in page.content.decode()
        patient_client.post(url, {"password": "guess"}, REMOTE_ADDR="10.0.0.1")
        page = patient_client.post(url, {"password": factories.PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert "Try again in 15 minutes" in page.content.decode()
    patient.refresh_from_db()
    assert patient.is_active


def test_password_reset_emails_are_limited_per_address_and_per_client(client, patient):
    from accounts import signup

    with at():
        for n in range(signup.EMAILS_PER_ADDRESS + 2):
            page = client.post(
                reverse("password_reset"), {"email": patient.email}, REMOTE_ADDR=f"10.3.0.{n}"
            )
            assert page.status_code == 302  # the same answer every time
        assert len(mail.outbox) == signup.EMAILS_PER_ADDRESS
        for n in range(signup.SIGNUP_LIMIT):
            client.post(
                reverse("password_reset"), {"email": f"x{n}@example.org"}, REMOTE_ADDR="10.4.0.1"
            )
        page = client.post(
            reverse("password_reset"), {"email": patient.email}, REMOTE_ADDR="10.4.0.1"
        )
    assert page.status_code == 429
    assert "Nothing was sent" in page.content.decode()
    assert len(mail.outbox) == signup.EMAILS_PER_ADDRESS


def test_behind_a_proxy_the_address_it_appended_is_counted(client, patient, settings):
    settings.BEHIND_PROXY = True
    forged = "1.2.3.4, 10.9.9.9"  # a client may forge the first hops, not the last
    with at():
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(
                reverse("login"),
                {"username": patient.email, "password": "guess"},
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR=forged,
            )
        page = client.post(
            reverse("login"),
            {"username": patient.email, "password": factories.PASSWORD},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="10.9.9.9",
        )
        assert page.status_code == 429
        page = client.post(
            reverse("login"),
            {"username": patient.email, "password": factories.PASSWORD},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="10.8.8.8",
        )
    assert page.status_code == 302
