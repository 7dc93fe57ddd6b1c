"""Tests of a migration: the database as some earlier migrations left it, then forward again."""

from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def migrated_back(targets):
    """Migrate to `targets` ([(app, migration or None)]) and give the models as they were then
    (of the first target's state); migrate to the newest state afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    try:
        yield executor.loader.project_state(targets[0]).apps
    finally:
        executor = MigrationExecutor(connection)  # reads which migrations are applied now
        executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()


def migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)
    ContentType.objects.clear_cache()
