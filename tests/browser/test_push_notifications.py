"""Turning notifications on in Chromium: the settings page registers the service worker
(/sw.js, scope the whole site) and posts the subscription, and the device is listed.

Headless Chromium here has no push service to reach (no internet), so
`PushManager.subscribe` is replaced before the page loads by one that returns a subscription
of fixed keys; everything else is the browser's own: the permission, the worker's
registration, and the page's POST with its CSRF token. (tests/reminders/test_push.py sends
to such a subscription and decrypts it.)"""

import json

import pytest
from playwright.sync_api import expect

from reminders.models import PushDevice
from tests import factories
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENDPOINT = "https://push.example.org/chromium-test"
SUBSCRIPTION = {"endpoint": ENDPOINT, "keys": {"p256dh": "BP" + "A" * 85, "auth": "A" * 22}}
STUB = (
    "PushManager.prototype.subscribe = function () {"
    "  return Promise.resolve({toJSON: function () { return " + json.dumps(SUBSCRIPTION) + "; }});"
    "};"
)


def test_turning_notifications_on_registers_the_worker_and_lists_the_device(
    page, live_server, patient
):
    factories.regimen_for(patient, patient.today())
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(STUB)
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/settings/")
    expect(page.get_by_test_id("push-no-devices")).to_be_visible()

    page.get_by_role("button", name="Turn on notifications on this device").click()

    expect(page.get_by_test_id("push-device")).to_have_count(1)
    expect(page.get_by_test_id("push-device")).to_contain_text("Chrome on Linux")
    expect(page.get_by_role("status").first).to_be_visible()
    scope = page.evaluate("navigator.serviceWorker.getRegistration('/').then(r => r && r.scope)")
    assert scope == f"{live_server.url}/"
    [device] = PushDevice.objects.filter(user=patient)
    assert device.endpoint == ENDPOINT

    page.get_by_test_id("push-device").get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("push-no-devices")).to_be_visible()
    assert not PushDevice.objects.filter(user=patient).exists()
