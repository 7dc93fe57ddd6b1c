"""Role fixtures shared by every test module."""

import os

import pytest

from tests import clock, factories

# pytest-django's live_server runs Django in a thread while Playwright's sync API runs an
# event loop in the test thread; Django would otherwise refuse ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: ids are reused once a test's rows are rolled
    back, and a cached home page must never outlive its test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "frozen(moment): the clock stands still at this aware datetime for the test"
    )


@pytest.fixture(autouse=True)
def english_to_begin_with():
    """Each test starts in the site's default language: a request by a Spanish reader leaves
    Spanish active in the thread that served it, which is the test's own."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def frozen(request):
    """For a test (or module, through pytestmark) marked `frozen(moment)`, the clock stands
    still at that moment from before the test's own fixtures are built until it ends. Tests
    that move the clock themselves use tests.clock.frozen as a context manager."""
    marker = request.node.get_closest_marker("frozen")
    if marker is None:
        yield
        return
    with clock.frozen(*marker.args, **marker.kwargs):
        yield


@pytest.fixture
def patient(db):
    return factories.PatientFactory(name="Pat Patient", email="pat@example.org")


@pytest.fixture
def other_patient(db):
    return factories.PatientFactory(name="Olga Other", email="olga@example.org")


@pytest.fixture
def clinician(db, patient):
    doc = factories.ClinicianFactory(name="Dr Care", email="care@example.org")
    factories.CareTeamFactory(patient=patient, clinician=doc)
    return doc


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory(name="Ada Admin", email="ada@example.org")


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client
