"""Settings for the test suite: the real settings with a throwaway key, no HTTPS redirect,
plain static storage (the manifest storage needs collectstatic) and a fast password hasher."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-any-deployment")
os.environ.setdefault("DJANGO_SECURE", "false")
# Tests run on SQLite unless DATABASE_URL names a server, and Django's test runner swaps the
# email backend for its in-memory one: neither is the silent degradation production refuses.
os.environ.setdefault("DJANGO_ALLOW_SQLITE", "true")
os.environ.setdefault("DJANGO_ALLOW_CONSOLE_EMAIL", "true")
# Notifications are on, as on a site that set them up: a pair made for the tests only
# (`manage.py vapid_keys`). Tests of a site without them set these to "".
os.environ.setdefault(
    "DJANGO_VAPID_PUBLIC_KEY",
    "BEYoA_YxhKGzILLOuwvgQZHV4UE4cSnKUJS3Nh80_ojUs77FUoi8p6ah5JfyWucV64fVqfWJRSUVO2LxlacKHLc",
)
os.environ.setdefault("DJANGO_VAPID_PRIVATE_KEY", "QRIBzyRnHb1qK4a1xKQ6RbzYuMC-f7NrnwYQNW_hUXc")  # noqa: S105 - a test key

from config.settings import *  # noqa: E402,F403

STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Label photos saved by the tests go to a throwaway directory, never the project's.
STORAGES["labels"]["OPTIONS"]["location"] = os.environ.get(  # noqa: F405
    "DJANGO_TEST_LABELS_ROOT", os.path.join(tempfile.gettempdir(), "b12-test-labels")
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Many tests sign in at one frozen time and look at the pages at another; the idle timeout
# has its own test (tests/accounts/test_security.py), which sets it back to 30 minutes.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Most tests sign clinicians and admins in with force_login, standing for a whole sign-in; the
# two-step sign-in's own tests (tests/accounts/test_second_factor.py) require it for them.
TWO_FACTOR_REQUIRED_ROLES = []
