"""Placeholder: being written."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


export_fhir = patient_export_fhir = _todo
