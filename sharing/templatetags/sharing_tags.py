"""The care-team card on the patient's home shows requests waiting for approval."""

from django import template
from django.utils.translation import gettext_lazy as _

from accounts.models import CareTeamMembership

from ..models import ShareCode

register = template.Library()

JOINED_HOW = {
    CareTeamMembership.Source.SHARE_CODE: _("your share code"),
    CareTeamMembership.Source.INVITATION: _("their invitation, which you accepted"),
    CareTeamMembership.Source.ADMIN: _("an administrator"),
}


@register.simple_tag
def share_requests_waiting(patient) -> list:
    """One query: the clinicians who entered the patient's codes, waiting for approval (expired
    requests are not waiting any more)."""
    return list(
        ShareCode.objects.filter(
            patient=patient,
            status=ShareCode.Status.PENDING,
            entered_at__gt=ShareCode.waiting_since(),
        )
        .select_related("clinician")
        .order_by("entered_at", "pk")
    )


@register.filter
def joined_how(source: str) -> str:
    """How a clinician came onto the care team, as the patient reads it."""
    return JOINED_HOW.get(source) or CareTeamMembership.Source(source).label
