"""Lab results (entered through the real action, or written as rows) and the typical
ranges an admin sets."""

from decimal import Decimal

import factory

from labs import actions
from labs.models import LabRange, LabResult

from .accounts import PatientFactory


class LabResultFactory(factory.django.DjangoModelFactory):
    """A serum B12 of 350 pg/mL entered by the patient; pass `taken_on`. A value may be
    given as a string ("148"). Written as is: no triage copy is refreshed."""

    class Meta:
        model = LabResult

    patient = factory.SubFactory(PatientFactory)
    recorded_by = factory.SelfAttribute("patient")
    analyte = "b12"
    value = Decimal("350")
    unit = "pg/mL"

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("value"), str):
            kwargs["value"] = Decimal(kwargs["value"])
        return kwargs


class LabRangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabRange

    analyte = "b12"
    low = Decimal("200")
    high = Decimal("900")


def record_lab(
    patient, taken_on, value="350", *, by=None, analyte="b12", unit="pg/mL", **values
) -> LabResult:
    """A result entered through the real action, checked as the form's would be; by the
    patient unless `by` says who. A value may be given as a string ("148")."""
    result, _ = actions.record_lab(
        patient,
        by or patient,
        taken_on=taken_on,
        analyte=analyte,
        value=Decimal(value),
        unit=unit,
        **values,
    )
    return result
