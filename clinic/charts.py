"""Charts drawn on the server as SVG with matplotlib: no script, no third-party host, and they
print as well as they show. Each series carries an id (its gid), so tests and assistive tools
can find it in the SVG.

Every function takes plain values (dates, numbers) and returns the SVG text.
"""

import io
from datetime import date, timedelta

import matplotlib
from django.utils.translation import gettext
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from accounts import dates

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller, selectable, readable by tests
        "svg.hashsalt": "b12-log",  # stable ids from one drawing to the next
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

PHASE_COLOURS = {"repletion": "#fde2e2", "stabilization": "#fff3cd", "maintenance": "#e2f0fb"}
SYMPTOM_COLOURS = ["#0d6efd", "#d63384", "#fd7e14", "#198754", "#6f42c1", "#6c757d"]


def _figure(compact: bool) -> tuple[Figure, object]:
    figure = Figure(figsize=(4.2, 2.0) if compact else (8.0, 3.2), layout="constrained")
    return figure, figure.add_subplot()


def _svg(figure: Figure, title: str) -> str:
    figure.suptitle(title, fontsize=9 if figure.get_figwidth() < 5 else 11)
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Title": title, "Date": None})
    return out.getvalue()


def _dates_axis(axes, days) -> None:
    if days and max(days) - min(days) < timedelta(days=7):
        # A few days of data (a short report range): show a month around them (matplotlib
        # would otherwise span 4 years for one day, and finds no tick interval for a few).
        axes.set_xlim(dates.add_days(min(days), -15), dates.add_days(max(days), 15))
    locator = AutoDateLocator(maxticks=6)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _empty(axes, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def symptoms_chart(checkins, injections, phases, symptoms, *, compact=False) -> str:
    """Scores over time. `checkins`: [(date, {key: score})]; `injections`: [date];
    `phases`: [(kind, label, first day, last day)]; `symptoms`: [(key, name)]."""
    figure, axes = _figure(compact)
    for index, (kind, label, first, last) in enumerate(phases):
        band = axes.axvspan(
            first,
            last,
            color=PHASE_COLOURS.get(kind, "#eeeeee"),
            zorder=0,
            label=None if compact else label,
        )
        band.set_gid(f"phase-{index}")
    if injections:
        marks = axes.vlines(
            injections,
            0,
            10,
            colors="#adb5bd",
            linewidth=0.8,
            zorder=1,
            label=gettext("injection"),
        )
        marks.set_gid("injections")
    if not checkins:
        _empty(axes, gettext("No check-ins yet"))
        return _svg(figure, gettext("Symptoms (0 none – 10 worst)"))
    days = [day for day, _ in checkins]
    for (key, name), colour in zip(symptoms, SYMPTOM_COLOURS, strict=False):
        (line,) = axes.plot(
            days,
            [scores[key] for _, scores in checkins],
            marker="o",
            markersize=2.5 if compact else 3.5,
            linewidth=1,
            color=colour,
            label=name,
        )
        line.set_gid(f"symptom-{key}")
    axes.set_ylim(0, 10.5)
    axes.set_ylabel(gettext("score"))
    _dates_axis(axes, days)
    if not compact:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    return _svg(figure, gettext("Symptoms (0 none – 10 worst)"))


def lab_chart(name: str, unit: str, results, typical: tuple | None, *, compact=False) -> str:
    """One analyte over time. `results`: [(date, value in the canonical unit)]."""
    figure, axes = _figure(compact)
    if typical:
        band = axes.axhspan(
            float(typical[0]),
            float(typical[1]),
            color="#d1e7dd",
            zorder=0,
            label=gettext("typical range"),
        )
        band.set_gid("typical-range")
    if results:
        (line,) = axes.plot(
            [d for d, _ in results],
            [float(v) for _, v in results],
            marker="o",
            color="#0d6efd",
            linewidth=1.2,
            label=name,
        )
        line.set_gid("lab-values")
        _dates_axis(axes, [d for d, _ in results])
    else:
        _empty(axes, gettext("No results yet"))
    axes.set_ylabel(unit)
    title = gettext("%(test)s (%(unit)s; typical range shaded, your lab may differ)")
    return _svg(figure, title % {"test": name, "unit": unit})


def intervals_chart(intervals, *, compact=False) -> str:
    """Actual days between consecutive injections against the prescribed interval.
    `intervals`: [(date of the injection, actual days since the one before, prescribed days)]."""
    figure, axes = _figure(compact)
    if not intervals:
        _empty(axes, gettext("Two injections are needed to show an interval"))
        return _svg(figure, gettext("Days between injections"))
    days = [d for d, _, _ in intervals]
    (prescribed,) = axes.step(
        days,
        [p for _, _, p in intervals],
        where="post",
        color="#6c757d",
        linestyle="--",
        linewidth=1,
        label=gettext("prescribed"),
    )
    prescribed.set_gid("prescribed-interval")
    (actual,) = axes.plot(
        days,
        [a for _, a, _ in intervals],
        marker="o",
        linestyle="none",
        color="#0d6efd",
        markersize=3.5,
        label=gettext("actual"),
    )
    actual.set_gid("actual-intervals")
    axes.set_ylabel(gettext("days"))
    axes.set_ylim(bottom=0)
    _dates_axis(axes, days)
    if not compact:
        axes.legend(loc="upper left", fontsize=7, frameon=False)
    return _svg(figure, gettext("Days between injections"))


def wear_off_chart(points, symptoms, interval_days: float | None, *, compact=False) -> str:
    """Scores against days since the injection before each check-in (maintenance only).
    `points`: wearoff.Point list; `symptoms`: [(key, name)]."""
    figure, axes = _figure(compact)
    if not points:
        _empty(axes, gettext("Check-ins during maintenance will show here"))
        return _svg(figure, gettext("Symptoms by days since the last injection"))
    for (key, name), colour in zip(symptoms, SYMPTOM_COLOURS, strict=False):
        dots = axes.scatter(
            [p.days for p in points],
            [p.scores[key] for p in points],
            s=9,
            color=colour,
            label=name,
            alpha=0.8,
        )
        dots.set_gid(f"wearoff-{key}")
    if interval_days:
        due = axes.axvline(
            interval_days,
            color="#dc3545",
            linestyle="--",
            linewidth=1,
            label=gettext("next injection due"),
        )
        due.set_gid("interval-end")
    axes.set_xlabel(gettext("days since the injection"))
    axes.set_ylabel(gettext("score"))
    axes.set_ylim(0, 10.5)
    if not compact:
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    return _svg(figure, gettext("Symptoms by days since the last injection"))


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
