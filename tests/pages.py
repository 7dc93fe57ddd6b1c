"""Reading a rendered page as a person would: the text of chosen elements and the values a
browser would submit. Test modules subclass PageText and say which elements they read."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


def clean(parts) -> str:
    """Text as a person reads it: runs of whitespace become one space."""
    return " ".join(" ".join(parts).split())


class PageText(HTMLParser):
    """Collects the whitespace-normalised text of the elements that `sinks()` names, and
    `values`: each input, selected option and textarea by name."""

    SKIP_INPUT_TYPES: tuple = ()  # input types whose values are not collected

    def __init__(self):
        super().__init__()
        self.values = {}
        self._open = []  # [depth, parts, sink]
        self._select = self._textarea = None

    def sinks(self, tag: str, attrs: dict) -> list:
        """Callables that receive the text of this element once it closes."""
        return []

    def start(self, tag: str, attrs: dict) -> None:
        """A hook for what a subclass reads from a tag's attributes (images, links)."""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._track_values(tag, attrs)
        self.start(tag, attrs)
        if tag in VOID:
            return
        for capture in self._open:
            capture[0] += 1
        self._open += [[1, [], sink] for sink in self.sinks(tag, attrs)]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        if tag in VOID:
            return
        for capture in self._open:
            capture[0] -= 1
            if capture[0] == 0:
                capture[2](clean(capture[1]))
        self._open = [capture for capture in self._open if capture[0] > 0]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
        for capture in self._open:
            capture[1].append(data)

    def _track_values(self, tag, attrs):
        if tag == "input" and attrs.get("name"):
            # A browser submits a radio button or a checkbox only when it is checked.
            unchecked = attrs.get("type") in ("radio", "checkbox") and "checked" not in attrs
            if attrs.get("type") not in self.SKIP_INPUT_TYPES and not unchecked:
                self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value")
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.values[self._textarea] = ""


def text_by_testid(testids: dict, attrs: dict) -> list:
    """The sink for an element with a data-testid: its text goes under that testid."""
    testid = attrs.get("data-testid")
    return [testids.setdefault(testid, []).append] if testid else []
