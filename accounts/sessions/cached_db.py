"""Cached-database sessions whose renewals do not wait for the disk
(accounts/sessions/__init__.py): read from the cache, written to both."""

from django.contrib.sessions.backends import cached_db

from . import SessionStore as DatabaseStore


class SessionStore(cached_db.SessionStore, DatabaseStore):
    """cached_db's reads and cache writes; its database write is DatabaseStore.save()."""
