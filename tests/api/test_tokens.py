"""API tokens: made, named, scoped and revoked in account settings; shown once, stored as a
hash; a token that is wrong, revoked or read-only is refused; each token is throttled."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from api import auth, tokens
from api.models import ApiToken
from doses.models import DoseLog
from tests.clock import frozen

from .helpers import get, post, token_for

pytestmark = pytest.mark.django_db


def test_a_token_is_made_shown_once_and_stored_as_a_hash(client, patient):
    client.force_login(patient)
    response = client.post(reverse("api_tokens"), {"name": "My phone", "scope": "write"})
    assert response.status_code == 200
    shown = BeautifulSoup(response.content, "html.parser").select_one("[data-testid=token-value]")
    token = shown.get_text(strip=True)
    row = ApiToken.objects.get(user=patient)
    assert (row.name, row.scope) == ("My phone", ApiToken.Scope.WRITE)
    assert row.token_hash == tokens.digest(token) and token not in row.token_hash
    # The list shows the token's name and start, never the token again.
    listed = client.get(reverse("api_tokens")).content.decode()
    assert "My phone" in listed and row.prefix in listed and token not in listed
    me = get(client, "/me", token).json()
    assert me["patients"] == [{"id": patient.pk, "name": patient.name}]


def test_a_token_needs_a_name_and_a_scope(client, patient):
    client.force_login(patient)
    response = client.post(reverse("api_tokens"), {"name": " ", "scope": "admin"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_or_wrong_token_is_401(client, patient):
    token = token_for(patient)
    client.force_login(patient)
    row = ApiToken.objects.get(user=patient)
    response = client.post(reverse("revoke_api_token", args=[row.pk]))
    assert response.status_code == 302
    client.logout()
    for sent in (token, token + "x", "b12_nothing", None):
        response = get(client, "/me", sent)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert response.json()["detail"].startswith("Send a valid API token")


def test_only_the_owner_revokes_a_token(client, patient, other_patient):
    token = token_for(patient)
    client.force_login(other_patient)
    row = ApiToken.objects.get(user=patient)
    assert client.post(reverse("revoke_api_token", args=[row.pk])).status_code == 404
    assert get(client, "/me", token).status_code == 200


def test_a_read_only_token_reads_and_cannot_write(client, patient):
    token = token_for(patient, ApiToken.Scope.READ)
    assert get(client, f"/patients/{patient.pk}/doses", token).status_code == 200
    # The body's shape is checked first (422), then the scope.
    full = {"fatigue": 1, "tingling": 1, "numbness": 1, "balance": 1, "memory": 1, "mood": 1}
    response = post(client, f"/patients/{patient.pk}/checkins", token, full)
    assert response.status_code == 403
    assert "may only read" in response.json()["detail"]


def test_each_token_is_throttled_per_minute(client, patient, monkeypatch):
    monkeypatch.setattr(auth, "RATE_PER_MINUTE", 3)
    token, other = token_for(patient), token_for(patient, name="Other app")
    with frozen(patient.today(), 10, 0, 30):
        answers = [get(client, "/me", token).status_code for _ in range(4)]
        throttled = get(client, "/me", token)
        assert get(client, "/me", other).status_code == 200  # each token has its own count
    assert answers == [200, 200, 200, 429]
    assert throttled["Retry-After"] == "30"
    with frozen(patient.today(), 10, 1, 0):  # the next minute
        assert get(client, "/me", token).status_code == 200
    assert not DoseLog.objects.exists()
