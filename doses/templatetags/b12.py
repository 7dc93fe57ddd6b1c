"""Small display helpers shared by the patient's and the clinician's pages."""

import html

from django import template
from django.utils.safestring import mark_safe

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


# One row of a data table beside a chart (templates/timeline/_chart.html); each row is followed
# by the line break and indent the template had between rows.
_ROW_END = "</tr>\n          "


def _escaped(value) -> str:
    """As conditional_escape, without its wrapper for lazy values, paid on each of hundreds of
    cells: markup marked safe as it is, anything else as text (html.escape, as Django's)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@register.simple_tag
def table_rows(table) -> str:
    """The <tr> rows of a chart's data table (timeline.series.Table: rows of cells with a
    text, the column's label and, for a date, its ISO form), as the template wrote them cell by
    cell: a table of six months of injections is a few hundred cells, which the template
    language takes several milliseconds to draw and this a fraction of one."""
    out = []
    labels = {}  # each column's label, escaped once
    for row in table.rows:
        out.append("<tr>")
        for cell in row:
            label = labels.get(cell.label)
            if label is None:
                label = labels[cell.label] = _escaped(cell.label)
            text = _escaped(cell.text)
            if cell.when:
                text = f'<time datetime="{_escaped(cell.when)}">{text}</time>'
            out.append(f'<td data-label="{label}">{text}</td>')
        out.append(_ROW_END)
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703 - every value escaped above
