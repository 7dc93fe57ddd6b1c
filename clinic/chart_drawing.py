"""The drawing under every chart (clinic/charts.py): scales, ticks, series, the legend and the
<svg> around them, written directly as text.

Legible on a phone. The viewBox is WIDTH user units wide and every text is FONT units or more,
so that a chart drawn NARROWEST_PX CSS pixels wide (the home page's card on a 360 px phone: the
screen less the page's and the card's margins) shows its smallest text at MIN_TEXT_PX or more
(FONT * NARROWEST_PX / WIDTH); tests/clinic/test_chart_legibility.py checks every <text>, and
tests/browser/test_charts_phone.py that no chart is drawn narrower. Long texts (a title, a
legend entry, an empty chart's message) are wrapped, and axis labels are thinned until none
overlaps another or leaves the chart, by an estimate of their width (CHAR_WIDTH of the font
size per character, a generous average for DejaVu Sans and Arial).

Not by colour alone: each series has its own marker shape (MARKERS), drawn in the legend below
the plot beside the series' name; bands show as a filled square, vertical marks as a short
vertical line, a dashed line as a dashed line.
"""

from dataclasses import dataclass, field
from datetime import date
from math import floor, log10

from django.utils import dateformat
from django.utils.html import escape

TEXT = "#212529"
AXIS = "#6c757d"
WIDTH = 360.0  # user units: the viewBox's width
DISPLAY_SCALE = 1.5  # the intrinsic size in CSS px, per user unit (the page may draw it smaller)
NARROWEST_PX = 300  # the narrowest a page draws a chart (tests/browser/test_charts_phone.py)
MIN_TEXT_PX = 12
FONT = 15  # every text's size in user units: 15 * 300 / 360 = 12.5 px at the narrowest
TITLE_FONT = 16
CHAR_WIDTH = 0.6  # an estimate of a character's width, per unit of font size
LINE = FONT + 5  # the height of a line of text
GAP = 8  # the least space between two labels
MARKERS = {
    "circle": '<circle id="m-circle" r="4.2"/>',
    "square": '<rect id="m-square" x="-3.7" y="-3.7" width="7.4" height="7.4"/>',
    "triangle": '<path id="m-triangle" d="M0 -5L4.8 3.4H-4.8Z"/>',
    "diamond": '<path id="m-diamond" d="M0 -5.2L5.2 0L0 5.2L-5.2 0Z"/>',
    "triangle-down": '<path id="m-triangle-down" d="M0 5L4.8 -3.4H-4.8Z"/>',
    "cross": '<path id="m-cross" d="M-4.6 -2.8L-2.8 -4.6L0 -1.8L2.8 -4.6L4.6 -2.8L1.8 0'
    'L4.6 2.8L2.8 4.6L0 1.8L-2.8 4.6L-4.6 2.8L-1.8 0Z"/>',
}
SHAPES = list(MARKERS)


def num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def label(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def text_width(content: str, size: float = FONT) -> float:
    return len(content) * size * CHAR_WIDTH


def wrap(content: str, width: float, size: float = FONT) -> list[str]:
    """The text in lines no wider than `width` (by the estimate), broken at spaces; a word
    longer than a line is cut."""
    most = max(1, int(width // (size * CHAR_WIDTH)))
    lines: list[str] = []
    for word in content.split():
        while len(word) > most:
            lines.append(word[:most])
            word = word[most:]
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


# --- ticks -----------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
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


def date_ticks(low: date, high: date, most: int) -> list[tuple[date, str]]:
    """At most `most` ticks on round dates (days, weeks, months or years) and their labels: the
    day and month (with the year on the first tick and on 1 January), the month (the year
    instead at January, with the month on the first tick), or the year."""
    span = (high - low).days
    for step in (1, 2, 3, 7, 14):
        if span // step + 1 <= most:
            first = low.toordinal() + (-low.toordinal()) % step
            days = [date.fromordinal(n) for n in range(first, high.toordinal() + 1, step)]
            return [
                (day, dateformat.format(day, "j M Y" if index == 0 or day.month == 1 == day.day
                                        else "j M"))
                for index, day in enumerate(days)
            ]  # fmt: skip
    for step in (1, 2, 3, 4, 6):
        if span / (30.44 * step) <= most:
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
                if (high.year - low.year) / s <= most)  # fmt: skip
    years = range(low.year + (-low.year) % step, high.year + 1, step)
    return [(date(year, 1, 1), str(year)) for year in years if date(year, 1, 1) >= low]


# --- the drawing -----------------------------------------------------------------------------


@dataclass
class Chart:
    """A chart under construction: set `x_range`, `y_range` and the left margin (`y_axis`)
    before drawing anything at a position."""

    title: str
    compact: bool
    parts: list = field(default_factory=list)
    legend: list = field(default_factory=list)  # (kind, colour, label); kind a shape or
    # "band", "mark" (a vertical line) or "dashed" (a dashed line)

    def __post_init__(self):
        self.width = WIDTH
        self.title_lines = wrap(self.title, self.width - 16, TITLE_FONT)
        self.top = 10 + len(self.title_lines) * (TITLE_FONT + 4) + 6
        self.bottom = self.top + (140 if self.compact else 200)
        self.left = 10 + FONT + 6  # widened by y_axis() for its tick labels
        self.right = self.width - 14
        self.x_range = (0.0, 1.0)
        self.y_range = (0.0, 1.0)
        self.x_label = ""

    # scales
    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / ((high - low) or 1) * (self.right - self.left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.bottom - (value - low) / ((high - low) or 1) * (self.bottom - self.top)

    def add(self, content: str) -> None:
        self.parts.append(content)

    def text(self, x, y, content, *, size=FONT, anchor="middle", extra="") -> None:
        self.add(
            f'<text x="{num(x)}" y="{num(y)}" font-size="{size}" '
            f'text-anchor="{anchor}"{extra}>{escape(content)}</text>'
        )

    # pieces
    def vertical_band(self, gid, low, high, colour) -> None:
        x0, x1 = self.x(low), self.x(high)
        self.add(
            f'<g id="{gid}"><path d="M{num(x0)} {num(self.top)}H{num(x1)}V{num(self.bottom)}'
            f'H{num(x0)}Z" fill="{colour}"/></g>'
        )

    def horizontal_band(self, gid, low, high, colour) -> None:
        y0, y1 = self.y(high), self.y(low)
        self.add(
            f'<g id="{gid}"><path d="M{num(self.left)} {num(y0)}H{num(self.right)}'
            f'V{num(y1)}H{num(self.left)}Z" fill="{colour}"/></g>'
        )

    def vertical_marks(self, gid, values, colour, *, dashed=False) -> None:
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        paths = "".join(
            f'<path d="M{num(self.x(v))} {num(self.top)}V{num(self.bottom)}"/>' for v in values
        )
        self.add(f'<g id="{gid}" stroke="{colour}" stroke-width="1.2"{dash}>{paths}</g>')

    def series(self, gid, points, colour, *, shape="circle", line=True, step=False,
               dashed=False) -> None:  # fmt: skip
        """A line through the points with a marker of `shape` at each, or (line=False) the
        markers only; step=True draws a step line (each value holds until the next point)
        without markers."""
        coords = [(self.x(a), self.y(b)) for a, b in points]
        body = []
        if line and coords:
            if step:
                path = f"M{num(coords[0][0])} {num(coords[0][1])}"
                for x1, y1 in coords[1:]:
                    path += f"H{num(x1)}V{num(y1)}"
                path += f"H{num(self.right)}"
            else:
                path = "M" + "L".join(f"{num(a)} {num(b)}" for a, b in coords)
            dash = ' stroke-dasharray="5 4"' if dashed else ""
            body.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>'
            )
        if not step:
            body.extend(f'<use href="#m-{shape}" x="{num(a)}" y="{num(b)}"/>' for a, b in coords)
        self.add(f'<g id="{gid}" fill="{colour}">{"".join(body)}</g>')

    def y_axis(self, name: str, ticks=None) -> None:
        """The axis's name (turned upright) and its ticks; the plot starts right of their
        labels, so call this before drawing anything at a position."""
        labels = [label(value) for value in ticks or []]
        widest = max((text_width(t) for t in labels), default=0)
        self.left = 10 + FONT + 6 + widest + 6
        for value, text in zip(ticks or [], labels, strict=True):
            y = self.y(value)
            self.add(f'<path d="M{num(self.left - 4)} {num(y)}H{num(self.left)}" stroke="{AXIS}"/>')
            self.text(self.left - 6, y + FONT / 3, text, anchor="end")
        middle = (self.top + self.bottom) / 2
        across = 10 + FONT * 0.8
        self.text(
            across, middle, name, extra=f' transform="rotate(-90 {num(across)} {num(middle)})"'
        )

    def x_axis(self, ticks, name: str = "") -> None:
        """Tick marks and labels (value, label): callers pass a few and thin them with
        `fits()`; `name` goes under the labels."""
        for value, text in ticks:
            x = self.x(value)
            self.add(
                f'<path d="M{num(x)} {num(self.bottom)}V{num(self.bottom + 4)}" stroke="{AXIS}"/>'
            )
            self.text(self.label_x(x, text), self.bottom + 5 + FONT, text)
        self.x_label = name
        if name:
            self.text((self.left + self.right) / 2, self.bottom + 5 + FONT + LINE, name)

    def label_x(self, x: float, text: str) -> float:
        """A tick label's centre, moved in from the edge if it would stick out of the chart."""
        half = text_width(text) / 2
        return min(max(x, half + 2), self.width - half - 2)

    def fits(self, ticks) -> bool:
        """Whether these x-axis labels stand apart, each inside the chart."""
        spans = []
        for value, text in ticks:
            centre, half = self.label_x(self.x(value), text), text_width(text) / 2
            spans.append((centre - half, centre + half))
        return all(a[1] + GAP <= b[0] for a, b in zip(spans, spans[1:], strict=False))

    def frame(self) -> None:
        self.add(
            f'<path d="M{num(self.left)} {num(self.top)}V{num(self.bottom)}'
            f'H{num(self.right)}" fill="none" stroke="{AXIS}" stroke-width="1"/>'
        )

    def empty(self, message: str) -> None:
        lines = wrap(message, self.right - self.left - 8)
        middle = (self.top + self.bottom) / 2 - (len(lines) - 1) * LINE / 2
        for index, line in enumerate(lines):
            self.text((self.left + self.right) / 2, middle + index * LINE, line)

    def _key(self, kind, colour, x, y) -> str:
        """The legend's sample of a series, 16 units wide, centred on height y."""
        if kind == "band":
            return f'<path d="M{num(x)} {num(y - 6)}h16v12h-16Z" fill="{colour}" stroke="{AXIS}" stroke-width="0.5"/>'  # noqa: E501
        if kind == "mark":
            return f'<path d="M{num(x + 8)} {num(y - 8)}v16" stroke="{colour}" stroke-width="2"/>'
        if kind == "dashed":
            return f'<path d="M{num(x)} {num(y)}h16" stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>'  # noqa: E501
        return f'<g fill="{colour}"><use href="#m-{kind}" x="{num(x + 8)}" y="{num(y)}"/></g>'

    def draw_legend(self) -> float:
        """The legend under the plot, its entries side by side while they fit; returns the
        height the chart needs."""
        y = self.bottom + 5 + FONT + (LINE if self.x_label else 0) + LINE + 6
        if not self.legend:
            return y - LINE + 4
        x, rows, start = 10.0, [], y
        for kind, colour, name in self.legend:
            lines = wrap(name, self.width - 20 - 22)
            width = 22 + max(text_width(line) for line in lines)
            if x > 10 and (x + width > self.width - 10 or len(lines) > 1):
                x, y = 10.0, y + LINE
            texts = "".join(
                f'<text x="{num(x + 22)}" y="{num(y + FONT / 3 + index * LINE)}" '
                f'font-size="{FONT}">{escape(line)}</text>'
                for index, line in enumerate(lines)
            )
            rows.append(self._key(kind, colour, x, y) + texts)
            y += (len(lines) - 1) * LINE
            x += width + 14
            if len(lines) > 1:
                x = self.width  # the next entry on a line of its own
        self.add(f'<g id="legend">{"".join(rows)}</g>')
        return max(y, start) + LINE

    def svg(self, description: str) -> str:
        height = self.draw_legend()
        head = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(self.width * DISPLAY_SCALE)}" '
            f'height="{num(height * DISPLAY_SCALE)}" viewBox="0 0 {num(self.width)} '
            f'{num(height)}" role="img" aria-labelledby="chart-title chart-desc" '
            f'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" fill="{TEXT}">'
            f'<title id="chart-title">{escape(self.title)}</title>'
            f'<desc id="chart-desc">{escape(description)}</desc>'
            f"<defs>{''.join(MARKERS.values())}</defs>"
            f'<rect width="100%" height="100%" fill="#ffffff"/>'
        )
        heading = "".join(
            f'<text x="{num(self.width / 2)}" y="{num(10 + TITLE_FONT + index * (TITLE_FONT + 4))}"'
            f' font-size="{TITLE_FONT}" font-weight="bold" text-anchor="middle">'
            f"{escape(line)}</text>"
            for index, line in enumerate(self.title_lines)
        )
        return head + heading + "".join(self.parts) + "</svg>\n"
