"""The cache is only a cache (config/cache.py): with Redis unreachable, a read is a miss, a
write is skipped, sessions (cached_db) come from the database and pages still work.

Redis is "unreachable" at 127.0.0.1:1, where nothing listens: the connection is refused at
once, so these tests are fast and need no Redis server."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from django.test import override_settings
from django.urls import reverse

from config.cache import RedisCache

pytestmark = pytest.mark.django_db

BACKEND = "config.cache.RedisCache"
CLOSED = "redis://127.0.0.1:1/0"
OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}


def closed_cache():
    return RedisCache(CLOSED, {"OPTIONS": OPTIONS})


@pytest.fixture
def redis_down():
    with override_settings(
        CACHES={"default": {"BACKEND": BACKEND, "LOCATION": CLOSED, "OPTIONS": OPTIONS}},
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
    ):
        yield


def test_reads_are_misses_and_writes_are_skipped():
    cache = closed_cache()
    cache.set("home:1", "a page", 30)
    assert cache.get("home:1") is None
    assert cache.get("home:1", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("a", 1) is False
    assert "a" not in cache
    cache.set_many({"a": 1})
    cache.delete("a")
    cache.delete_many(["a"])
    cache.touch("a")
    cache.clear()
    assert cache.get_or_set("computed", lambda: "from the database") == "from the database"


def _socket_timeout(cache) -> float:
    return cache.client.get_client().connection_pool.connection_kwargs["socket_timeout"]


def test_default_socket_timeouts_are_short_and_can_be_changed():
    # django-redis keeps one connection pool per address in a process: two addresses here.
    assert _socket_timeout(RedisCache("redis://127.0.0.1:1/7", {})) == 0.5
    changed = RedisCache("redis://127.0.0.1:1/8", {"OPTIONS": {"SOCKET_TIMEOUT": 2}})
    assert _socket_timeout(changed) == 2


def test_sessions_are_kept_in_the_database_while_redis_is_away(redis_down, patient):
    signed_in = SessionStore()
    signed_in[SESSION_KEY] = str(patient.pk)
    signed_in.create()
    assert SessionStore(session_key=signed_in.session_key).get(SESSION_KEY) == str(patient.pk)


def test_a_signed_in_patient_keeps_using_the_app_while_redis_is_away(redis_down, client, patient):
    client.force_login(patient)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Pat Patient" in home.content.decode()
    history = client.get(reverse("history"))
    assert history.status_code == 200  # still signed in: not sent to the sign-in page
    assert "History" in history.content.decode()
