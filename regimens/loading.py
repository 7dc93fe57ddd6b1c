"""Load the example regimen templates from the reference data, once."""

from django.db import transaction

from . import reference
from .models import PhaseTemplate, RegimenTemplate


@transaction.atomic
def load_example_templates() -> tuple[int, int]:
    """Create each example template that does not exist yet (matched by name). Templates an
    admin has edited are left as they are. Returns (created, already present)."""
    created = present = 0
    for data in reference.regimens()["templates"]:
        template, is_new = RegimenTemplate.objects.get_or_create(
            name=data["name"],
            defaults={
                "medication": data["medication"],
                "default_route": data["route"],
                "source": data["source"],
                "is_example": True,
            },
        )
        if not is_new:
            present += 1
            continue
        created += 1
        for order, phase_data in enumerate(data["phases"]):
            phase = PhaseTemplate(
                template=template, **PhaseTemplate.values_from_reference(order, phase_data)
            )
            phase.full_clean()
            phase.save()
    return created, present
