"""Reading the sharing pages as a person would, and the steps of the share-code life cycle."""

import re

from django.test import Client
from django.urls import reverse

from tests.pages import PageText, text_by_testid

CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


class Page(PageText):
    """Text by data-testid, field errors, and the alerts (messages) on a page."""

    def __init__(self):
        super().__init__()
        self.testids = {}
        self.errors = []
        self.alerts = []
        self.links = {}
        self._link = None

    def sinks(self, tag, attrs):
        found = text_by_testid(self.testids, attrs)
        classes = (attrs.get("class") or "").split()
        if "invalid-feedback" in classes:
            found.append(self.errors.append)
        if "alert" in classes:
            found.append(self.alerts.append)
        if tag == "a" and attrs.get("href"):
            href = attrs["href"]
            found.append(lambda text: self.links.setdefault(text, href))
        return found

    def text(self, testid) -> list[str]:
        return self.testids.get(testid, [])


def read(response) -> Page:
    assert response.status_code == 200, response.status_code
    page = Page()
    page.feed(response.content.decode())
    return page


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create_code(patient_client) -> str:
    """The patient creates a code; it is read off the page they land on, as they would."""
    response = patient_client.post(reverse("share_code_new"), follow=True)
    shown = read(response).text("new-share-code")
    assert len(shown) == 1, shown
    assert CODE_SHAPE.match(shown[0]), shown[0]
    return shown[0]


def enter_code(clinician_client, code: str) -> Page:
    return read(clinician_client.post(reverse("share_code_enter"), {"code": code}, follow=True))
