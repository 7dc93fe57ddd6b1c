"""Nothing answers 500, whatever is sent: for every named URL of the app (the access matrix's,
tests/accounts/test_access.py, with its ids of one patient's record), as the patient, a
clinician on their care team and the admin, Hypothesis sends GETs with hostile query
parameters and POSTs with hostile values for every field of the forms on the page, plus
parameters of its own. Bad input is answered with a message, a 404, a redirect: never a 500.

Derandomized, with a few examples per URL, so that it is repeatable and quick (~1 minute).
"""

import traceback

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import pages
from tests.accounts.test_access import MATRIX, build_record

pytestmark = pytest.mark.django_db

ROLES = ("patient", "clinician", "admin")
# Values that broke, or could break, a parser or a bound somewhere: far dates, huge and odd
# numbers, quotes, markup, other scripts, nothing at all.
HOSTILE = [
    "",
    " ",
    "'",
    '"',
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "1900-01-01T00:00",
    "9999-12-31T23:59",
    "1.5",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "<script>alert(1)</script>",
    "ä½ å¥½",
    "Ω≈ç√∫",
    "%",
    "../../etc/passwd",
    "on",
    "true",
    "yes",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    # Any text but NUL (PostgreSQL refuses it; forms refuse it by Django's own validator).
    st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=["Cs"])),
)
# Query parameters the views read directly (not through a form on the page).
READ_BY_VIEWS = ["template", "page", "compact", "step", "next", "first", "last", "days", "q"]
SWEEP = ["0001-01-01", "9999-12-31", "'", "1.5", "99999999999999999999", ""]
OWN_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=12)


def field_names(response) -> list[str]:
    """The names of every field of every form on the page (none for a page that is not HTML)."""
    if "html" not in response.get("Content-Type", ""):
        return []
    soup = pages.soup(response)
    names = {
        tag["name"]
        for tag in soup.select("form input[name], form select[name], form textarea[name]")
    }
    names.discard("csrfmiddlewaretoken")
    return sorted(names)


def assert_no_server_error(response, what) -> None:
    if response.status_code >= 500:
        detail = ""
        if getattr(response, "exc_info", None):
            detail = "".join(traceback.format_exception(*response.exc_info))
        raise AssertionError(f"{what} answered {response.status_code}\n{detail}")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_no_request_answers_a_server_error(name, patient, clinician, admin_user):
    page = MATRIX[name]
    record = build_record(
        patient, page.template, deleted=page.dose_deleted, supply_deleted=page.supply_deleted
    )
    url = reverse(name, args=page.args(record))
    clients = {}
    for role, user in zip(ROLES, (patient, clinician, admin_user), strict=True):
        browser = Client(raise_request_exception=False)
        browser.force_login(user)
        first = browser.get(url)
        assert_no_server_error(first, f"GET {url} as {role}")
        clients[role] = (browser, user, field_names(first))

    # First, every parameter and field at once set to each of the values most likely to break
    # a parser or a bound; then Hypothesis' own mixes of values and parameters.
    for value in SWEEP:
        for role, (browser, user, fields) in clients.items():
            send(url, role, browser, user, dict.fromkeys([*READ_BY_VIEWS, *fields], value), {})

    @settings(
        max_examples=4,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data):
        for role, (browser, user, fields) in clients.items():
            keys = data.draw(
                st.lists(st.sampled_from([*READ_BY_VIEWS, *fields]) | OWN_KEYS, min_size=1)
            )
            params = {key: data.draw(VALUES) for key in keys}
            form = {key: data.draw(VALUES) for key in fields}
            send(url, role, browser, user, params, form)

    fuzz()


def send(url, role, browser, user, params, form) -> None:
    """A GET with `params`, then a POST of `form` and `params`, neither answering a 500."""
    browser.force_login(user)  # an earlier POST may have signed them out
    response = browser.get(url, params)
    assert_no_server_error(response, f"GET {url} {params!r} as {role}")
    response = browser.post(url, {**form, **params})
    assert_no_server_error(response, f"POST {url} {[*form, *params]!r} as {role}")
