"""Sign-in throttling, idle sessions, password reset, hashing and the security headers."""

import os
import re
import subprocess  # noqa: S404 - the settings read in a fresh process
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tests.clock import frozen

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
    with frozen(start):
        assert (
            sign_in(client, reverse("login"), patient.email, factories.PASSWORD).status_code == 302
        )
    with frozen(start + idle - timedelta(minutes=1)):
        assert client.get(reverse("history")).status_code == 200  # activity pushes expiry on
    with frozen(start + 2 * idle - timedelta(minutes=2)):
        assert client.get(reverse("history")).status_code == 200
    with frozen(start + 3 * idle):
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


# --- Cache-Control: no copies of health data or secrets -----------------------------------------


def test_signed_in_pages_and_every_download_are_never_stored(client, patient, clinician):
    regimen = factories.regimen_for(patient, timezone.localdate() - timedelta(days=10))
    factories.give(regimen, timezone.localdate() - timedelta(days=10))
    feed = factories.CalendarFeedFactory(user=patient)
    client.force_login(patient)
    own = [
        reverse("home"),
        reverse("history"),
        reverse("reminder_settings"),  # shows the calendar address
        reverse("export"),
        reverse("export_fhir"),
        reverse("export_csv") + "?kind=injections",
        reverse("patient_report", args=[patient.pk]),
    ]
    for url in own:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url
    # A chart may be kept, but only by this browser, and is revalidated (its ETag) each time.
    chart = client.get(reverse("patient_chart", args=[patient.pk, "symptoms"]))
    assert chart["Cache-Control"] == "private, no-cache"
    client.logout()
    # The calendar feed is fetched without a session: its address is the secret.
    assert client.get(reverse("calendar_feed", args=[feed.token]))["Cache-Control"] == (
        "private, no-store"
    )
    client.force_login(clinician)
    for url in (
        reverse("home"),
        reverse("patient_record", args=[patient.pk]),
        reverse("patient_export_csv", args=[patient.pk]),
    ):
        assert client.get(url)["Cache-Control"] == "private, no-store", url
    chart = client.get(reverse("patient_chart", args=[patient.pk, "intervals"]))
    assert chart["Cache-Control"] == "private, no-cache"


def test_anonymous_pages_and_the_health_check_keep_their_own_caching(client):
    assert not client.get(reverse("password_reset")).has_header("Cache-Control")
    # never_cache's own header, not replaced
    assert client.get(reverse("health"))["Cache-Control"].startswith("max-age=0")


def test_the_health_check_answers_over_plain_http_and_the_rest_goes_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    health = client.get(reverse("health"))
    assert (health.status_code, health.content) == (200, b"ok\n")
    login = client.get(reverse("login"))
    assert login.status_code == 301 and login["Location"].startswith("https://")


def test_a_forwarded_https_header_is_believed_only_behind_a_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None  # what DJANGO_BEHIND_PROXY off gives
    assert client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https").status_code == 301
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https").status_code == 200


# --- a production start refuses to degrade quietly ----------------------------------------------

PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-production-like-key-for-this-test-only",
    "DATABASE_URL": "postgres://b12@127.0.0.1:5432/b12",
    "DJANGO_EMAIL_HOST": "smtp.example.org",
}
SHOWN = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
    "EMAIL_BACKEND",
)


def _production_start(**env) -> subprocess.CompletedProcess:
    """config.settings read in a fresh process, DEBUG off, with this environment."""
    code = (
        "import django; from django.conf import settings; django.setup(); "
        f"[print(getattr(settings, name)) for name in {SHOWN!r}]"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **{key: value for key, value in env.items() if value is not None},
    }
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )


def test_a_production_start_with_a_database_and_smtp_starts():
    started = _production_start(**PRODUCTION)
    assert started.returncode == 0, started.stderr
    assert started.stdout.splitlines() == [
        "None",  # no X-Forwarded-Proto believed unless behind a proxy
        "['^health/$']",
        "django.core.mail.backends.smtp.EmailBackend",
    ]
    behind = _production_start(**PRODUCTION, DJANGO_BEHIND_PROXY="true")
    assert behind.stdout.splitlines()[0] == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_production_start_without_database_url_refuses_unless_sqlite_is_allowed():
    refused = _production_start(**{**PRODUCTION, "DATABASE_URL": None})
    assert refused.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is not set" in refused.stderr
    assert "DJANGO_ALLOW_SQLITE=true" in refused.stderr

    allowed = _production_start(**{**PRODUCTION, "DATABASE_URL": None}, DJANGO_ALLOW_SQLITE="true")
    assert allowed.returncode == 0, allowed.stderr


def test_a_production_start_with_console_email_refuses_unless_it_is_allowed():
    refused = _production_start(**{**PRODUCTION, "DJANGO_EMAIL_HOST": None})
    assert refused.returncode != 0
    assert "ImproperlyConfigured: Email would be printed to the console" in refused.stderr
    assert "DJANGO_ALLOW_CONSOLE_EMAIL=true" in refused.stderr
    named = _production_start(
        **PRODUCTION, DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
    )
    assert "Email would be printed to the console" in named.stderr

    allowed = _production_start(
        **{**PRODUCTION, "DJANGO_EMAIL_HOST": None}, DJANGO_ALLOW_CONSOLE_EMAIL="true"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.splitlines()[-1] == "django.core.mail.backends.console.EmailBackend"


def test_development_starts_without_either():
    started = _production_start(DJANGO_DEBUG="true")
    assert started.returncode == 0, started.stderr
