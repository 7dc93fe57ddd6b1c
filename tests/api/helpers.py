"""Calling the API as a token's holder."""

import json

from api import tokens
from api.models import ApiToken


def token_for(user, scope=ApiToken.Scope.WRITE, name="Test app") -> str:
    return tokens.create(user, name, scope)[1]


def headers(token: str, key: str | None = None) -> dict:
    found = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        found["HTTP_IDEMPOTENCY_KEY"] = key
    return found


def get(client, path: str, token: str | None):
    return client.get(f"/api/v1{path}", **(headers(token) if token else {}))


def post(client, path: str, token: str | None, body: dict, key: str | None = None):
    return client.post(
        f"/api/v1{path}",
        data=json.dumps(body, default=str),
        content_type="application/json",
        **(headers(token, key) if token else {}),
    )
