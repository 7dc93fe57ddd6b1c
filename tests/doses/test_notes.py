"""Clinical notes: a care-team clinician adds one from the patient record; it shows on the
record's timeline with its author; an empty note is refused with a message; what is typed is
shown as text, never as HTML; the patient sees a note only on their report, and only when its
author ticked "Show this note to the patient"."""

from datetime import date, datetime
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from doses.models import ClinicalNote
from tests import factories
from tests.clock import frozen
from tests.pages import form_values, soup, text, texts

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 9, 14, 5, tzinfo=NEW_YORK)
NOTE = "Discussed self-injection technique; review in 4 weeks."


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


def timeline(page) -> list[tuple[str, str]]:
    """Each timeline entry as (data-kind, visible text)."""
    return [(item.get("data-kind"), text(item)) for item in page.select('[class*="timeline-item"]')]


def parse(response) -> SimpleNamespace:
    """The alert messages, the timeline entries, the values a browser would submit and the
    page's HTML."""
    page = soup(response)
    return SimpleNamespace(
        text=response.content.decode(),
        messages=texts(page, '[role="status"]'),
        timeline=timeline(page),
        values=form_values(page),
    )


@pytest.fixture
def clinician_client(clinician):
    browser = Client()
    browser.force_login(clinician)
    return browser


def record(client, patient) -> SimpleNamespace:
    return parse(client.get(reverse("patient_record", args=[patient.pk])))


def add_note(client, patient, text: str, token=None, *, shared=False):
    """Submit the note form from the record page, as a browser would (a ticked box sends
    "on"; an unticked one sends nothing)."""
    if token is None:
        token = record(client, patient).values["submission_token"]
    data = {"text": text, "submission_token": token}
    if shared:
        data["shared_with_patient"] = "on"
    return client.post(reverse("add_note", args=[patient.pk]), data, follow=True)


def notes(page) -> list[str]:
    return [text for kind, text in page.timeline if kind == "note"]


def test_a_note_shows_on_the_record_with_its_author_and_time(patient, clinician, clinician_client):
    response = add_note(clinician_client, patient, NOTE)

    page = parse(response)
    assert response.redirect_chain == [(reverse("patient_record", args=[patient.pk]), 302)]
    assert page.messages == ["Note added to the record."]
    assert notes(page) == [f"Clinical note · Dr Care Mon 9 Mar 2026, 14:05 · today {NOTE}"]
    note = ClinicalNote.objects.get()
    assert (note.patient, note.author, note.text) == (patient, clinician, NOTE)


def test_a_note_is_the_care_teams_unless_shown_to_the_patient(
    patient, clinician_client, patient_client
):
    form = record(clinician_client, patient).text
    assert "Show this note to the patient" in form
    add_note(clinician_client, patient, "Care team only.")
    add_note(clinician_client, patient, "Bring your injection diary.", shared=True)

    assert list(ClinicalNote.objects.order_by("pk").values_list("text", "shared_with_patient")) == [
        ("Care team only.", False),
        ("Bring your injection diary.", True),
    ]
    report = patient_client.get(reverse("patient_report", args=[patient.pk])).content.decode()
    assert "Bring your injection diary." in report
    assert "Care team only." not in report


def test_notes_sit_in_the_timeline_among_the_other_records(patient, clinician, clinician_client):
    with frozen(datetime(2026, 3, 2, 8, tzinfo=NEW_YORK)):
        regimen = factories.regimen_for(patient, date(2026, 3, 2))
        factories.give(regimen, date(2026, 3, 2), 7)
    with frozen(datetime(2026, 3, 2, 12, tzinfo=NEW_YORK)):
        add_note(clinician_client, patient, "First dose observed.")
    with frozen(datetime(2026, 3, 3, 12, tzinfo=NEW_YORK)):
        factories.give(regimen, date(2026, 3, 3), 9)

    page = record(clinician_client, patient)

    assert [kind for kind, _ in page.timeline] == ["given", "note", "given"]


def test_another_clinician_on_the_team_sees_who_wrote_the_note(
    patient, clinician, clinician_client
):
    colleague = factories.ClinicianFactory(name="Dr Second", email="second@example.org")
    factories.CareTeamFactory(patient=patient, clinician=colleague)
    add_note(clinician_client, patient, NOTE)
    browser = Client()
    browser.force_login(colleague)

    page = record(browser, patient)

    assert notes(page) == [f"Clinical note · Dr Care Mon 9 Mar 2026, 14:05 · today {NOTE}"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_an_empty_note_is_refused_with_a_message(patient, clinician_client, text):
    response = add_note(clinician_client, patient, text)

    page = parse(response)
    assert page.messages == ["The note was not saved: This field is required."]
    assert notes(page) == []
    assert not ClinicalNote.objects.exists()


def test_a_note_longer_than_4000_characters_is_refused(patient, clinician_client):
    response = add_note(clinician_client, patient, "x" * 4001)

    assert parse(response).messages == [
        "The note was not saved: Ensure this value has at most 4000 characters (it has 4001)."
    ]
    assert not ClinicalNote.objects.exists()


def test_html_in_a_note_is_shown_as_text(patient, clinician_client):
    text = '<script>alert("x")</script>\n<b>bold</b> & <a href="https://example.org">link</a>'

    response = add_note(clinician_client, patient, text)

    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<b>bold</b>" not in html
    assert '<a href="https://example.org">' not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>&lt;b&gt;bold&lt;/b&gt; &amp; "
        "&lt;a href=&quot;https://example.org&quot;&gt;link&lt;/a&gt;" in html
    )
    # What the clinician sees is exactly what was typed.
    assert notes(parse(response)) == [
        "Clinical note · Dr Care Mon 9 Mar 2026, 14:05 · today " + " ".join(unescape(text).split())
    ]


def test_submitting_the_same_note_form_twice_adds_one_note(patient, clinician_client):
    token = record(clinician_client, patient).values["submission_token"]

    add_note(clinician_client, patient, NOTE, token)
    add_note(clinician_client, patient, NOTE, token)

    assert ClinicalNote.objects.count() == 1


def test_the_patient_never_sees_notes_kept_for_the_care_team(
    patient, clinician_client, patient_client
):
    add_note(clinician_client, patient, NOTE)
    pages = {
        "record": patient_client.get(reverse("patient_record", args=[patient.pk])),
        "history": patient_client.get(reverse("history")),
        "report": patient_client.get(reverse("patient_report", args=[patient.pk])),
        "home": patient_client.get(reverse("home")),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "self-injection technique" not in html, name
        assert "Clinical note" not in html, name
    assert ClinicalNote.objects.count() == 1


def test_a_patient_cannot_add_a_note(patient, patient_client):
    response = patient_client.post(
        reverse("add_note", args=[patient.pk]), {"text": "I am fine, really."}
    )

    assert response.status_code == 404
    assert not ClinicalNote.objects.exists()


def test_a_clinician_off_the_team_cannot_add_a_note(patient, clinician):
    stranger = factories.ClinicianFactory(name="Dr Stranger", email="stranger@example.org")
    browser = Client()
    browser.force_login(stranger)

    response = browser.post(reverse("add_note", args=[patient.pk]), {"text": "Hello"})

    assert response.status_code == 404
    assert not ClinicalNote.objects.exists()


def test_the_patients_own_pages_show_the_notes_shared_with_them_and_only_those(
    patient, clinician_client, patient_client
):
    add_note(clinician_client, patient, "Care team only: query MMA.")
    add_note(clinician_client, patient, "Bring your injection diary.", shared=True)
    shared = "Clinical note · Dr Care Mon 9 Mar 2026, 14:05 · today Bring your injection diary."

    for name in ("history", "patient_record"):
        args = [patient.pk] if name == "patient_record" else []
        page = parse(patient_client.get(reverse(name, args=args)))
        assert notes(page) == [shared], name
        assert "query MMA" not in page.text, name
    report = patient_client.get(reverse("patient_report", args=[patient.pk])).content.decode()
    assert "Bring your injection diary." in report and "query MMA" not in report
    # The care team sees both.
    assert [note.split(" today ")[1] for note in notes(record(clinician_client, patient))] == [
        "Bring your injection diary.",
        "Care team only: query MMA.",
    ]
