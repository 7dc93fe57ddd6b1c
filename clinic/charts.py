"""Charts drawn on the server as SVG, written directly as text: no script, no third-party host,
and they print as well as they show. Each series is a group with an id (`symptom-fatigue`,
`injections`, `phase-0`, `typical-range`, ...) so tests and assistive tools can find it: a line
with markers draws its line as a <path> and one <use> of the marker per point; a scatter one
<use> per point; bands and vertical marks a <path> each. The legend, when there is one, is the
group `legend`. The <svg> has role="img" with a <title> and a <desc> summarising the data.

Every function takes plain values (dates, numbers) and returns the SVG text. Text is escaped
(django.utils.html.escape), so the output is well-formed XML whatever a label holds.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from math import floor, log10

from django.utils import dateformat
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from accounts import dates

PHASE_COLOURS = {"repletion": "#fde2e2", "stabilization": "#fff3cd", "maintenance": "#e2f0fb"}
SYMPTOM_COLOURS = ["#0d6efd", "#d63384", "#fd7e14", "#198754", "#6f42c1", "#6c757d"]
TEXT = "#212529"
AXIS = "#6c757d"
MAX_TICKS = 6


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _label(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def _day(day: date) -> str:
    return dateformat.format(day, "j M Y")


# --- scales and ticks ------------------------------------------------------------------------


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values from low to high, about `count` of them (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if high <= low:
        return [low]
    raw = (high - low) / count
    power = 10 ** floor(log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = -(-low // step) * step  # ceil to a multiple of the step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _month_ticks(low: date, high: date, every: int) -> list[date]:
    ticks = []
    year, month = low.year, low.month
    while year <= high.year:
        if (month - 1) % every == 0:
            day = date(year, month, 1)
            if low <= day <= high:
                ticks.append(day)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks


def _date_ticks(low: date, high: date) -> list[tuple[date, str]]:
    """A few ticks on round dates (days, weeks, months or years) and their labels: the day and
    month (with the year on the first tick and on 1 January), the month (the year instead at
    January, with the month on the first tick), or the year."""
    span = (high - low).days
    for step in (1, 2, 3, 7, 14):
        if span // step + 1 <= MAX_TICKS:
            first = low.toordinal() + (-low.toordinal()) % step
            days = [date.fromordinal(n) for n in range(first, high.toordinal() + 1, step)]
            return [
                (day, dateformat.format(day, "j M Y" if index == 0 or day.month == 1 == day.day
                                        else "j M"))
                for index, day in enumerate(days)
            ]  # fmt: skip
    for step in (1, 2, 3, 4, 6):
        if span / (30.44 * step) <= MAX_TICKS:
            days = _month_ticks(low, high, step)
            return [
                (
                    day,
                    str(day.year)
                    if day.month == 1
                    else dateformat.format(day, "M Y" if index == 0 else "M"),
                )
                for index, day in enumerate(days)
            ]
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
                if (high.year - low.year) / s <= MAX_TICKS)  # fmt: skip
    years = range(low.year + (-low.year) % step, high.year + 1, step)
    return [(date(year, 1, 1), str(year)) for year in years if date(year, 1, 1) >= low]


# --- the drawing -----------------------------------------------------------------------------


@dataclass
class _Chart:
    compact: bool
    legend_outside: bool = False
    parts: list = field(default_factory=list)
    legend: list = field(default_factory=list)  # (kind, colour, label)

    def __post_init__(self):
        self.width, self.height = (302.4, 144.0) if self.compact else (576.0, 230.4)
        self.font = 7 if self.compact else 8
        self.left = 34 if self.compact else 46
        self.right = self.width - (8 if self.compact or not self.legend_outside else 130)
        self.top = 20 if self.compact else 26
        self.bottom = self.height - (16 if self.compact else 20)
        self.x_range = (0.0, 1.0)
        self.y_range = (0.0, 1.0)

    # scales
    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / ((high - low) or 1) * (self.right - self.left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.bottom - (value - low) / ((high - low) or 1) * (self.bottom - self.top)

    def add(self, text: str) -> None:
        self.parts.append(text)

    def text(self, x, y, content, *, size=None, anchor="middle", extra="") -> None:
        self.add(
            f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size or self.font}" '
            f'text-anchor="{anchor}"{extra}>{escape(content)}</text>'
        )

    # pieces
    def vertical_band(self, gid, low, high, colour) -> None:
        x0, x1 = self.x(low), self.x(high)
        self.add(
            f'<g id="{gid}"><path d="M{_num(x0)} {_num(self.top)}H{_num(x1)}V{_num(self.bottom)}'
            f'H{_num(x0)}Z" fill="{colour}"/></g>'
        )

    def horizontal_band(self, gid, low, high, colour) -> None:
        y0, y1 = self.y(high), self.y(low)
        self.add(
            f'<g id="{gid}"><path d="M{_num(self.left)} {_num(y0)}H{_num(self.right)}'
            f'V{_num(y1)}H{_num(self.left)}Z" fill="{colour}"/></g>'
        )

    def vertical_marks(self, gid, values, colour, *, dashed=False) -> None:
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        paths = "".join(
            f'<path d="M{_num(self.x(v))} {_num(self.top)}V{_num(self.bottom)}"/>' for v in values
        )
        self.add(f'<g id="{gid}" stroke="{colour}" stroke-width="0.8"{dash}>{paths}</g>')

    def series(self, gid, points, colour, *, line=True, step=False, dashed=False) -> None:
        """A line through the points with a marker at each, or (line=False) the markers only;
        step=True draws a step line (each value holds until the next point) without markers."""
        coords = [(self.x(a), self.y(b)) for a, b in points]
        body = []
        if line and coords:
            if step:
                path = f"M{_num(coords[0][0])} {_num(coords[0][1])}"
                for x1, y1 in coords[1:]:
                    path += f"H{_num(x1)}V{_num(y1)}"
                path += f"H{_num(self.right)}"
            else:
                path = "M" + "L".join(f"{_num(a)} {_num(b)}" for a, b in coords)
            dash = ' stroke-dasharray="4 3"' if dashed else ""
            body.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1"{dash}/>')
        if not step:
            body.extend(f'<use href="#dot" x="{_num(a)}" y="{_num(b)}"/>' for a, b in coords)
        self.add(f'<g id="{gid}" fill="{colour}">{"".join(body)}</g>')

    def y_axis(self, label: str, ticks=None) -> None:
        for value in ticks or []:
            y = self.y(value)
            self.add(
                f'<path d="M{_num(self.left - 3)} {_num(y)}H{_num(self.left)}" stroke="{AXIS}"/>'
            )
            self.text(self.left - 5, y + self.font / 3, _label(value), anchor="end")
        middle = (self.top + self.bottom) / 2
        self.text(
            9,
            middle,
            label,
            extra=f' transform="rotate(-90 9 {_num(middle)})"',
        )

    def x_axis(self, ticks, label: str = "") -> None:
        for value, text in ticks:
            x = self.x(value)
            self.add(
                f'<path d="M{_num(x)} {_num(self.bottom)}V{_num(self.bottom + 3)}" '
                f'stroke="{AXIS}"/>'
            )
            self.text(x, self.bottom + 4 + self.font, text)
        if label:
            self.text((self.left + self.right) / 2, self.height - 2, label)

    def frame(self) -> None:
        self.add(
            f'<path d="M{_num(self.left)} {_num(self.top)}V{_num(self.bottom)}'
            f'H{_num(self.right)}" fill="none" stroke="{AXIS}" stroke-width="0.8"/>'
        )

    def empty(self, message: str) -> None:
        self.text((self.left + self.right) / 2, (self.top + self.bottom) / 2, message)

    def draw_legend(self) -> None:
        if self.compact or not self.legend:
            return
        if self.legend_outside:
            x, y = self.right + 8, self.top + 4
        else:
            x, y = self.left + 8, self.top + 4
        rows = []
        for index, (kind, colour, label) in enumerate(self.legend):
            top = y + index * 11
            if kind == "band":
                key = f'<path d="M{_num(x)} {_num(top)}h12v7h-12Z" fill="{colour}"/>'
            elif kind == "dot":
                key = f'<use href="#key-dot" x="{_num(x + 6)}" y="{_num(top + 3.5)}"/>'
                key = f'<g fill="{colour}">{key}</g>'
            else:
                dash = ' stroke-dasharray="3 2"' if kind == "dashed" else ""
                key = (
                    f'<path d="M{_num(x)} {_num(top + 3.5)}h12" stroke="{colour}"'
                    f' stroke-width="1.2"{dash}/>'
                )
            rows.append(
                key + f'<text x="{_num(x + 16)}" y="{_num(top + 6.5)}" font-size="7">'
                f"{escape(label)}</text>"
            )
        self.add(f'<g id="legend">{"".join(rows)}</g>')

    def svg(self, title: str, description: str) -> str:
        self.draw_legend()
        dot = 1.25 if self.compact else 1.75
        head = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(self.width)}pt" '
            f'height="{_num(self.height)}pt" viewBox="0 0 {_num(self.width)} '
            f'{_num(self.height)}" role="img" aria-labelledby="chart-title chart-desc" '
            f'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" fill="{TEXT}">'
            f'<title id="chart-title">{escape(title)}</title>'
            f'<desc id="chart-desc">{escape(description)}</desc>'
            f'<defs><circle id="dot" r="{dot}"/><circle id="key-dot" r="2.5"/></defs>'
            f'<rect width="100%" height="100%" fill="#ffffff"/>'
        )
        heading = (
            f'<text x="{_num(self.width / 2)}" y="{12 if self.compact else 15}" '
            f'font-size="{9 if self.compact else 11}" text-anchor="middle">'
            f"{escape(title)}</text>"
        )
        return head + heading + "".join(self.parts) + "</svg>\n"


def _date_range(chart: _Chart, days: list[date]) -> None:
    """The x axis over the days: a few days (a short report range) show a month around them;
    otherwise the span with a small margin each side."""
    low, high = min(days), max(days)
    if high - low < timedelta(days=7):
        low, high = dates.add_days(low, -15), dates.add_days(high, 15)
    else:
        margin = max(1, (high - low).days // 40)
        low, high = dates.add_days(low, -margin), dates.add_days(high, margin)
    chart.x_range = (low.toordinal(), high.toordinal())
    chart.x_axis([(day.toordinal(), text) for day, text in _date_ticks(low, high)])


def _ordinal(points):
    return [(day.toordinal(), value) for day, value in points]


# --- the charts ------------------------------------------------------------------------------


def symptoms_chart(checkins, injections, phases, symptoms, *, compact=False) -> str:
    """Scores over time. `checkins`: [(date, {key: score})]; `injections`: [date];
    `phases`: [(kind, label, first day, last day)]; `symptoms`: [(key, name)]."""
    title = gettext("Symptoms (0 none – 10 worst)")
    chart = _Chart(compact, legend_outside=True)
    chart.y_range = (0, 10.5)
    days = [day for day, _ in checkins] + list(injections)
    days += [day for _k, _l, first, last in phases for day in (first, last)]
    if days:
        _date_range(chart, days)
    for index, (kind, label, first, last) in enumerate(phases):
        colour = PHASE_COLOURS.get(kind, "#eeeeee")
        chart.vertical_band(f"phase-{index}", first.toordinal(), last.toordinal(), colour)
        chart.legend.append(("band", colour, label))
    if injections:
        chart.vertical_marks("injections", [day.toordinal() for day in injections], "#adb5bd")
        chart.legend.append(("line", "#adb5bd", gettext("injection")))
    injected = ngettext("%(count)d injection.", "%(count)d injections.", len(injections)) % {
        "count": len(injections)
    }
    if not checkins:
        chart.legend = []
        chart.empty(gettext("No check-ins yet"))
        chart.frame()
        return chart.svg(title, f"{gettext('No check-ins yet')}. {injected}")
    chart.y_axis(gettext("score"), [0, 2, 4, 6, 8, 10])
    for (key, name), colour in zip(symptoms, SYMPTOM_COLOURS, strict=False):
        values = [(day, scores[key]) for day, scores in checkins]
        chart.series(f"symptom-{key}", _ordinal(values), colour)
        chart.legend.append(("dot", colour, name))
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
    return chart.svg(title, f"{described} {injected}")


def lab_chart(name: str, unit: str, results, typical: tuple | None, *, compact=False) -> str:
    """One analyte over time. `results`: [(date, value in the canonical unit)]."""
    title = gettext("%(test)s (%(unit)s; typical range shaded, your lab may differ)") % {
        "test": name,
        "unit": unit,
    }
    chart = _Chart(compact)
    values = [float(v) for _, v in results]
    bounds = values + ([float(typical[0]), float(typical[1])] if typical else [])
    low, high = (min(bounds), max(bounds)) if bounds else (0.0, 1.0)
    margin = (high - low) * 0.08 or max(abs(high) * 0.1, 1.0)
    chart.y_range = (low - margin, high + margin)
    if results:
        _date_range(chart, [d for d, _ in results])
    if typical:
        chart.horizontal_band("typical-range", float(typical[0]), float(typical[1]), "#d1e7dd")
    if results:
        chart.y_axis(unit, _nice_ticks(*chart.y_range))
        points = [(day.toordinal(), value) for (day, _), value in zip(results, values, strict=True)]
        chart.series("lab-values", points, "#0d6efd")
        described = ngettext(
            "%(count)d result from %(first)s to %(last)s; latest %(value)s %(unit)s.",
            "%(count)d results from %(first)s to %(last)s; latest %(value)s %(unit)s.",
            len(results),
        ) % {
            "count": len(results),
            "first": _day(results[0][0]),
            "last": _day(results[-1][0]),
            "value": _label(values[-1]),
            "unit": unit,
        }
    else:
        chart.y_axis(unit)
        chart.empty(gettext("No results yet"))
        described = gettext("No results yet") + "."
    if typical:
        described += " " + gettext("Typical range %(low)s to %(high)s %(unit)s.") % {
            "low": _label(float(typical[0])),
            "high": _label(float(typical[1])),
            "unit": unit,
        }
    chart.frame()
    return chart.svg(title, described)


def intervals_chart(intervals, *, compact=False) -> str:
    """Actual days between consecutive injections against the prescribed interval.
    `intervals`: [(date of the injection, actual days since the one before, prescribed days)]."""
    title = gettext("Days between injections")
    chart = _Chart(compact, legend_outside=True)
    if not intervals:
        message = gettext("Two injections are needed to show an interval")
        chart.empty(message)
        chart.frame()
        return chart.svg(title, message + ".")
    days = [d for d, _, _ in intervals]
    high = max(max(a for _, a, _ in intervals), max(p for _, _, p in intervals))
    chart.y_range = (0, high * 1.1 or 1)
    _date_range(chart, days)
    chart.y_axis(gettext("days"), _nice_ticks(0, chart.y_range[1]))
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
        ("dot", "#0d6efd", gettext("actual")),
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
        "prescribed": _label(prescribed),
    }
    return chart.svg(title, described)


def wear_off_chart(points, symptoms, interval_days: float | None, *, compact=False) -> str:
    """Scores against days since the injection before each check-in (maintenance only).
    `points`: wearoff.Point list; `symptoms`: [(key, name)]."""
    title = gettext("Symptoms by days since the last injection")
    chart = _Chart(compact, legend_outside=True)
    if not points:
        message = gettext("Check-ins during maintenance will show here")
        chart.empty(message)
        chart.frame()
        return chart.svg(title, message + ".")
    chart.y_range = (0, 10.5)
    high = max([p.days for p in points] + [interval_days or 0])
    chart.x_range = (-1, high + 2)
    chart.x_axis(
        [(v, _label(v)) for v in _nice_ticks(0, high + 1) if v >= 0],
        gettext("days since the injection"),
    )
    chart.y_axis(gettext("score"), [0, 2, 4, 6, 8, 10])
    for (key, name), colour in zip(symptoms, SYMPTOM_COLOURS, strict=False):
        chart.series(
            f"wearoff-{key}", [(p.days, p.scores[key]) for p in points], colour, line=False
        )
        chart.legend.append(("dot", colour, name))
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
            "days": _label(interval_days)
        }
    return chart.svg(title, described)


def phase_periods(doses, today: date) -> list[tuple[str, str, date, date]]:
    """(kind, label, first day, last day) for each run of doses in one phase, the last run
    reaching today. `doses`: [(date, phase kind, phase label)] in time order."""
    periods: list[list] = []
    for day, kind, label in doses:
        if periods and periods[-1][1] == label:
            continue
        if periods:
            periods[-1][3] = day
        periods.append([kind, label, day, today])
    return [tuple(period) for period in periods]
