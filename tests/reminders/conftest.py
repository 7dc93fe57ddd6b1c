"""Fixtures of the reminder tests: a push service on 127.0.0.1 and the site's VAPID keys."""

import pytest

from reminders.push import new_key_pair
from tests.reminders.test_push import SUBJECT, PushService


@pytest.fixture
def service():
    running = PushService()
    yield running
    running.close()


@pytest.fixture
def vapid(settings):
    public, private = new_key_pair()
    settings.VAPID_PUBLIC_KEY = public
    settings.VAPID_PRIVATE_KEY = private
    settings.VAPID_SUBJECT = SUBJECT
    settings.SITE_URL = "https://b12.example.org"
    return public
