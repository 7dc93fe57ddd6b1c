"""Reading a rendered page as a person would, through BeautifulSoup: the text of chosen
elements and the values a browser would submit. Each helper takes a response, the page's
HTML, or a node already found."""

from bs4 import BeautifulSoup, Tag

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


def soup(page) -> BeautifulSoup | Tag:
    """The parsed page: a response's content, an HTML string, or a node passed through."""
    if isinstance(page, Tag):
        return page
    content = getattr(page, "content", page)
    if isinstance(content, bytes):
        content = content.decode()
    return BeautifulSoup(content, "html.parser")


def text(node) -> str:
    """A node's text as a person reads it: runs of whitespace become one space."""
    return " ".join(node.get_text(" ").split())


def texts(page, selector: str) -> list[str]:
    """The text of each element the CSS selector matches, in page order."""
    return [text(node) for node in soup(page).select(selector)]


def outermost(page, selector: str) -> list[Tag]:
    """The elements the selector matches that are not inside another one it matches."""
    found = soup(page).select(selector)
    ids = {id(node) for node in found}
    return [node for node in found if not any(id(parent) in ids for parent in node.parents)]


def by_testid(page) -> dict[str, list[str]]:
    """The text of each element with a data-testid, listed under that testid in page order
    (elements that hold no text, as an image or an input, left out)."""
    found = {}
    for node in soup(page).select(f"[data-testid]:not({', '.join(sorted(VOID_TAGS))})"):
        found.setdefault(node["data-testid"], []).append(text(node))
    return found


def attributes(node) -> dict[str, str]:
    """A node's attributes as written, each a string (class too)."""
    return {
        name: " ".join(value) if isinstance(value, list) else value
        for name, value in node.attrs.items()
    }


def form_values(page, form_selector: str | None = None, skip: tuple = ()) -> dict[str, str]:
    """What a browser would submit, one value a name (the last wins), from the form the
    selector finds or else from the whole page: each named input (an unchecked checkbox or
    radio button sends nothing; an input with no value sends ""), each select's selected
    option and each textarea's text. Inputs whose type is in `skip` are left out."""
    root = soup(page)
    if form_selector is not None:
        root = root.select_one(form_selector)
        assert root is not None, f"no {form_selector} on the page"
    values = {}
    for node in root.find_all(["input", "select", "textarea"]):
        name = node.get("name")
        if not name:
            continue
        if node.name == "input":
            kind = node.get("type")
            unchecked = kind in ("radio", "checkbox") and not node.has_attr("checked")
            if kind not in skip and not unchecked:
                values[name] = node.get("value") or ""
        elif node.name == "select":
            for option in node.find_all("option", selected=True):
                values[name] = option.get("value")
        else:
            values[name] = node.get_text()
    return values
