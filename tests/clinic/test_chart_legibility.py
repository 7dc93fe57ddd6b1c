"""The charts read on a phone (clinic/chart_drawing.py): every text large enough when the chart is
drawn at the narrowest width a page draws it, a legend naming each series with its own marker
shape (not its colour alone), texts that neither overlap nor leave the chart, and a title and a
description.

The rule, computed from each SVG's viewBox: a text of font-size f in a viewBox W units wide,
drawn NARROWEST_PX CSS pixels wide (the home page's card on a 360 px phone; the browser test
tests/browser/test_charts_phone.py checks that no page draws a chart narrower), is
f * NARROWEST_PX / W CSS pixels: at least MIN_TEXT_PX (12)."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from clinic import chart_drawing, charts
from symptoms.wearoff import Point

SVG = "{http://www.w3.org/2000/svg}"
SYMPTOMS = [
    ("fatigue", "Tiredness / fatigue"),
    ("tingling", "Pins and needles / tingling"),
    ("numbness", "Numbness"),
    ("balance", "Balance problems / unsteadiness"),
    ("memory", "Memory or concentration (brain fog)"),
    ("mood", "Low mood or irritability"),
]
START = date(2026, 3, 2)
GIVEN = [START + timedelta(days=n) for n in range(7)] + [
    START + timedelta(days=62 + 28 * n) for n in range(4)
]
PHASES = [
    ("repletion", "Repletion", START, START + timedelta(days=6)),
    ("maintenance", "Maintenance", START + timedelta(days=62), date(2026, 8, 20)),
]


def checkins(count=12):
    return [
        (START + timedelta(days=9 * n), {key: (n + i) % 11 for i, (key, _) in enumerate(SYMPTOMS)})
        for n in range(count)
    ]


def drawn() -> dict[str, str]:
    """Each chart, full and compact, with data and empty."""
    points = [
        Point(0, days, days / 28, {key: days % 11 for key, _ in SYMPTOMS}) for days in (3, 24)
    ]
    intervals = [(b, (b - a).days, 1 if b < START + timedelta(days=7) else 28)
                 for a, b in zip(GIVEN, GIVEN[1:], strict=False)]  # fmt: skip
    labs = [(date(2026, 2, 20), 150), (date(2026, 5, 20), 620), (date(2026, 8, 10), 1480)]
    found = {}
    for compact in (False, True):
        size = "compact" if compact else "full"
        found[f"symptoms-{size}"] = charts.symptoms_chart(
            checkins(), GIVEN, PHASES, SYMPTOMS, compact=compact
        )
        found[f"intervals-{size}"] = charts.intervals_chart(intervals, compact=compact)
        found[f"wearoff-{size}"] = charts.wear_off_chart(points, SYMPTOMS, 28, compact=compact)
        found[f"lab-{size}"] = charts.lab_chart(
            "Serum vitamin B12 (cobalamin)", "pg/mL", labs, (200, 900), compact=compact
        )
        found[f"empty-symptoms-{size}"] = charts.symptoms_chart([], [], [], SYMPTOMS)
        found[f"empty-intervals-{size}"] = charts.intervals_chart([], compact=compact)
        found[f"empty-lab-{size}"] = charts.lab_chart("Homocysteine", "umol/L", [], (5, 15))
    return found


CHARTS = drawn()


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode())  # noqa: S314 - our own drawing, under test


def view_width(root) -> float:
    return float(root.get("viewBox").split()[2])


def legend(root) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("id") == "legend"]
    assert len(found) == 1
    return found[0]


def legend_entries(root) -> list[tuple[str, str]]:
    """(the marker's shape or the sample's kind, the text beside it) of each legend entry, in
    order: each sample is followed by its text."""
    entries, sample = [], None
    for node in legend(root):
        if node.tag == f"{SVG}text":
            if sample is not None:
                entries.append((sample, node.text))
                sample = None
            else:  # a wrapped name's next line
                entries[-1] = (entries[-1][0], entries[-1][1] + " " + node.text)
            continue
        use = node.find(f"{SVG}use")
        sample = use.get("href") if use is not None else node.get("d", "")[:1] + "path"
    return entries


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_text_is_at_least_12_css_px_at_the_narrowest_width(name):
    root = parse(CHARTS[name])
    scale = chart_drawing.NARROWEST_PX / view_width(root)

    sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]

    assert sizes, name
    assert min(sizes) * scale >= chart_drawing.MIN_TEXT_PX, (name, min(sizes), scale)


def test_the_drawn_size_keeps_the_view_boxs_shape():
    for name, svg in CHARTS.items():
        root = parse(svg)
        _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
        assert float(root.get("width")) / width == pytest.approx(float(root.get("height")) / height)
        assert float(root.get("width")) >= chart_drawing.NARROWEST_PX, name


@pytest.mark.parametrize("size", ["full", "compact"])
def test_the_symptoms_legend_names_each_symptom_with_its_own_marker(size):
    root = parse(CHARTS[f"symptoms-{size}"])

    entries = legend_entries(root)

    names = [text for _sample, text in entries]
    assert names[:3] == ["Repletion", "Maintenance", "injection"]
    assert names[3:] == [name for _key, name in SYMPTOMS]
    shapes = [sample for sample, _text in entries[3:]]
    assert len(set(shapes)) == len(SYMPTOMS)  # not told apart by colour alone
    # Each series is drawn with the marker its legend shows.
    for (key, _name), shape in zip(SYMPTOMS, shapes, strict=True):
        series = next(g for g in root.iter(f"{SVG}g") if g.get("id") == f"symptom-{key}")
        assert {use.get("href") for use in series.iter(f"{SVG}use")} == {shape}


def test_the_wear_off_legend_names_each_symptom_and_the_due_line():
    names = [text for _sample, text in legend_entries(parse(CHARTS["wearoff-full"]))]

    assert names == [name for _key, name in SYMPTOMS] + ["next injection due"]


def test_the_intervals_and_lab_legends_name_their_series():
    intervals = [text for _s, text in legend_entries(parse(CHARTS["intervals-full"]))]
    lab = [text for _s, text in legend_entries(parse(CHARTS["lab-compact"]))]

    assert intervals == ["prescribed", "actual"]
    assert lab == ["Serum vitamin B12 (cobalamin) (pg/mL)", "typical range"]


def boxes(root) -> list[tuple[float, float, float, float, str]]:
    """Each upright text's box by the drawing's width estimate: (left, right, baseline, size,
    text)."""
    found = []
    for node in root.iter(f"{SVG}text"):
        if node.get("transform"):
            continue  # the y axis's name, turned upright, beside the ticks
        size, x = float(node.get("font-size")), float(node.get("x"))
        width = chart_drawing.text_width(node.text or "", size)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[
            node.get("text-anchor", "start")
        ]
        found.append((left, left + width, float(node.get("y")), size, node.text))
    return found


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_no_text_leaves_the_chart_or_overlaps_another(name):
    root = parse(CHARTS[name])
    width = view_width(root)
    height = float(root.get("viewBox").split()[3])
    found = boxes(root)

    for left, right, baseline, _size, text in found:
        assert left >= 0 and right <= width, (name, text, left, right)
        assert 0 < baseline <= height, (name, text, baseline)
    for index, (left, right, baseline, size, text) in enumerate(found):
        for other in found[index + 1 :]:
            same_line = abs(other[2] - baseline) < max(size, other[3])
            apart = right <= other[0] or other[1] <= left
            assert not same_line or apart, (name, text, other[4])


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_chart_is_an_image_with_a_title_and_a_description(name):
    root = parse(CHARTS[name])

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-title chart-desc"
    assert root.find(f"{SVG}title").text
    assert root.find(f"{SVG}desc").text


def test_a_long_title_wraps_inside_the_chart_and_keeps_its_words():
    root = parse(CHARTS["lab-full"])
    title = root.find(f"{SVG}title").text
    heading = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]

    assert len(heading) > 1
    assert " ".join(heading) == title


def test_the_charts_etag_hashes_the_data_and_the_drawing_code():
    """Old cached drawings (before the legend and the larger type, say) are never served: the
    ETag names a hash of every module the drawing depends on."""
    from clinic.views import charts as chart_views

    hashed = {module.__name__ for module in chart_views.DRAWN_BY}

    assert {"clinic.charts", "clinic.chart_drawing", "timeline.series"} <= hashed
    assert "clinic.views.charts" in hashed
