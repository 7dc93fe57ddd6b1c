"""With a shared cache (DJANGO_CACHE_URL naming a Redis server), sessions are read from it:
a sign-out in one server process must end the session in every other at once.

These need the Redis server on 127.0.0.1:6379 (CI has one: REQUIRE_REDIS=1 turns a missing
server into a failure); elsewhere they skip and say why."""

import os

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import caches
from django.test import override_settings

from config.cache import RedisCache

# One Redis database for the whole file: under pytest-xdist its tests share one worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("redis")]

URL = "redis://127.0.0.1:6379/13"


def _reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


if not _reachable():
    reason = f"no Redis server at {URL}: the shared-cache tests need one"
    if os.environ.get("REQUIRE_REDIS"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def _process():
    """What one server process has: its own cache object over the same Redis."""
    return RedisCache(URL, {})


@pytest.fixture
def shared():
    redis_cache = _process()
    redis_cache.clear()
    # Django's test signals give the cache handler the new CACHES, and the old ones after.
    with override_settings(
        CACHES={"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": URL}}
    ):
        assert isinstance(caches["default"], RedisCache)
        yield
    redis_cache.clear()


def test_a_sign_out_in_one_process_ends_the_session_in_another(shared, patient):
    signed_in = SessionStore()
    signed_in[SESSION_KEY] = str(patient.pk)
    signed_in.create()
    key = signed_in.session_key

    elsewhere = SessionStore(session_key=key)
    assert elsewhere.get(SESSION_KEY) == str(patient.pk)

    signed_in.flush()  # what signing out does
    assert SessionStore(session_key=key).get(SESSION_KEY) is None


def test_what_one_process_stores_another_reads_and_each_keeps_one_client():
    one, two = _process(), _process()
    one.set("home:test", "the page", 30)
    assert two.get("home:test") == "the page"
    client = one.client.get_client()
    assert one.client.get_client() is client  # built once, not on every call
    one.delete("home:test")
    assert two.get("home:test") is None


def test_a_delete_that_missed_redis_empties_the_cache_when_redis_is_back(monkeypatch):
    """A sign-out while Redis was away deletes the session from the database only; the copy
    left in Redis must not be read once Redis answers again."""
    import redis

    one, two = _process(), _process()
    one.set("session:test", "signed in", 30)
    client = one.client.get_client(write=True)

    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("Connection refused")

    monkeypatch.setattr(client, "delete", unreachable)
    one.delete("session:test")  # skipped: Redis is away
    monkeypatch.undo()
    assert two.get("session:test") == "signed in"  # the stale copy is still there
    assert one.get("session:test") is None  # the next call that reaches Redis empties it
    assert two.get("session:test") is None
