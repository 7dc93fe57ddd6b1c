"""Signing in checks the password as Django's ModelBackend does; what differs is how the
signed-in user of every request is read.

Every signed-in page reads the user by primary key. Through the ORM, building that one query
takes longer than PostgreSQL takes to answer it. Here the statement is written once per process
and the ORM still turns the row into a User (raw()), with each field's converters, so the user
is the same object either way (tests/accounts/test_backends.py).

Measured (bench/speedups.py, docs/performance.md): on the cached patient home, the page where
the user's read weighs most, ModelBackend takes 1.12 to 1.15 times as long (two runs; 1.28
against 1.15 ms of server CPU time in the latter); on the history it is within the noise.
"""

import functools

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from .models import User


@functools.cache
def _select(alias: str) -> str:
    """SELECT every column of the user's table for one primary key, quoted for `alias`."""
    quote = connections[alias].ops.quote_name
    meta = User._meta
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608  # nosec B608 - names from the model


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        """As ModelBackend.get_user: the active user with this id (from the session), or None."""
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = router.db_for_read(User)
        user = next(iter(User.objects.db_manager(alias).raw(_select(alias), [pk])), None)
        return user if user is not None and self.user_can_authenticate(user) else None
