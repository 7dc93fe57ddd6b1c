"""The app can be added to a phone's home screen: every page links a web app manifest whose
icons exist at the sizes it states."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def linked(html: str, rel: str) -> str:
    match = re.search(rf'<link rel="{rel}"[^>]*href="([^"]+)"', html)
    assert match, f"no <link rel={rel}>"
    return match.group(1)


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_links_the_manifest_and_a_touch_icon(client, patient, signed_in):
    if signed_in:
        client.force_login(patient)
    html = client.get(reverse("login" if not signed_in else "home"), follow=True).content.decode()
    assert linked(html, "manifest").endswith("manifest.webmanifest")
    assert linked(html, "apple-touch-icon").endswith("apple-touch-icon.png")
    assert '<meta name="theme-color" content="#0d6efd">' in html


def test_the_manifest_opens_the_app_standalone_with_icons_of_the_stated_sizes():
    manifest = json.loads(Path(finders.find("manifest.webmanifest")).read_text(encoding="utf-8"))
    assert manifest["short_name"] == "B12 log"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"])
        assert path, icon["src"]
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert image.format == "PNG"
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes  # what browsers ask for to offer installing
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
