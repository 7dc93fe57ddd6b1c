"""Load the example regimen templates from the reference data, once."""

from django.db import transaction
from django.utils import timezone

from . import reference, template_rules
from .models import PhaseTemplate, RegimenTemplate


@transaction.atomic
def load_example_templates() -> tuple[int, int]:
    """Create each example template that does not exist yet (matched by name), published and
    checked by the same rules as the admin's (template_rules). Templates an admin has edited
    are left as they are. Returns (created, already present)."""
    created = present = 0
    for data in reference.regimens()["templates"]:
        phases = [
            PhaseTemplate.values_from_reference(order, phase)
            for order, phase in enumerate(data["phases"])
        ]
        template, is_new = RegimenTemplate.objects.get_or_create(
            name=data["name"],
            defaults={
                "medication": data["medication"],
                "default_route": data["route"],
                "source": data["source"],
                "is_example": True,
                # An open-ended phase before the last: a clinician advances it (rule 6).
                "clinician_advances": template_rules.open_before_last(phases),
                "status": RegimenTemplate.Status.PUBLISHED,
                "published_at": timezone.now(),
            },
        )
        if not is_new:
            present += 1
            continue
        created += 1
        template.clean_phases(phases)
        for values in phases:
            phase = PhaseTemplate(template=template, **values)
            phase.full_clean()
            phase.save()
    return created, present
