"""What every factory module shares."""

from collections.abc import Iterable


def bulk(factory_class, rows: Iterable[dict]) -> list:
    """Build one object per dict of `rows` with `factory_class` and write them all in one
    query: no save(), so no signal and no computed field (set those in the rows). Pass every
    related object: a sub-factory would only build an unsaved one."""
    model = factory_class._meta.model
    return model.objects.bulk_create([factory_class.build(**row) for row in rows])
