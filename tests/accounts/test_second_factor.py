"""Two-step sign-in (accounts/second_factor.py): adding an authenticator app, signing in with
its code or a recovery code, wrong codes slowed down, an admin's audited reset, the roles that
must have it, and patients turning it on and off. Time is frozen: the app's codes and the
pauses after wrong ones are computed at fixed instants."""

import os
import subprocess  # noqa: S404 - the settings read in a fresh process
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.models import User
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
REQUIRED = ["clinician", "admin"]


def at(seconds: float = 0):
    return frozen(T0 + timedelta(seconds=seconds))


def code_for(device, steps_ahead: int = 0) -> str:
    """The 6-digit code the user's app shows now (or that many 30-second steps later)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:06d}"


def wrong_code(device) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def sign_in(client, user, password=factories.PASSWORD):
    return client.post(reverse("login"), {"username": user.email, "password": password})


def signed_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def enrol(client, user) -> list[str]:
    """Add an app through the pages, as the user would; returns the recovery codes shown."""
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post(reverse("two_factor_setup"), {"code": code_for(device)})
    assert page.status_code == 200
    return list(page.context["codes"])


def enrolled(user) -> list[str]:
    """An app added earlier (at T0 - 1 hour), for a user signed out now."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    with at(-3600):
        codes = enrol(browser, user)
    user.refresh_from_db()
    return codes


def verify_page_of(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("two_factor_verify")
    )


# Adding an app ------------------------------------------------------------------------------


def test_a_patient_adds_an_app_and_sees_ten_recovery_codes_once(patient_client, patient):
    with at():
        page = patient_client.get(reverse("two_factor_setup")).content.decode()
        assert 'src="data:image/svg+xml;base64,' in page  # the QR code, drawn on the server
        device = TOTPDevice.objects.get(user=patient, confirmed=False)
        assert second_factor.secret_text(device) in page  # the key, to type in instead
        # Reloading shows the same key: the app scanned first still works.
        assert (
            second_factor.secret_text(device)
            in patient_client.get(reverse("two_factor_setup")).content.decode()
        )

        wrong = patient_client.post(reverse("two_factor_setup"), {"code": wrong_code(device)})
        assert "That code is not right." in wrong.content.decode()
        patient.refresh_from_db()
        assert not patient.second_factor

    with at(5):  # after the one-second pause for the wrong code
        done = patient_client.post(reverse("two_factor_setup"), {"code": code_for(device)})
        codes = done.context["codes"]
        assert len(codes) == len(set(codes)) == 10
        for code in codes:
            assert code in done.content.decode()
        patient.refresh_from_db()
        assert patient.second_factor
        assert TOTPDevice.objects.get(user=patient).confirmed
        assert StaticToken.objects.filter(device__user=patient).count() == 10
        # The codes are never shown again; the account page says it is on.
        settings_page = patient_client.get(reverse("account_settings")).content.decode()
        assert "On: signing in asks for a code" in settings_page
        assert codes[0] not in settings_page
        again = patient_client.get(reverse("two_factor_setup"), follow=True)
        assert "Two-step sign-in is already on" in again.content.decode()
        assert codes[0] not in again.content.decode()


def test_a_blank_or_nonsense_code_is_refused_with_a_message(patient_client, patient):
    with at():
        patient_client.get(reverse("two_factor_setup"))
        blank = patient_client.post(reverse("two_factor_setup"), {"code": ""})
        assert "This field is required." in blank.content.decode()
    with at(10):
        nonsense = patient_client.post(reverse("two_factor_setup"), {"code": "12ab<script>"})
        assert "That code is not right." in nonsense.content.decode()
    patient.refresh_from_db()
    assert not patient.second_factor


# Signing in -------------------------------------------------------------------------------


def test_after_the_password_the_app_code_is_asked_before_anything_else(client, patient):
    enrolled(patient)
    device = TOTPDevice.objects.get(user=patient)
    with at():
        assert sign_in(client, patient).status_code == 302
        home = client.get(reverse("home"))
        assert verify_page_of(home)
        for name in ("log_dose", "account_settings", "history"):
            assert verify_page_of(client.get(reverse(name)))
        # A change posted meanwhile is refused too.
        assert verify_page_of(
            client.post(reverse("account_settings"), {"name": "Hacked", "time_zone": "UTC"})
        )
        patient.refresh_from_db()
        assert patient.name == "Pat Patient"

        page = client.get(home["Location"]).content.decode()
        assert "Enter the 6-digit code" in page
        session_before = client.session.session_key
        done = client.post(
            reverse("two_factor_verify"), {"code": code_for(device), "next": reverse("history")}
        )
        assert done["Location"] == reverse("history")
        assert client.session.session_key != session_before  # a new session once it passed
        assert "Pat Patient" in client.get(reverse("home")).content.decode()
        assert client.get(reverse("home")).status_code == 200


def test_a_code_cannot_be_used_twice(client, patient):
    enrolled(patient)
    device = TOTPDevice.objects.get(user=patient)
    with at():
        code = code_for(device)
        sign_in(client, patient)
        client.post(reverse("two_factor_verify"), {"code": code})
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("logout"))
        sign_in(client, patient)
    with at(3):
        page = client.post(reverse("two_factor_verify"), {"code": code})
        assert "That code is not right." in page.content.decode()
        assert verify_page_of(client.get(reverse("home")))


def test_wrong_codes_make_the_next_try_wait_longer(client, patient):
    enrolled(patient)
    device = TOTPDevice.objects.get(user=patient)
    with at():
        sign_in(client, patient)
        first = client.post(reverse("two_factor_verify"), {"code": wrong_code(device)})
        assert "That code is not right. Wait 1 second before the next try." in (
            first.content.decode()
        )
        # Even the right code is not checked (nor counted) during the pause.
        paused = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        assert "Too many wrong codes: wait 1 second" in paused.content.decode()
        assert verify_page_of(client.get(reverse("home")))
    with at(2):
        second = client.post(reverse("two_factor_verify"), {"code": wrong_code(device)})
        assert "Wait 2 seconds before the next try." in second.content.decode()
    with at(5):
        client.post(reverse("two_factor_verify"), {"code": wrong_code(device)})
    with at(6):
        paused = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        assert "Too many wrong codes: wait 3 seconds" in paused.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    with at(10):  # the pause is over: the right code works, and the count starts again
        done = client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        assert done.status_code == 302
        assert client.get(reverse("home")).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_each_recovery_code_works_once(client, patient):
    codes = enrolled(patient)
    with at():
        sign_in(client, patient)
        done = client.post(reverse("two_factor_verify"), {"code": codes[0].upper()}, follow=True)
        assert "You used a recovery code; 9 are left." in done.content.decode()
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("logout"))

        sign_in(client, patient)
        again = client.post(reverse("two_factor_verify"), {"code": codes[0]})
        assert "That code is not right." in again.content.decode()
        assert verify_page_of(client.get(reverse("home")))
    with at(5):
        assert client.post(reverse("two_factor_verify"), {"code": codes[1]}).status_code == 302
    assert StaticToken.objects.filter(device__user=patient).count() == 8


def test_a_user_without_an_app_signs_in_with_the_password_alone(client, patient, clinician):
    for user in (patient, clinician):
        sign_in(client, user)
        assert client.get(reverse("home")).status_code == 200
        assert not verify_page_of(client.get(reverse("account_settings")))
        client.post(reverse("logout"))


# Roles that must have it ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["clinician", "admin_user"])
def test_a_required_role_can_use_nothing_until_an_app_is_added(client, request, settings, role):
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED
    user = request.getfixturevalue(role)
    with at():
        sign_in(client, user)
        assert signed_in_as(client, user)
        for url in (reverse("home"), reverse("account_settings"), reverse("admin:index")):
            response = client.get(url)
            assert verify_page_of(response), url
            setup = client.get(response["Location"])
            assert setup["Location"].startswith(reverse("two_factor_setup"))
        page = client.get(reverse("two_factor_setup")).content.decode()
        assert "Your role sees many patients' records" in page
        assert 'src="data:image/svg+xml;base64,' in page
        # They cannot turn it off, and signing out still works.
        assert client.get(reverse("two_factor_off")).status_code == 404
        enrol(client, user)
        assert client.get(reverse("home")).status_code in {200, 302}
        assert not verify_page_of(client.get(reverse("home")))
        assert client.get(reverse("admin:index" if user.is_staff else "home")).status_code == 200
        client.post(reverse("logout"))
        assert not signed_in_as(client, user)


def test_a_required_role_with_an_app_is_asked_for_its_code(client, clinician, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED
    enrolled(clinician)
    device = TOTPDevice.objects.get(user=clinician)
    with at():
        sign_in(client, clinician)
        assert verify_page_of(client.get(reverse("home")))
        assert "Enter the 6-digit code" in client.get(reverse("two_factor_verify")).content.decode()
        client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        assert "Pat Patient" in client.get(reverse("home")).content.decode()  # the triage list


def test_patients_may_sign_in_without_it_when_other_roles_must(client, patient, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED
    sign_in(client, patient)
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("account_settings")).content.decode()
    assert "Turn on two-step sign-in" in page


# Turning it off, and losing the phone -----------------------------------------------------


def test_a_patient_turns_it_off_with_their_password(client, patient):
    enrolled(patient)
    device = TOTPDevice.objects.get(user=patient)
    with at():
        sign_in(client, patient)
        client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        wrong = client.post(reverse("two_factor_off"), {"password": "not-my-password"})
        assert "That is not your password. Two-step sign-in is still on" in wrong.content.decode()
        patient.refresh_from_db()
        assert patient.second_factor and TOTPDevice.objects.filter(user=patient).exists()

        done = client.post(reverse("two_factor_off"), {"password": factories.PASSWORD}, follow=True)
        assert "Two-step sign-in is off for your account." in done.content.decode()
        patient.refresh_from_db()
        assert not patient.second_factor
        assert not TOTPDevice.objects.filter(user=patient).exists()
        assert not StaticDevice.objects.filter(user=patient).exists()
        client.post(reverse("logout"))
        sign_in(client, patient)
        assert client.get(reverse("home")).status_code == 200


def test_an_admin_reset_is_audited_and_the_user_adds_a_new_app(client, clinician, admin_user):
    enrolled(clinician)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [clinician.pk]},
        follow=True,
    )
    assert "Two-step sign-in reset for 1 user." in response.content.decode()
    clinician.refresh_from_db()
    assert not clinician.second_factor
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert not StaticDevice.objects.filter(user=clinician).exists()
    entry = LogEntry.objects.get(object_id=str(clinician.pk))
    assert entry.user == admin_user
    assert entry.action_flag == CHANGE
    assert "Reset two-step sign-in" in entry.get_change_message()


def test_a_reset_ends_the_verified_state_of_the_users_sessions(client, clinician, settings):
    """A session that passed the old app's code needs the new app after a reset."""
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED
    enrolled(clinician)
    device = TOTPDevice.objects.get(user=clinician)
    with at():
        sign_in(client, clinician)
        client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        assert client.get(reverse("home")).status_code == 200
        second_factor.remove(User.objects.get(pk=clinician.pk))
        assert verify_page_of(client.get(reverse("home")))


# What it costs ----------------------------------------------------------------------------


def test_a_session_that_passed_a_code_costs_one_query_more(
    client, patient, django_assert_num_queries
):
    """Users without an app: the session and the user, as before. With one: the device too."""
    enrolled(patient)
    device = TOTPDevice.objects.get(user=patient)
    with at():
        sign_in(client, patient)
        client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        client.get(reverse("account_settings"))
        with django_assert_num_queries(3):  # the session, the user, the app (django-otp)
            client.get(reverse("account_settings"))


def test_the_code_page_never_sends_anyone_to_another_site(client, patient):
    enrolled(patient)
    device = TOTPDevice.objects.get(user=patient)
    with at():
        sign_in(client, patient)
        done = client.post(
            reverse("two_factor_verify"),
            {"code": code_for(device), "next": "https://evil.example/phish"},
        )
        assert done["Location"] == "/"


def test_an_emptied_clinician_account_keeps_no_app_key_or_recovery_code(client, clinician, patient):
    """A clinician named in a record keeps an emptied row (accounts/deletion.py): its two-step
    secrets go with the password."""
    from accounts.deletion import delete_clinician

    enrolled(clinician)
    factories.RecordViewFactory(patient=patient, viewer=clinician, what="record", path="/")
    delete_clinician(clinician)
    clinician.refresh_from_db()
    assert not clinician.is_active and not clinician.second_factor
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert not StaticDevice.objects.filter(user=clinician).exists()


def test_new_recovery_codes_for_the_password_replace_the_earlier_ones(client, patient):
    old_codes = enrolled(patient)
    device = TOTPDevice.objects.get(user=patient)
    with at():
        sign_in(client, patient)
        client.post(reverse("two_factor_verify"), {"code": code_for(device)})
        settings_page = client.get(reverse("account_settings")).content.decode()
        assert reverse("two_factor_codes") in settings_page
        wrong = client.post(reverse("two_factor_codes"), {"password": "not-my-password"})
        assert "Your recovery codes are unchanged." in wrong.content.decode()
        assert set(StaticToken.objects.values_list("token", flat=True)) == set(old_codes)

        page = client.post(reverse("two_factor_codes"), {"password": factories.PASSWORD})
        new_codes = page.context["codes"]
        assert "Your earlier recovery codes no longer work." in page.content.decode()
        assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
        assert set(StaticToken.objects.values_list("token", flat=True)) == set(new_codes)
        client.post(reverse("logout"))
        sign_in(client, patient)
        refused = client.post(reverse("two_factor_verify"), {"code": old_codes[2]})
        assert "That code is not right." in refused.content.decode()


def test_without_an_app_there_are_no_recovery_codes_to_renew(patient_client, patient):
    page = patient_client.post(reverse("two_factor_codes"), {"password": factories.PASSWORD})
    assert "Two-step sign-in is not on for your account." in page.content.decode()
    assert not StaticDevice.objects.filter(user=patient).exists()


def _required_roles(**env) -> str:
    """TWO_FACTOR_REQUIRED_ROLES as config.settings reads it in a fresh process."""
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(','.join(settings.TWO_FACTOR_REQUIRED_ROLES))"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "a-key-for-this-test-only",
        # Production settings refuse SQLite and console email unless told they are meant.
        "DJANGO_ALLOW_SQLITE": "true",
        "DJANGO_ALLOW_CONSOLE_EMAIL": "true",
        **env,
    }
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_production_requires_it_of_clinicians_pharmacists_and_admins_and_the_demo_of_no_one():
    assert _required_roles() == "clinician,pharmacist,admin"  # DEBUG off: production
    assert _required_roles(DJANGO_DEBUG="true") == ""  # make run's demo
    assert _required_roles(DJANGO_TWO_FACTOR_REQUIRED="false") == ""
    assert _required_roles(DJANGO_DEBUG="true", DJANGO_TWO_FACTOR_REQUIRED="true") == (
        "clinician,pharmacist,admin"
    )
