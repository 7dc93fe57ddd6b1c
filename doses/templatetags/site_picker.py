"""The injection-site body map, inlined into the page so that its regions can be clicked and
styled (an <img> could be neither). The drawing is static/img/body-map.svg, found through the
staticfiles finders and parsed once per process; each render fills in, per region, the site's
routes, whether rotation suggests it, and a tooltip with its last use (doses/sites.py)."""

import copy
from functools import cache
from xml.etree import ElementTree

from django import template
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.utils.safestring import mark_safe

from doses.sites import SiteChart

register = template.Library()

SVG = "http://www.w3.org/2000/svg"
BODY_MAP = "img/body-map.svg"


@cache
def body_map_drawing() -> ElementTree.Element:
    """The parsed drawing, read once per process (comments are dropped)."""
    path = finders.find(BODY_MAP)
    if path is None:
        raise ImproperlyConfigured(f"static file {BODY_MAP} not found")
    return ElementTree.parse(path).getroot()  # noqa: S314  # nosec B314 - the project's own drawing


@register.simple_tag
def body_map(chart: SiteChart) -> str:
    """The body map for `chart`. It repeats what the radio list says, so screen readers skip
    it (aria-hidden); site-picker.js makes a click on a region choose that site's radio."""
    root = copy.deepcopy(body_map_drawing())
    root.set("aria-hidden", "true")
    root.set("focusable", "false")
    for region in root.iter():
        code = region.get("data-site")
        if code is None:
            continue
        option = chart.option(code)
        if option is None:  # drawn, but not a site of the reference data: not offered
            region.set("data-routes", "")
            continue
        region.set("data-routes", option.routes_attr)
        region.set("data-suggested-for", option.suggested_attr)
        title = region.find(f"{{{SVG}}}title")
        if title is None:
            title = ElementTree.SubElement(region, f"{{{SVG}}}title")
        title.text = option.title
    # Plain inline <svg>, not <ns0:svg> or <svg:svg>. ElementTree's prefixes are one registry for
    # the whole process and qrcode (the authenticator set-up code) registers "svg" in it, so the
    # default namespace is registered again right before each drawing.
    ElementTree.register_namespace("", SVG)
    return mark_safe(ElementTree.tostring(root, encoding="unicode"))  # noqa: S308  # nosec B308 B703 - escaped by ElementTree
