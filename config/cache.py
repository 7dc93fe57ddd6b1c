"""The Redis cache: django-redis, treating Redis as a cache.

django-redis rather than Django's own RedisCache, because Django's builds a new redis-py client
object for every cache call, which costs more than the round trip to a local Redis, where
django-redis keeps one client per server. Measured on the cached patient home (bench/
speedups.py, docs/performance.md): with Django's backend the page takes 1.14 to 1.19 times as
long (two runs; 1.31 against 1.15 ms of server CPU time in the latter); with django-redis, as
long as with a client kept by hand, which this module used to do through Django's private
methods.

The cache is only a cache: when Redis cannot be reached, a read is a miss, a write is skipped
and pages are built from the database (sessions are `cached_db`, so they are read from the
database too). A write or delete that could not reach Redis may leave an old value there (a
signed-out session, say), so the process that missed it empties the cache the next time Redis
answers. Short socket timeouts keep a hung Redis from holding a request for long. Only the
cache API that Django documents is wrapped here, each method calling django-redis's own.
"""

import logging

import redis
from django_redis.cache import RedisCache as DjangoRedisCache

logger = logging.getLogger(__name__)

UNREACHABLE = (redis.RedisError, OSError)
# Seconds (django-redis's options); OPTIONS in CACHES can override them.
SOCKET_TIMEOUTS = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        options = {**SOCKET_TIMEOUTS, **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})
        self.stale = False  # a write or delete failed: Redis may hold an old value

    def _safely(self, method, miss, *args, write=False, **kwargs):
        try:
            if self.stale:
                super().clear()
                self.stale = False
                logger.warning("Redis is back: emptied the cache of what was missed")
            return method(*args, **kwargs)
        except UNREACHABLE as exc:
            self.stale = self.stale or write
            logger.warning("Redis unavailable, %s skipped: %s", method.__name__, exc)
            return miss

    def get(self, key, default=None, *args, **kwargs):
        return self._safely(super().get, default, key, default, *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._safely(super().get_many, {}, *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._safely(super().has_key, False, *args, **kwargs)

    def add(self, *args, **kwargs):
        return self._safely(super().add, False, *args, write=True, **kwargs)

    def set(self, *args, **kwargs):
        return self._safely(super().set, False, *args, write=True, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._safely(super().set_many, [], *args, write=True, **kwargs)

    def touch(self, *args, **kwargs):
        return self._safely(super().touch, False, *args, write=True, **kwargs)

    def delete(self, *args, **kwargs):
        return self._safely(super().delete, False, *args, write=True, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._safely(super().delete_many, 0, *args, write=True, **kwargs)

    def clear(self):
        return self._safely(super().clear, False, write=True)
