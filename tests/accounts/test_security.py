"""Sign-in throttling, idle sessions, password reset, hashing and the security headers."""

import os
import re
import subprocess  # noqa: S404 - the settings read in a fresh process
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

LOCKED = "Too many wrong passwords"


def sign_in(client, url, email, password, address="10.0.0.1"):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=address)


def test_the_admin_sign_in_is_throttled_too(client, admin_user):
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, url, admin_user.email, "wrong-password")
    page = sign_in(client, url, admin_user.email, factories.PASSWORD)
    assert LOCKED in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_starts_the_count_again(client, patient):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, reverse("login"), patient.email, "wrong-password")
    assert sign_in(client, reverse("login"), patient.email, factories.PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, reverse("login"), patient.email, "wrong-password")
    assert sign_in(client, reverse("login"), patient.email, factories.PASSWORD).status_code == 302


def test_an_idle_session_ends_but_an_active_one_goes_on(client, patient, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60  # the production default
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert (
            sign_in(client, reverse("login"), patient.email, factories.PASSWORD).status_code == 302
        )
    with time_machine.travel(start + idle - timedelta(minutes=1), tick=False):
        assert client.get(reverse("history")).status_code == 200  # activity pushes expiry on
    with time_machine.travel(start + 2 * idle - timedelta(minutes=2), tick=False):
        assert client.get(reverse("history")).status_code == 200
    with time_machine.travel(start + 3 * idle, tick=False):
        page = client.get(reverse("history"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_a_password_is_reset_through_an_emailed_link(client, patient):
    page = client.post(reverse("password_reset"), {"email": patient.email}, follow=True)
    assert "a link to choose a new password is on its way" in page.content.decode()
    (message,) = mail.outbox
    assert message.to == [patient.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "quiet-river-stone-84", "new_password2": "quiet-river-stone-84"},
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    patient.refresh_from_db()
    assert patient.check_password("quiet-river-stone-84")
    # The link works once.
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(client):
    page = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "a link to choose a new password is on its way" in page.content.decode()
    assert mail.outbox == []


def test_passwords_are_hashed_with_argon2_outside_the_tests():
    production = sys.modules["config.settings"]
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert len(production.AUTH_PASSWORD_VALIDATORS) == 4


def test_every_page_sends_a_strict_content_security_policy(client, patient):
    client.force_login(patient)
    factories.regimen_for(patient, patient.today())
    for url in [reverse("home"), reverse("login"), reverse("log_dose"), reverse("checkin")]:
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(
            (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
        )
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]
        assert directives["style-src"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in policy
        assert "'unsafe-eval'" not in policy


def test_pages_carry_no_inline_script_or_style(client, patient):
    client.force_login(patient)
    factories.regimen_for(patient, patient.today())
    for url in [reverse("home"), reverse("log_dose"), reverse("checkin"), reverse("history")]:
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle=\"", html), url
        assert not re.search(r"\son[a-z]+=\"", html), url


def _session_engine_and_cache(**env) -> list[str]:
    """What config.settings chooses in a fresh process with this environment."""
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SESSION_ENGINE); print(settings.CACHES['default']['BACKEND'])"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
        **env,
    }
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def test_sessions_are_read_from_a_shared_cache_and_only_from_a_shared_one():
    # A cache per process would let a sign-out in one worker go unseen by the others.
    assert _session_engine_and_cache() == [
        "django.contrib.sessions.backends.db",
        "django.core.cache.backends.locmem.LocMemCache",
    ]
    assert _session_engine_and_cache(DJANGO_CACHE_URL="redis://127.0.0.1:6379/3") == [
        "django.contrib.sessions.backends.cached_db",
        "config.cache.RedisCache",
    ]
