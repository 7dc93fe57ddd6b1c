"""Charts drawn on the server as SVG, written directly as text: no script, no third-party host,
and they print as well as they show. Each series is a group with an id (`symptom-fatigue`,
`injections`, `phase-0`, `typical-range`, ...) so tests and assistive tools can find it: a line
with markers draws its line as a <path> and one <use> of the marker per point; a scatter one
<use> per point; bands and vertical marks a <path> each. The legend, under the plot, is the
group `legend`: each series' marker (its own shape, not its colour alone) and name. The <svg>
has role="img" with a <title> and a <desc> summarising the data. The drawing itself (sizes
legible on a phone, ticks, legend) is clinic/chart_drawing.py.

Every function takes plain values (dates, numbers), as timeline/series.py gathers them, and
returns the SVG text. Text is escaped (django.utils.html.escape), so the output is well-formed
XML whatever a label holds.
"""

from datetime import date, timedelta

from django.utils import dateformat
from django.utils.translation import gettext, ngettext

from accounts import dates

from .chart_drawing import SHAPES, Chart, date_ticks, label, nice_ticks

PHASE_COLOURS = {"repletion": "#fde2e2", "stabilization": "#fff3cd", "maintenance": "#e2f0fb"}
SYMPTOM_COLOURS = ["#0d6efd", "#d63384", "#fd7e14", "#198754", "#6f42c1", "#495057"]
INJECTION_COLOUR = "#adb5bd"


def _day(day: date) -> str:
    return dateformat.format(day, "j M Y")


def _date_range(chart: Chart, days: list[date]) -> None:
    """The x axis over the days: a few days (a short report range) show a month around them;
    otherwise the span with a small margin each side. As many dated ticks as fit, up to 6."""
    low, high = min(days), max(days)
    if high - low < timedelta(days=7):
        low, high = dates.add_days(low, -15), dates.add_days(high, 15)
    else:
        margin = max(1, (high - low).days // 40)
        low, high = dates.add_days(low, -margin), dates.add_days(high, margin)
    chart.x_range = (low.toordinal(), high.toordinal())
    for most in range(6, 0, -1):
        ticks = [(day.toordinal(), text) for day, text in date_ticks(low, high, most)]
        if chart.fits(ticks):
            break
    chart.x_axis(ticks)


def symptom_styles(symptoms):
    """(key, name, colour, marker shape) of each symptom, in the reference order."""
    return [
        (key, name, colour, shape)
        for (key, name), colour, shape in zip(symptoms, SYMPTOM_COLOURS, SHAPES, strict=False)
    ]


def symptoms_chart(checkins, injections, phases, symptoms, *, compact=False) -> str:
    """Scores over time. `checkins`: [(date, {key: score})]; `injections`: [date];
    `phases`: [(kind, label, first day, last day)]; `symptoms`: [(key, name)]."""
    chart = Chart(gettext("Symptoms (0 none – 10 worst)"), compact)
    chart.y_range = (0, 10.5)
    if checkins:
        chart.y_axis(gettext("score"), [0, 2, 4, 6, 8, 10])
    days = [day for day, _ in checkins] + list(injections)
    days += [day for _k, _l, first, last in phases for day in (first, last)]
    if days:
        _date_range(chart, days)
    for index, (kind, name, first, last) in enumerate(phases):
        colour = PHASE_COLOURS.get(kind, "#eeeeee")
        chart.vertical_band(f"phase-{index}", first.toordinal(), last.toordinal(), colour)
        chart.legend.append(("band", colour, name))
    if injections:
        chart.vertical_marks(
            "injections", [day.toordinal() for day in injections], INJECTION_COLOUR
        )
        chart.legend.append(("mark", INJECTION_COLOUR, gettext("injection")))
    injected = ngettext("%(count)d injection.", "%(count)d injections.", len(injections)) % {
        "count": len(injections)
    }
    if not checkins:
        chart.empty(gettext("No check-ins yet"))
        chart.frame()
        return chart.svg(f"{gettext('No check-ins yet')}. {injected}")
    for key, name, colour, shape in symptom_styles(symptoms):
        values = [(day.toordinal(), scores[key]) for day, scores in checkins]
        chart.series(f"symptom-{key}", values, colour, shape=shape)
        chart.legend.append((shape, colour, name))
    chart.frame()
    latest_day, latest = checkins[-1]
    described = ngettext(
        "%(count)d check-in from %(first)s to %(last)s; latest scores: %(scores)s.",
        "%(count)d check-ins from %(first)s to %(last)s; latest scores: %(scores)s.",
        len(checkins),
    ) % {
        "count": len(checkins),
        "first": _day(checkins[0][0]),
        "last": _day(latest_day),
        "scores": ", ".join(f"{name} {latest[key]}" for key, name in symptoms if key in latest),
    }
    return chart.svg(f"{described} {injected}")


def lab_chart(name: str, unit: str, results, typical: tuple | None, *, compact=False) -> str:
    """One analyte over time. `results`: [(date, value in the canonical unit)]."""
    title = gettext("%(test)s (%(unit)s; typical range shaded, your lab may differ)") % {
        "test": name,
        "unit": unit,
    }
    chart = Chart(title, compact)
    values = [float(v) for _, v in results]
    bounds = values + ([float(typical[0]), float(typical[1])] if typical else [])
    low, high = (min(bounds), max(bounds)) if bounds else (0.0, 1.0)
    margin = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
    chart.y_range = (low - margin, high + margin)
    chart.y_axis(unit, nice_ticks(*chart.y_range) if results else None)
    if results:
        _date_range(chart, [d for d, _ in results])
    if typical:
        chart.horizontal_band("typical-range", float(typical[0]), float(typical[1]), "#d1e7dd")
    if results:
        points = [(day.toordinal(), value) for (day, _), value in zip(results, values, strict=True)]
        chart.series("lab-values", points, "#0d6efd")
        chart.legend.append(("circle", "#0d6efd", f"{name} ({unit})"))
        described = ngettext(
            "%(count)d result from %(first)s to %(last)s; latest %(value)s %(unit)s.",
            "%(count)d results from %(first)s to %(last)s; latest %(value)s %(unit)s.",
            len(results),
        ) % {
            "count": len(results),
            "first": _day(results[0][0]),
            "last": _day(results[-1][0]),
            "value": label(values[-1]),
            "unit": unit,
        }
    else:
        chart.empty(gettext("No results yet"))
        described = gettext("No results yet") + "."
    if typical:
        chart.legend.append(("band", "#d1e7dd", gettext("typical range")))
        described += " " + gettext("Typical range %(low)s to %(high)s %(unit)s.") % {
            "low": label(float(typical[0])),
            "high": label(float(typical[1])),
            "unit": unit,
        }
    chart.frame()
    return chart.svg(described)


def intervals_chart(intervals, *, compact=False) -> str:
    """Actual days between consecutive injections against the prescribed interval.
    `intervals`: [(date of the injection, actual days since the one before, prescribed days)]."""
    chart = Chart(gettext("Days between injections"), compact)
    if not intervals:
        message = gettext("Two injections are needed to show an interval")
        chart.empty(message)
        chart.frame()
        return chart.svg(message + ".")
    days = [d for d, _, _ in intervals]
    high = max(max(a for _, a, _ in intervals), max(p for _, _, p in intervals))
    chart.y_range = (0, high * 1.1 or 1)
    chart.y_axis(gettext("days"), nice_ticks(0, chart.y_range[1]))
    _date_range(chart, days)
    chart.series(
        "prescribed-interval",
        [(d.toordinal(), p) for d, _, p in intervals],
        "#6c757d",
        step=True,
        dashed=True,
    )
    actual = [(d.toordinal(), a) for d, a, _ in intervals]
    chart.series("actual-intervals", actual, "#0d6efd", line=False)
    chart.legend = [
        ("dashed", "#6c757d", gettext("prescribed")),
        ("circle", "#0d6efd", gettext("actual")),
    ]
    chart.frame()
    latest_day, actual, prescribed = intervals[-1]
    described = ngettext(
        "%(count)d interval between injections from %(first)s to %(last)s; the latest "
        "%(actual)d days, prescribed %(prescribed)s.",
        "%(count)d intervals between injections from %(first)s to %(last)s; the latest "
        "%(actual)d days, prescribed %(prescribed)s.",
        len(intervals),
    ) % {
        "count": len(intervals),
        "first": _day(intervals[0][0]),
        "last": _day(latest_day),
        "actual": actual,
        "prescribed": label(prescribed),
    }
    return chart.svg(described)


def wear_off_chart(points, symptoms, interval_days: float | None, *, compact=False) -> str:
    """Scores against days since the injection before each check-in (maintenance only).
    `points`: wearoff.Point list; `symptoms`: [(key, name)]."""
    chart = Chart(gettext("Symptoms by days since the last injection"), compact)
    if not points:
        message = gettext("Check-ins during maintenance will show here")
        chart.empty(message)
        chart.frame()
        return chart.svg(message + ".")
    chart.y_range = (0, 10.5)
    chart.y_axis(gettext("score"), [0, 2, 4, 6, 8, 10])
    high = max([p.days for p in points] + [interval_days or 0])
    chart.x_range = (-1, high + 2)
    for count in range(5, 0, -1):
        ticks = [(v, label(v)) for v in nice_ticks(0, high + 1, count) if v >= 0]
        if chart.fits(ticks):
            break
    chart.x_axis(ticks, gettext("days since the injection"))
    for key, name, colour, shape in symptom_styles(symptoms):
        chart.series(
            f"wearoff-{key}",
            [(p.days, p.scores[key]) for p in points],
            colour,
            shape=shape,
            line=False,
        )
        chart.legend.append((shape, colour, name))
    if interval_days:
        chart.vertical_marks("interval-end", [interval_days], "#dc3545", dashed=True)
        chart.legend.append(("dashed", "#dc3545", gettext("next injection due")))
    chart.frame()
    described = ngettext(
        "%(count)d check-in in maintenance, from %(first)d to %(last)d days after an injection.",
        "%(count)d check-ins in maintenance, from %(first)d to %(last)d days after an injection.",
        len(points),
    ) % {
        "count": len(points),
        "first": min(p.days for p in points),
        "last": max(p.days for p in points),
    }
    if interval_days:
        described += " " + gettext("The next injection is due after %(days)s days.") % {
            "days": label(interval_days)
        }
    return chart.svg(described)


def phase_periods(doses, today: date) -> list[tuple[str, str, date, date]]:
    """(kind, label, first day, last day) for each run of doses in one phase, the last run
    reaching today. `doses`: [(date, phase kind, phase label)] in time order."""
    periods: list[list] = []
    for day, kind, name in doses:
        if periods and periods[-1][1] == name:
            continue
        if periods:
            periods[-1][3] = day
        periods.append([kind, name, day, today])
    return [tuple(period) for period in periods]
