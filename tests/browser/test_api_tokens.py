"""A patient makes an API token in a real browser (My account › API tokens): named and read
only, shown once, working against the API, then revoked."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from api import auth
from tests import factories
from tests.browser.conftest import login


@pytest.fixture
def patient(db, monkeypatch):
    monkeypatch.setattr(auth, "RATE_PER_MINUTE", 10**6)  # the throttle is tested elsewhere
    person = factories.PatientFactory(name="Tia Token", email="tia.token@example.org")
    factories.regimen_for(person, person.today() - timedelta(days=2))
    return person


def test_a_read_only_token_is_made_shown_once_and_revoked(page, live_server, patient):
    login(page, live_server, patient.email)
    page.get_by_test_id("nav-account").click()
    page.get_by_test_id("api-tokens-link").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()

    page.get_by_label("Name").fill("Kitchen tablet")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_test_id("new-token")).to_contain_text("it is shown only once")
    token = page.get_by_test_id("token-value").inner_text().strip()
    listed = page.get_by_test_id("token").filter(has_text="Kitchen tablet")
    expect(listed).to_contain_text("Read only")
    expect(listed).to_contain_text(token[:8])  # the list shows the prefix to tell it apart

    # The token reads the patient's record, and may not write.
    bearer = {"Authorization": f"Bearer {token}"}
    me = page.request.get(f"{live_server.url}/api/v1/me", headers=bearer)
    assert me.status == 200
    assert me.json()["scope"] == "read"
    assert [p["name"] for p in me.json()["patients"]] == ["Tia Token"]
    write = page.request.post(
        f"{live_server.url}/api/v1/patients/{patient.pk}/skips",
        headers=bearer,
        data={"reason_kind": "away"},
    )
    assert write.status == 403

    # Shown once: the page opened again lists the token but no longer shows it.
    page.get_by_test_id("nav-account").click()
    page.get_by_test_id("api-tokens-link").click()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(page.get_by_text(token)).to_have_count(0)
    expect(listed).to_have_count(1)

    listed.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").filter(has_text="Token revoked")).to_be_visible()
    expect(page.get_by_test_id("token").filter(has_text="Kitchen tablet")).to_contain_text(
        "Revoked"
    )
    expect(page.get_by_role("button", name="Revoke")).to_have_count(0)
    assert page.request.get(f"{live_server.url}/api/v1/me", headers=bearer).status == 401
