"""The session engines (config/settings.py picks one): Django's database and cached-database
sessions, except that renewing a signed-in session does not wait for the disk.

IdleSessionMiddleware renews a session's expiry at most once a minute, by saving it: on the
first request of a visit, and on every request of a visit that lasts, a row of django_session
is updated. On PostgreSQL each such commit waits for the write-ahead log to reach the disk,
which holds the worker for as long again as drawing the page (measured: 11 ms of wall time
against 1.8 ms of CPU on the loaded bench machine). A renewal is not worth that wait: that
transaction alone commits without it (`SET LOCAL synchronous_commit TO OFF`; PostgreSQL's
docs, "Asynchronous Commit"). Should the database server crash within a fraction of a second
of a renewal, the row keeps its previous expiry (the cache, with cached_db, the new one), so
the session ends up to a minute earlier than it would have, and nothing else can be lost:
creating a session (signing in) and every other write still wait for the disk.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, IntegrityError, connections, router, transaction


class SessionStore(db.SessionStore):
    def save(self, must_create=False):
        """As Django's, with a renewal (an update of an existing row) committed without
        waiting for the disk on PostgreSQL."""
        if must_create or self.session_key is None:
            return super().save(must_create)
        obj = self.create_model_instance(self._get_session())
        using = router.db_for_write(self.model, instance=obj)
        try:
            with transaction.atomic(using=using):
                connection = connections[using]
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                obj.save(force_update=True, using=using)
        except IntegrityError:
            raise
        except DatabaseError:
            raise UpdateError from None
