"""Output for other programs (FHIR, CSV, the calendar feed) is written in the source language,
English, whatever the language of the request that asked for it."""

import functools

from django.utils import translation


def in_source_language(func):
    """Run `func` with translation switched off. A new `override` for every call: one shared
    instance (as `@translation.override(None)` makes) keeps the previous language on itself,
    which two threads at once would swap."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(None):
            return func(*args, **kwargs)

    return wrapper
