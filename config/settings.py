"""Settings for the B12 injection log, read from the environment.

One module for every deployment. Development turns DEBUG on with DJANGO_DEBUG=true (the
Makefile does this for `make run`); anything else is treated as production and refuses to
start without DJANGO_SECRET_KEY.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is not true.")
    SECRET_KEY = "development-only-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "regimens",
    "symptoms",
    "doses",
    "supplies",
    "labs",
    "reminders",
    "sharing",
    "records",
    "clinic",
    "home",
    "timeline",
    "plan_setup",
    "api",
    "demo",
]

MIDDLEWARE = [
    # First: a GET or HEAD that failed because the database was unreachable runs once more.
    "config.unavailable.RetryReadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Picks the language of each request from LANGUAGES (only English is shipped for now).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): a device lookup only for sessions that passed a second factor.
    "django_otp.middleware.OTPMiddleware",
    "accounts.second_factor.SecondFactorMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    # Cache-Control: private, no-store on signed-in pages and downloads (health data).
    "accounts.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.carer_views.caring",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Production does not quietly run on a file next to the code: without DATABASE_URL it refuses
# to start, unless DJANGO_ALLOW_SQLITE says the embedded SQLite database is meant.
if (
    not DEBUG
    and not env.str("DATABASE_URL", default="")
    and not env.bool("DJANGO_ALLOW_SQLITE", default=False)
):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set, so the app would keep its data in an embedded SQLite file. "
        "Set DATABASE_URL (for example postgres://user:password@host:5432/b12), or set "
        "DJANGO_ALLOW_SQLITE=true if SQLite is really meant."
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses sign-ins while an account or an address is locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",  # ModelBackend, reading the user of each request faster
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Every user-facing string is marked for gettext; English and Spanish catalogues are shipped
# (locale/<code>/LC_MESSAGES/django.po, made with `manage.py makemessages -l en -l es`).
# Users choose one at sign-in or on My account (User.language): their pages and emails follow it;
# otherwise the browser's Accept-Language picks one.
LANGUAGES = [("en", gettext_lazy("English")), ("es", gettext_lazy("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]

# Messages are shown as Bootstrap alerts: their tag is the alert's colour.
MESSAGE_TAGS = {message_constants.ERROR: "danger"}
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Photos of vial labels are health data: kept in their own storage, outside the static files
# and any publicly served directory, and served only by supplies/label_views.py after an access
# check. DJANGO_LABELS_ROOT moves them; an S3-compatible bucket is set up in the README.
LABELS_ROOT = env.str("DJANGO_LABELS_ROOT", default=str(BASE_DIR / "private" / "labels"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "labels": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No base_url: nothing in this storage has a public address.
        # Readable by the app's own user only.
        "OPTIONS": {
            "location": LABELS_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The cache holds rendered patient homes under keys that name what they show
# (doses/freshness.py), so a cache per process is correct; DJANGO_CACHE_URL can name a shared
# one (e.g. redis://127.0.0.1:6379/1) to share them between processes.
CACHES = {"default": env.cache_url("DJANGO_CACHE_URL", default="locmemcache://b12")}
CACHE_SHARED = "locmem" not in CACHES["default"]["BACKEND"]
if CACHES["default"]["BACKEND"].endswith(".RedisCache"):  # django-environ's pick for redis://
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # django-redis, Redis as a cache
if not CACHE_SHARED:
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 2000)

# Sessions live in the database. With a cache shared by every process, reads come from the
# cache and writes go to both (cached_db), which saves a query on every signed-in page; a cache
# per process would let a sign-out in one worker go unseen by another, so it is not used for this.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if CACHE_SHARED else "db")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email (password resets, reminders): SMTP once DJANGO_EMAIL_HOST is set, unless
# DJANGO_EMAIL_BACKEND names another backend; printed to the console otherwise.
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=True)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.bool("DJANGO_EMAIL_USE_SSL", default=False)  # implicit TLS, port 465
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)  # seconds; cron runs never hang
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if EMAIL_HOST
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
# Nor does it print password resets and reminders to its log instead of sending them.
if (
    not DEBUG
    and EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    and not env.bool("DJANGO_ALLOW_CONSOLE_EMAIL", default=False)
):
    raise ImproperlyConfigured(
        "Email would be printed to the console instead of sent. Set DJANGO_EMAIL_HOST (and "
        "DJANGO_EMAIL_HOST_USER / DJANGO_EMAIL_HOST_PASSWORD) to send through SMTP, or set "
        "DJANGO_ALLOW_CONSOLE_EMAIL=true if printing it is really meant."
    )
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="B12 log <b12@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the app is reached from outside, for absolute links in emails (no trailing slash).
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Web Push reminders (reminders/push.py): the VAPID key pair (`manage.py vapid_keys` makes one)
# and a contact for the push services (mailto: or https:). Without both keys, notifications
# are off and the settings page says so; reminders go by email.
VAPID_PUBLIC_KEY = env.str("DJANGO_VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("DJANGO_VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("DJANGO_VAPID_SUBJECT", default="mailto:b12@localhost")
# The number the emergency banner's tap-to-call link dials (check-ins with signs of a severe
# allergic reaction). 112 reaches emergency services across Europe and from most mobile phones
# elsewhere; set the local number (911, 999, 000...) where the app is used.
EMERGENCY_NUMBER = env.str("DJANGO_EMERGENCY_NUMBER", default="112")

# Password-guess throttling (accounts.throttle, on django-axes), for the app's and the admin's
# sign-in and the signed-in password checks alike. LOGIN_FAILURE_LIMIT wrong passwords for one
# account from one address pause that pair for the cool-off time; one address is paused after
# LOGIN_ADDRESS_FAILURE_LIMIT failures whatever the accounts; one account, whatever the
# addresses, makes each attempt past LOGIN_ACCOUNT_FREE_FAILURES wait a doubling delay (at
# most the cool-off time). Nobody can lock someone else out from their own address.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15))
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
LOGIN_ACCOUNT_FREE_FAILURES = env.int("DJANGO_LOGIN_ACCOUNT_FREE_FAILURES", default=10)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.throttle.ThrottleHandler"
AXES_USERNAME_CALLABLE = "accounts.throttle.username_of"
# A refused attempt is neither checked nor counted: waiting the pause out always works.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)

# Two-step sign-in (accounts/second_factor.py): these roles must add an authenticator app
# before they can use anything; others may (from their account page). On in production;
# off under DJANGO_DEBUG (so `make run`'s demo logins work) unless DJANGO_TWO_FACTOR_REQUIRED
# says otherwise.
TWO_FACTOR_REQUIRED_ROLES = (
    env.list("DJANGO_TWO_FACTOR_REQUIRED_ROLES", default=["clinician", "pharmacist", "admin"])
    if env.bool("DJANGO_TWO_FACTOR_REQUIRED", default=not DEBUG)
    else []
)
OTP_TOTP_ISSUER = env.str("DJANGO_TWO_FACTOR_ISSUER", default="B12 log")
# Wrong codes wait 1, 2, 4, 8... seconds times this before the next is checked (django-otp).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Idle sessions end: activity pushes the expiry on (accounts.middleware.IdleSessionMiddleware),
# so this is a time of inactivity.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_MINUTES", default=30) * 60
# A patient who ticks "Keep me signed in on this device" stays signed in on that browser for
# this many days after their last visit (accounts/devices.py); clinicians and admins never do.
REMEMBER_DAYS = env.int("DJANGO_REMEMBER_DAYS", default=90)

# Content-Security-Policy: everything from this host only; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's icons are data: SVGs in its CSS
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Production hardening; on by default whenever DEBUG is off.
SECURE = env.bool("DJANGO_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
# Trust X-Forwarded-Proto only from a proxy that sets it: anyone else could send it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# A load balancer checks /health/ over plain HTTP: no redirect to HTTPS for it.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
