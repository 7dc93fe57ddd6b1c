"""Browser tests: Playwright's sync API driving the system Chromium against `live_server`.

Without Chromium (at /usr/bin/chromium, or CHROMIUM_PATH) every test here is skipped with a
message saying how to install it, unless REQUIRE_BROWSER_TESTS=1, as in CI, where a missing
browser must fail the run instead of passing it quietly.
"""

import os
import re
import threading
import warnings
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from tests import factories

HERE = Path(__file__).resolve().parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
# A page here answers in milliseconds, but CI's two cores may be busy with the other tests'
# workers: long enough for that, short enough not to hang.
TIMEOUT_MS = 15_000
STEP_MS = 10


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time. On SQLite the tests' database lives in
    memory and every server thread shares the test's one connection, so two requests at once
    (a double click, a chart still loading as the next page opens) would interleave their
    transactions on it and fail in ways no deployment can: on PostgreSQL each request has its
    own connection, and tests/doses/test_concurrency.py sends identical requests at once there.
    Connections are still accepted in threads; only the application is entered in turn."""

    def set_app(self, application):
        lock = threading.Lock()

        def in_turn(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(in_turn)


LiveServerThread.server_class = OneRequestAtATime


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser, so `-m "not browser"` leaves them out."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so `page` can tell that its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not Path(path).is_file():
        install = "install it with apt-get install chromium"
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(
                f"Chromium not found at {path}: browser tests are required "
                f"(REQUIRE_BROWSER_TESTS=1); {install}, or set CHROMIUM_PATH"
            )
        pytest.skip(f"Chromium not found at {path}: browser tests skipped; {install}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh context (no cookies) per test. Uncaught script errors fail the test; on failure
    a screenshot goes to test-artifacts/."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    in_flight = set()
    context.on("request", lambda sent: in_flight.add(sent))
    context.on("requestfinished", lambda done: in_flight.discard(done))
    context.on("requestfailed", lambda failed: in_flight.discard(failed))
    tab = context.new_page()
    script_errors = []
    tab.on("pageerror", lambda error: script_errors.append(error))
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        artifacts = Path(request.config.rootpath) / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        try:
            tab.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        except PlaywrightError as exc:  # a page stuck mid-navigation: the report matters more
            warnings.warn(f"no screenshot for {request.node.nodeid}: {exc}", stacklevel=1)
    # Let the page's last requests (a chart image, say) be answered before the test's data is
    # emptied: a view still running then writes rows about a patient who is gone, in the
    # database connection the live server shares with the next test. Playwright delivers the
    # request events while it waits, so the wait is in short steps; networkidle would do the
    # same but adds half a second of quiet to every test.
    waited = 0
    try:
        while in_flight and waited < TIMEOUT_MS:
            tab.wait_for_timeout(STEP_MS)
            waited += STEP_MS
    except PlaywrightError:  # the test closed its tab: nothing of it is still loading
        in_flight.clear()
    if in_flight:
        urls = sorted(pending.url for pending in in_flight)
        warnings.warn(f"{request.node.nodeid} ended with requests in flight: {urls}", stacklevel=1)
    context.close()
    assert not script_errors, f"uncaught script errors in the page: {script_errors}"


def login(page, live_server, email: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the real login form and wait for the home page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
