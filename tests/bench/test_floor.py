"""bench/floor.py's pages (bench/floor_urls.py): served only under its own URLconf, each for a
signed-in user, each answering a page of the size asked for after doing its part of the work."""

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from tests import factories

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

PREFIX = len("<!doctype html>\n")


def test_the_app_itself_serves_no_floor_page(patient_client):
    for url in ("/floor/bare/", "/floor/queries/4/", "/floor/data/"):
        assert patient_client.get(url).status_code == 404


@override_settings(ROOT_URLCONF="floor_urls")
@pytest.mark.parametrize("url", ["/floor/bare/", "/floor/queries/4/", "/floor/data/"])
def test_a_floor_page_wants_a_signed_in_user(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@override_settings(ROOT_URLCONF="floor_urls")
@pytest.mark.parametrize("count", [0, 4, 11])
def test_the_queries_page_makes_as_many_queries_as_asked(patient_client, count):
    patient_client.get("/floor/bare/")  # the session and the user read once beforehand
    with CaptureQueriesContext(connection) as bare:
        patient_client.get("/floor/bare/")
    with CaptureQueriesContext(connection) as asked:
        response = patient_client.get(f"/floor/queries/{count}/?bytes=300")
    assert len(asked) - len(bare) == count
    assert len(response.content) == PREFIX + 300


@override_settings(ROOT_URLCONF="floor_urls")
@pytest.mark.frozen(date(2026, 3, 2))
def test_the_data_page_reads_what_the_home_reads_and_draws_no_template(patient, patient_client):
    began = patient.today() - timedelta(days=60)
    regimen = factories.regimen_for(patient, began)
    factories.add_injections(regimen, 5, began)
    factories.check_in(patient, score=2)
    expiry = patient.today() + timedelta(days=300)
    factories.add_supply(patient, count=10, expires_on=expiry, received_on=began)
    patient_client.get("/floor/bare/")
    with CaptureQueriesContext(connection) as bare:
        patient_client.get("/floor/bare/")
    with CaptureQueriesContext(connection) as data:
        response = patient_client.get("/floor/data/?bytes=50")
    cache.clear()  # the home drawn from nothing, as after a change
    with CaptureQueriesContext(connection) as home:
        page = patient_client.get("/")
    assert response.content == b"<!doctype html>\n" + b"x" * 50
    assert len(data) > len(bare)
    assert 'data-testid="home-chart"' in page.content.decode()  # the chart's tables read too
    # The same statements, word for word (the clock is frozen), whatever their order.
    assert sorted(query["sql"] for query in data.captured_queries) == sorted(
        query["sql"] for query in home.captured_queries
    )
