"""Offline logging in Chromium (issue 18 §2): the patient's home and injection form, loaded
once online, are kept by the service worker and shown offline with the time they were kept;
an injection saved offline waits on the device, is sent when the connection is back, and is
recorded once however often it is sent; an injection the server does not simply record (an
early dose to confirm) comes back as the server's own page. Dates are the patient's today
and the schedule's own, never fixed ones."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from doses.models import DoseLog
from tests import factories
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The device's queue (static/js/offline.js), read and written as the page itself would.
READ_OUTBOX = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("b12-offline", 1);
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    const reading = db.transaction("outbox").objectStore("outbox").getAll();
    reading.onsuccess = () => { db.close(); resolve(reading.result); };
  };
})"""
PUT_BACK = """(item) => new Promise((resolve, reject) => {
  const opening = indexedDB.open("b12-offline", 1);
  opening.onerror = () => reject(opening.error);
  opening.onsuccess = () => {
    const db = opening.result;
    const writing = db.transaction("outbox", "readwrite");
    writing.objectStore("outbox").put(item);
    writing.oncomplete = () => { db.close(); resolve(); };
  };
})"""
KEPT = "(path) => caches.match(path, {cacheName: 'b12-pages-v1'}).then((found) => !!found)"


def keep_pages_online(page, live_server, *paths):
    """Open the pages once the worker controls the tab, and wait until each copy is kept."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_function(KEPT, arg=path)


def state(page):
    return page.get_by_test_id("outbox-item").get_by_test_id("outbox-state")


def test_an_injection_logged_offline_is_sent_once_when_back_online(page, live_server, patient):
    factories.regimen_for(patient, patient.today())  # the first injection is due today
    login(page, live_server, patient.email)
    keep_pages_online(page, live_server, "/", "/injections/log/")
    expect(page.get_by_test_id("offline-note")).to_be_hidden()

    page.context.set_offline(True)
    page.goto(live_server.url + "/")
    note = page.get_by_test_id("offline-note")
    expect(note).to_contain_text("Offline: shown as of")
    expect(note).not_to_contain_text("{time}")  # the time the copy was kept, written in
    page.goto(live_server.url + "/injections/log/")
    expect(page.get_by_test_id("offline-note")).to_be_visible()
    page.get_by_role("button", name="Save injection").click()

    expect(state(page)).to_have_text("waiting to send")
    expect(page.get_by_test_id("outbox")).to_contain_text("Injection")
    assert DoseLog.objects.filter(patient=patient).count() == 0
    [kept] = page.evaluate(READ_OUTBOX)
    assert kept["state"] == "waiting"

    page.context.set_offline(False)
    expect(state(page)).to_have_text("recorded")
    assert DoseLog.objects.filter(patient=patient).count() == 1

    # Sent again (a reload while it was being sent, say): the server records it once.
    page.evaluate(PUT_BACK, kept)
    page.reload()
    expect(state(page)).to_have_text("recorded")
    page.reload()
    expect(page.get_by_test_id("outbox")).to_be_hidden()
    [dose] = DoseLog.objects.filter(patient=patient)
    assert str(dose.submission_token) == kept["token"]

    # Signing out forgets the kept pages and the queue (health data on a shared device).
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.wait_for_function("() => caches.keys().then((names) => names.length === 0)")
    assert page.evaluate("() => indexedDB.databases().then((dbs) => dbs.length)") == 0


def test_an_early_dose_logged_offline_comes_back_as_the_page_to_confirm(page, live_server, patient):
    # The US course, every dose on its due date, the last nine days ago: the next is weeks away.
    regimen = factories.regimen_for(patient, patient.today() - timedelta(days=43))
    for _ in range(11):
        factories.give(regimen, regimen.next_due)
    assert regimen.next_due > patient.today()
    login(page, live_server, patient.email)
    keep_pages_online(page, live_server, "/injections/log/")

    page.context.set_offline(True)
    page.get_by_role("button", name="Save injection").click()
    expect(state(page)).to_have_text("waiting to send")

    page.context.set_offline(False)
    expect(state(page)).to_have_text("needs your attention")
    assert DoseLog.objects.filter(patient=patient).count() == 11  # nothing recorded, nothing lost

    page.get_by_test_id("outbox-item").get_by_role("button", name="Open the form").click()
    warning = page.get_by_test_id("timing-warning")
    expect(warning).to_contain_text("This dose would be early")
    warning.get_by_role("button", name="Yes, log this dose").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("outbox")).to_be_hidden()
    assert DoseLog.objects.filter(patient=patient).count() == 12
