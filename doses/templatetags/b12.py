"""Small display helpers shared by the patient's and the clinician's pages."""

from django import template

from doses import when
from regimens import reference, schedule
from regimens.models import PhaseKind
from symptoms import checkin_alerts
from symptoms.models import ALLERGY_SIGNS

register = template.Library()


@register.filter
def status_text(status: tuple[str, int]) -> str:
    """Rule 8 in words: "in 3 days", "due today", "2 days late" (doses/when.py)."""
    return when.status_phrase(status)


@register.filter
def status_class(status: tuple[str, int]) -> str:
    return {"upcoming": "success", "due_today": "warning", "overdue": "danger"}.get(
        status[0], "secondary"
    )


@register.filter
def due_status(day, today) -> tuple[str, int]:
    return schedule.status(day, today)


@register.filter
def phase_kind_name(kind: str) -> str:
    """A phase kind's name ("Maintenance") for its stored code ("maintenance")."""
    return str(PhaseKind(kind).label) if kind in PhaseKind.values else kind


@register.filter
def site_name(code: str) -> str:
    return reference.site_name(code) if code else ""


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter
def volume_ml(dose, strength) -> str:
    """The volume to draw for a dose in mcg at a strength in mcg/mL, as "1.00 mL"."""
    try:
        return f"{int(dose) / int(strength):.2f} mL"
    except (TypeError, ValueError, ZeroDivisionError):
        return "–"


@register.inclusion_tag("doses/_emergency_banner.html")
def emergency_banner():
    """The banner a ticked allergy sign brings up at once, naming the ticked signs
    (static/js/emergency.js), with the emergency number."""
    return {
        "emergency": reference.urgent("emergency"),
        "emergency_number": checkin_alerts.emergency_number(),
        "emergency_tel": checkin_alerts.emergency_tel(),
        "signs": ALLERGY_SIGNS,
    }


@register.filter
def effect_names(stored) -> str:
    """Ticked side effects (stored in English), in the reader's language."""
    return ", ".join(reference.side_effect_name(item) for item in stored or [])


@register.filter
def sign_names(keys) -> str:
    """Ticked allergy signs, by name, in the list's order."""
    return ", ".join(checkin_alerts.sign_names(keys or []))
