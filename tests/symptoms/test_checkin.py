"""The symptom check-in: six 0-10 scores (higher is worse), side effects from the reference
list, signs of a severe allergic reaction that bring up the emergency message at once, and a
free note shown as text, never as markup."""

import json
import re
from datetime import datetime
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from doses import actions
from symptoms.models import SymptomEntry
from tests import factories, pages

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 9, 19, 45, tzinfo=NEW_YORK)
CLINICAL = json.loads(
    (Path(settings.BASE_DIR) / "regimens" / "reference" / "clinical.json").read_text()
)
EMERGENCY = CLINICAL["urgent"]["emergency"]

SCORES = {"fatigue": 7, "tingling": 3, "numbness": 0, "balance": 10, "memory": 5, "mood": 2}


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


def text(response) -> str:
    return unescape(response.content.decode())


def token_of(response) -> str:
    return pages.soup(response).select_one('input[name="submission_token"]')["value"]


def answers(client, **changes) -> dict:
    """The check-in form as the page gives it, filled in with SCORES and `changes`."""
    data = {"submission_token": token_of(client.get(reverse("checkin"))), **SCORES, "note": ""}
    data.update(changes)
    return data


def recorded(patient, **changes) -> SymptomEntry:
    """A check-in saved directly, for tests about showing one rather than saving one."""
    entry, _ = actions.record_checkin(patient, patient, **{**SCORES, **changes})
    return entry


def send(client, data):
    return client.post(reverse("checkin"), data, follow=True)


def score_rows(response) -> list[str]:
    """The text of each plain table row (the scores'; a row with attributes is not one)."""
    return [pages.text(row) for row in pages.soup(response).select("tr") if not row.attrs]


def errors(response) -> list[str]:
    """The messages beside fields, then those of the error lists."""
    return pages.texts(response, '[class^="invalid-feedback"]') + pages.texts(
        response, 'ul[class^="errorlist"]'
    )


def emergency_shown(response) -> bool:
    """Whether the emergency message is on the page and not hidden."""
    for block in pages.soup(response).select('div[data-testid="emergency"]'):
        if not block.has_attr("hidden"):
            return EMERGENCY in pages.text(block)
    return False


# --- saving ----------------------------------------------------------------------------------


def test_it_saves_six_scores_side_effects_and_a_note(patient, patient_client):
    data = answers(
        patient_client, side_effects=["Headache", "Nausea"], note="Tired after the night shift."
    )

    page = send(patient_client, data)

    entry = SymptomEntry.objects.get(patient=patient)
    assert page.redirect_chain == [(reverse("checkin_detail", args=[entry.pk]), 302)]
    assert "Check-in saved." in text(page)
    assert {key: getattr(entry, key) for key in SCORES} == SCORES
    assert entry.side_effects == ["Headache", "Nausea"]
    assert entry.allergy_signs == []
    assert entry.note == "Tired after the night shift."
    assert entry.recorded_at == NOW
    assert entry.recorded_by == patient

    assert "Check-in of Monday 9 March 2026, 19:45" in text(page)
    assert score_rows(page) == [
        "Tiredness / fatigue 7 / 10",
        "Pins and needles / tingling 3 / 10",
        "Numbness 0 / 10",
        "Balance problems / unsteadiness 10 / 10",
        "Memory or concentration (brain fog) 5 / 10",
        "Low mood or irritability 2 / 10",
    ]
    assert "Side effects: Headache, Nausea" in re.sub(r"<[^>]+>", "", text(page))
    assert "Tired after the night shift." in text(page)
    assert not emergency_shown(page)


def test_it_accepts_the_ends_of_the_scale(patient, patient_client):
    send(patient_client, answers(patient_client, **dict.fromkeys(SCORES, 0)))
    send(patient_client, answers(patient_client, **dict.fromkeys(SCORES, 10)))

    assert sorted(entry.total for entry in SymptomEntry.objects.all()) == [0, 60]


def test_it_starts_every_score_at_0(patient_client):
    html = text(patient_client.get(reverse("checkin")))

    for key in SCORES:
        assert re.search(rf'<input type="range" name="{key}" value="0"', html)
    assert "Rate each symptom from 0 (none) to 10 (worst imaginable)." in html


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fatigue": 11}, "Ensure this value is less than or equal to 10."),
        ({"mood": -1}, "Ensure this value is greater than or equal to 0."),
        ({"balance": "bad"}, "Enter a whole number."),
        ({"memory": ""}, "This field is required."),
        (
            {"side_effects": ["Headache", "Hair loss"]},
            "Select a valid choice. Hair loss is not one of the available choices.",
        ),
        (
            {"allergy_signs": ["sneezing"]},
            "Select a valid choice. sneezing is not one of the available choices.",
        ),
    ],
    ids=["score 11", "score -1", "score not a number", "score missing", "side effect", "sign"],
)
def test_it_refuses_with_a_message_and_saves_nothing(patient_client, changes, message):
    page = send(patient_client, answers(patient_client, note="kept", **changes))

    assert page.redirect_chain == []
    assert message in errors(page)
    assert "How are you this week?" in text(page)
    assert not SymptomEntry.objects.exists()


# --- allergy signs ---------------------------------------------------------------------------


@pytest.mark.parametrize("sign", ["hives", "breathing", "swelling"])
def test_it_shows_the_emergency_message_for_a_sign_of_allergy(patient_client, sign):
    page = send(patient_client, answers(patient_client, allergy_signs=[sign]))

    assert SymptomEntry.objects.get().allergy_signs == [sign]
    assert emergency_shown(page)
    assert EMERGENCY.startswith("Signs of a severe allergic reaction")


def test_it_keeps_the_emergency_message_on_the_saved_check_in(patient, patient_client):
    entry = recorded(patient, allergy_signs=["hives", "swelling"])

    page = patient_client.get(reverse("checkin_detail", args=[entry.pk]))

    assert emergency_shown(page)


def test_it_shows_no_emergency_message_without_a_sign_of_allergy(patient, patient_client):
    entry = recorded(patient, side_effects=["Itching or rash"])

    page = patient_client.get(reverse("checkin_detail", args=[entry.pk]))

    assert not emergency_shown(page)
    assert EMERGENCY not in text(page)


def test_it_has_the_emergency_message_ready_but_hidden_on_the_form(patient_client):
    page = patient_client.get(reverse("checkin"))

    assert EMERGENCY in text(page)
    assert not emergency_shown(page)


# --- double submit, escaping, access ---------------------------------------------------------


def test_it_saves_one_check_in_when_the_form_is_submitted_twice(patient, patient_client):
    data = answers(patient_client, note="Once")

    first = send(patient_client, data)
    second = send(patient_client, data)

    entry = SymptomEntry.objects.get(patient=patient)
    assert first.redirect_chain == second.redirect_chain
    assert first.redirect_chain == [(reverse("checkin_detail", args=[entry.pk]), 302)]


def test_it_shows_a_note_as_text_not_markup(patient, patient_client):
    entry = recorded(patient, note='<script>alert("hi")</script>\n<b>bold</b>')

    page = patient_client.get(reverse("checkin_detail", args=[entry.pk]))

    html = page.content.decode()
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;<br>&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>alert" not in html
    assert "<b>bold" not in html


def test_it_hides_a_check_in_from_another_patient(patient, other_patient, client):
    entry = recorded(patient, note="Private words")
    client.force_login(other_patient)

    page = client.get(reverse("checkin_detail", args=[entry.pk]))

    assert page.status_code == 404
    assert "Private words" not in text(page)


def test_it_shows_a_check_in_to_the_care_team_clinician(patient, clinician, client):
    entry = recorded(patient, note="For my doctor")
    client.force_login(clinician)

    page = client.get(reverse("checkin_detail", args=[entry.pk]))

    assert "For my doctor" in text(page)
    assert "Tiredness / fatigue 7 / 10" in score_rows(page)


def test_it_hides_the_prompt_on_home_once_checked_in(patient, patient_client):
    factories.regimen_for(patient, NOW.date())
    before = patient_client.get(reverse("home"))

    recorded(patient)
    after = patient_client.get(reverse("home"))

    assert 'data-testid="checkin-prompt"' in text(before)
    assert 'data-testid="checkin-prompt"' not in text(after)
