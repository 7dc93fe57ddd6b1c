"""When the database cannot be reached (PostgreSQL restarting, a connection cut): a read is
tried once more on a fresh connection, and what still fails is a 503 page with Retry-After that
says nothing was saved and that the form can be sent again, never a 500 (config/unavailable.py).

The failure is a query wrapper (connection.execute_wrapper) raising the OperationalError that
psycopg's errors become, on as many queries as a test asks."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.urls import reverse

from doses.models import DoseLog
from tests import factories, pages
from tests.clock import frozen
from tests.doses.test_log_dose import form_page

pytestmark = pytest.mark.django_db

NOW = datetime.combine(date(2026, 3, 10), time(12), tzinfo=ZoneInfo("UTC"))


class Outage:
    """Make the next `failures` queries fail as if the database had gone away."""

    def __init__(self, failures: int, error=OperationalError):
        self.failures, self.error, self.raised = failures, error, 0

    def __call__(self, execute, sql, params, many, context):
        if self.raised < self.failures:
            self.raised += 1
            raise self.error("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


@pytest.fixture
def signed_in(client, patient):
    with frozen(NOW):
        factories.regimen_for(patient, date(2026, 3, 2))
        client.force_login(patient)
        client.raise_request_exception = False  # answer as a server would, with the error page
        yield client


def page_text(response) -> str:
    return pages.text(pages.soup(response))


def test_a_read_that_loses_its_connection_is_run_again_and_the_page_shows(signed_in):
    outage = Outage(1)  # the first query of the request: loading the session
    with connection.execute_wrapper(outage):
        response = signed_in.get(reverse("history"))
    assert outage.raised == 1
    assert response.status_code == 200
    assert "History" in page_text(response)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_read_that_fails_twice_gets_the_unavailable_page_with_retry_after(signed_in, error):
    outage = Outage(100, error)
    with connection.execute_wrapper(outage):
        response = signed_in.get(reverse("history"))
    assert outage.raised == 2  # the request and one retry, no more
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    text = page_text(response)
    assert "nothing from this request was saved" in text
    assert "try again in 5 seconds" in text


def test_a_form_sent_while_the_database_is_away_is_not_retried_and_saves_nothing(signed_in):
    data = form_page(signed_in)
    data.pop("csrfmiddlewaretoken", None)
    outage = Outage(100)
    with connection.execute_wrapper(outage):
        response = signed_in.post(reverse("log_dose"), data)
    assert outage.raised == 1  # a form is never sent again by the server
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    text = page_text(response)
    assert "nothing from this request was saved" in text
    assert "safe to send the same form again" in text
    assert not DoseLog.objects.exists()

    # Sending the same form again once the database is back records it, once.
    assert signed_in.post(reverse("log_dose"), data).status_code == 302
    assert signed_in.post(reverse("log_dose"), data).status_code == 302
    assert DoseLog.objects.count() == 1


def test_other_errors_keep_the_ordinary_error_page(signed_in, monkeypatch):
    from django.db import ProgrammingError

    outage = Outage(1, ProgrammingError)
    with connection.execute_wrapper(outage):
        response = signed_in.get(reverse("history"))
    assert outage.raised == 1  # not a lost connection: not run again
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong on our side" in page_text(response)
