"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


reminder_settings = calendar_feed_token = calendar_feed = _todo
