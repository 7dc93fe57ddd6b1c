"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


export_csv = patient_export_csv = _todo
