"""Reading the sharing pages as a person would, and the steps of the share-code life cycle."""

import re

from django.test import Client
from django.urls import reverse

from tests.pages import by_testid, form_values, soup, text, texts

CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


class Page:
    """Text by data-testid, field errors, the alerts (messages), each link's address by its
    words (the first link with those words), and the values a browser would submit."""

    def __init__(self, response):
        html = soup(response)
        self.testids = by_testid(html)
        self.errors = texts(html, ".invalid-feedback")
        self.alerts = texts(html, ".alert")
        self.links = {}
        for link in html.select("a[href]"):
            self.links.setdefault(text(link), link["href"])
        self.values = form_values(html)

    def text(self, testid) -> list[str]:
        return self.testids.get(testid, [])


def read(response) -> Page:
    assert response.status_code == 200, response.status_code
    return Page(response)


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
