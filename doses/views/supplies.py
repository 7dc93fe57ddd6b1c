"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


supplies = supply_new = supply_correct = supply_delete = supply_restore = _todo
