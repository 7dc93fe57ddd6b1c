""" "Set up my injections": a patient enters the regimen on their prescription, step by step;
a clinician on their care team confirms it.

Expected due dates are worked by hand from shared/reference/schedule.md (its worked examples
use these templates and dates), never computed by the code under test.
"""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from doses.models import DoseLog
from regimens.models import Regimen, RegimenChange, RegimenTemplate
from tests import factories, pages
from tests.clock import frozen
from tests.pages import by_testid, form_values, soup, texts

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
SETUP = reverse("regimen_setup")
US = factories.US_TEMPLATE  # daily x7, weekly x4, every 4 weeks (open)
UK = factories.UK_TEMPLATE  # MO/WE/FR x6, every 3 months (open)
NEURO = "Hydroxocobalamin, neurological involvement (UK)"


def long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


class Page:
    """Text by data-testid, the form's values, and the error messages beside fields."""

    def __init__(self, html: str):
        page = soup(html)
        self.testids = by_testid(page)
        self.errors = texts(page, '[class*="invalid-feedback"], [data-testid="field-error"]')
        self.values = form_values(page)

    def text(self, testid) -> str:
        return " ".join(self.testids.get(testid, []))


def read(response) -> Page:
    assert response.status_code == 200, response.status_code
    return Page(response.content.decode())


def step(client, name, data) -> object:
    return client.post(SETUP, {"step": name, **data})


def phase_data(template_name, changes=None) -> dict:
    """The phases step as the template fills it in, with {index: {field: value}} changes."""
    phases = list(factories.template(template_name).phases.all())
    data = {
        "phase-TOTAL_FORMS": len(phases),
        "phase-INITIAL_FORMS": len(phases),
        "phase-MIN_NUM_FORMS": 0,
        "phase-MAX_NUM_FORMS": 1000,
    }
    for i, phase in enumerate(phases):
        values = {
            "dose_mcg": phase.dose_mcg,
            "schedule_unit": phase.schedule_unit,
            "schedule_every": phase.schedule_every or "",
            "weekdays": [d for d in phase.schedule_weekdays.split(",") if d],
            "end_rule": phase.end_rule,
            "end_value": phase.end_value or "",
        }
        values.update((changes or {}).get(i, {}))
        data.update({f"phase-{i}-{name}": value for name, value in values.items()})
    return data


def product_data(start: date, **changes) -> dict:
    return {
        "medication": "cyanocobalamin",
        "concentration_mcg_per_ml": 1000,
        "container_ml": "1",
        "route": "IM",
        "start_date": start.isoformat(),
        **changes,
    }


def not_started() -> dict:
    return {"already_started": "no"}


def earlier_rows(earlier=(), rows: int = 12) -> dict:
    """The earlier injections' rows as the page sends them: each listed injection a date (at
    09:00 in the left deltoid) or (date, "HH:MM", site answer); the other rows blank."""
    data = {"earlier-TOTAL_FORMS": str(rows), "earlier-INITIAL_FORMS": "0"}
    for n, item in enumerate(earlier):
        day, at, site = item if isinstance(item, tuple) else (item, "09:00", "LD")
        data.update(
            {f"earlier-{n}-day": str(day), f"earlier-{n}-time": at, f"earlier-{n}-site": site}
        )
    return data


def started(phase: int, last: date, earlier=(), site="LD", at="09:00") -> dict:
    return {
        "already_started": "yes",
        "current_phase": str(phase),
        "last_injection": last.isoformat(),
        "last_time": at,
        "site": site,
        **earlier_rows(earlier),
    }


def up_to_review(client, template_name, start, started_data=None, phase_changes=None):
    template = factories.template(template_name)
    assert step(client, "template", {"template": template.pk}).status_code == 302
    assert step(client, "phases", phase_data(template_name, phase_changes)).status_code == 302
    assert step(client, "product", product_data(start)).status_code == 302
    response = step(client, "started", started_data or not_started())
    assert response.status_code == 302, read(response).errors
    assert response["Location"] == f"{SETUP}?step=review"
    return read(client.get(SETUP, {"step": "review"}))


def save(client, review: Page):
    return client.post(
        SETUP, {"step": "review", "submission_token": review.values["submission_token"]}
    )


def saved(patient) -> Regimen:
    return Regimen.objects.select_related("current_phase", "patient").get(patient=patient)


def assert_stored_state_is_a_replay(regimen) -> None:
    state = regimen.recompute_state()
    assert regimen.next_due == state.next_due
    assert regimen.given_in_phase == state.given_in_phase
    assert regimen.phase_entered_on == state.phase_entered_on
    assert regimen.last_event_on == state.last_event_on
    assert regimen.ordered_phases.index(regimen.current_phase) == state.phase


def upcoming_days(review: Page) -> list[str]:
    return re.findall(r"\w+day \d+ \w+ \d{4}", review.text("review-upcoming"))


# --- the way in ---------------------------------------------------------------------------


def test_a_patient_without_a_regimen_is_offered_the_setup_on_their_home(patient_client):
    page = patient_client.get(reverse("home")).content.decode()
    assert "Set up my injections" in page
    assert f'href="{SETUP}"' in page


def test_a_patient_with_an_active_regimen_is_told_they_have_one(patient, patient_client):
    factories.regimen_for(patient, patient.today())
    page = read(patient_client.get(SETUP))
    assert "You already have an injection plan" in page.text("setup-exists")
    template = factories.template(UK)
    page = read(step(patient_client, "template", {"template": template.pk}))
    assert "You already have an injection plan" in page.text("setup-exists")
    assert Regimen.objects.filter(patient=patient).count() == 1


# --- step (a): the template ------------------------------------------------------------------


def test_the_templates_are_listed_with_their_phases_in_plain_words(patient_client):
    factories.template()
    page = read(patient_client.get(SETUP))
    phases = page.testids["template-phases"]
    assert (
        "Repletion: 1,000 mcg every day, for 7 doses "
        "Stabilization: 1,000 mcg every week, for 4 doses "
        "Maintenance: 1,000 mcg every 4 weeks, until your clinician moves you on"
    ) in phases
    assert (
        "Repletion: 1,000 mcg every Monday, Wednesday, Friday, for 6 doses "
        "Maintenance: 1,000 mcg every 3 months, until your clinician moves you on"
    ) in phases


def test_only_published_templates_are_offered(patient_client):
    draft = factories.template(US)
    draft.status = RegimenTemplate.Status.DRAFT
    draft.save(update_fields=["status"])
    html = patient_client.get(SETUP).content.decode()
    offered = {
        label.get_text(strip=True) for label in pages.soup(html).select(".setup-choice label")
    }
    assert US not in offered
    assert UK in offered
    # Chosen anyway (an old page, a crafted post): refused.
    page = read(step(patient_client, "template", {"template": draft.pk}))
    assert page.errors == ["Choose one of the plans listed."]
    draft.status = RegimenTemplate.Status.PUBLISHED
    draft.save(update_fields=["status"])
    assert step(patient_client, "template", {"template": draft.pk}).status_code == 302


def clinician_notes(html: str) -> dict[str, bool]:
    """Each offered template's name, and whether it says that a clinician moves you on."""
    soup = pages.soup(html)
    return {
        card.label.get_text(strip=True): card.select_one('[data-testid="needs-clinician"]')
        is not None
        for card in soup.select(".setup-choice")
    }


def test_a_patient_without_a_clinician_is_told_who_moves_them_on_from_an_open_phase(
    patient_client,
):
    factories.template()
    notes = clinician_notes(patient_client.get(SETUP).content.decode())
    # Only the neurological template has an open-ended phase before its last (rule 6).
    assert [name for name, note in notes.items() if note] == [NEURO]
    with frozen(date(2026, 3, 1), 10):
        review = up_to_review(patient_client, NEURO, date(2026, 3, 2))
    assert "until one joins it, you stay in that phase" in review.text("needs-clinician")


def test_a_patient_with_a_clinician_is_not_told_so(patient_client, clinician):
    factories.template()
    notes = clinician_notes(patient_client.get(SETUP).content.decode())
    assert not any(notes.values())
    with frozen(date(2026, 3, 1), 10):
        review = up_to_review(patient_client, NEURO, date(2026, 3, 2))
    assert "needs-clinician" not in review.testids


def test_no_template_chosen_says_so_and_stays_on_the_step(patient_client):
    factories.template()
    page = read(step(patient_client, "template", {}))
    assert page.errors == ["Choose the plan closest to your prescription."]
    # The next step is not reachable: it sends back to the first.
    response = patient_client.get(SETUP, {"step": "phases"})
    assert response["Location"] == f"{SETUP}?step=template"


# --- step (b): the phases ----------------------------------------------------------------------


def test_the_phases_step_starts_from_the_template(patient_client):
    template = factories.template(UK)
    step(patient_client, "template", {"template": template.pk})
    page = read(patient_client.get(SETUP, {"step": "phases"}))
    assert page.values["phase-0-dose_mcg"] == "1000"
    assert page.values["phase-0-end_rule"] == "after_doses"
    assert page.values["phase-0-end_value"] == "6"
    assert page.values["phase-1-schedule_unit"] == "month"
    assert page.values["phase-1-schedule_every"] == "3"
    assert "Phase 2: Maintenance (Maintenance: every 3 months)" in page.text("setup-phase")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dose_mcg": 20000}, "Enter a dose from 1 to 10,000 mcg."),
        ({"dose_mcg": 0}, "Enter a dose from 1 to 10,000 mcg."),
        ({"weekdays": []}, "Pick at least one weekday, for example MO,WE,FR."),
        ({"end_value": ""}, "Say after how many doses or days this phase ends."),
        (
            {"schedule_unit": "week", "schedule_every": ""},
            "Say how often: every N days, weeks or months.",
        ),
    ],
)
def test_a_wrong_phase_is_refused_beside_its_field(patient, patient_client, change, message):
    template = factories.template(UK)
    step(patient_client, "template", {"template": template.pk})
    page = read(step(patient_client, "phases", phase_data(UK, {0: change})))
    assert page.errors == [message]
    assert patient_client.get(SETUP, {"step": "product"})["Location"] == f"{SETUP}?step=phases"


def test_a_tampered_number_of_phases_is_refused(patient_client):
    template = factories.template(UK)
    step(patient_client, "template", {"template": template.pk})
    data = {**phase_data(UK), "phase-TOTAL_FORMS": 1}
    page = step(patient_client, "phases", data).content.decode()
    assert "Your plan has 2 phases: go back and choose the plan again." in page


# --- step (c): the product -------------------------------------------------------------------


def test_the_product_step_defaults_to_the_templates_medicine(patient, patient_client):
    template = factories.template(UK)
    step(patient_client, "template", {"template": template.pk})
    step(patient_client, "phases", phase_data(UK))
    page = read(patient_client.get(SETUP, {"step": "product"}))
    assert page.values["medication"] == "hydroxocobalamin"
    assert page.values["route"] == "IM"
    assert page.values["start_date"] == patient.today().isoformat()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"concentration_mcg_per_ml": 0}, "Ensure this value is greater than or equal to 1."),
        ({"container_ml": "0"}, "Ensure this value is greater than or equal to 0.1."),
        ({"start_date": "2031-01-01"}, "Enter a start date within the next year."),
    ],
)
def test_a_wrong_product_is_refused_beside_its_field(patient_client, change, message):
    template = factories.template(UK)
    with frozen(date(2026, 1, 20), 10):
        step(patient_client, "template", {"template": template.pk})
        step(patient_client, "phases", phase_data(UK))
        page = read(step(patient_client, "product", product_data(date(2026, 1, 1), **change)))
    assert page.errors == [message]


# --- step (d): already started? --------------------------------------------------------------


@pytest.fixture
def at_started_step(patient_client):
    """The UK plan from Thursday 1 January 2026; today is Tuesday 20 January 2026."""
    template = factories.template(UK)
    with frozen(date(2026, 1, 20), 10):
        step(patient_client, "template", {"template": template.pk})
        step(patient_client, "phases", phase_data(UK))
        step(patient_client, "product", product_data(date(2026, 1, 1)))
        yield patient_client


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        (
            started(0, date(2026, 1, 21)),
            ["21 January 2026 is in the future. Enter when it happened."],
        ),
        (
            started(0, date(2025, 12, 31)),
            ["31 December 2025 is before the plan's start date (1 January 2026)."],
        ),
        (
            {**started(0, date(2026, 1, 9)), "current_phase": "2"},
            ["Choose one of the 2 phases of your plan."],
        ),
        (
            {"already_started": "yes"},
            [
                "Choose the phase you are in now.",
                "Enter the date of your last injection.",
                "Enter the time of your last injection.",
                "Choose the site of your last injection, or say that you don't remember it.",
            ],
        ),
        (
            started(
                0,
                date(2026, 1, 12),
                earlier=[("2026-01-02", "09:00", "LD"), ("not a date", "09:00", "LD")],
            ),
            ["Check the earlier injections below.", "Enter a valid date."],
        ),
        (
            started(0, date(2026, 1, 12), earlier=[date(2026, 1, 2), date(2026, 1, 2)]),
            ["Check the earlier injections below.", "2 January 2026 is listed twice."],
        ),
        (
            # A row needs its date, time and site (or "not recorded"), not just some of them.
            started(
                0,
                date(2026, 1, 12),
                earlier=[
                    (date(2026, 1, 2), "", "LD"),
                    ("", "08:00", ""),
                    (date(2026, 1, 5), "07:00", ""),
                ],
            ),
            [
                "Check the earlier injections below.",
                "Enter the time of this injection.",
                "Enter the date of this injection.",
                "Choose the site, or say that you don't remember it.",
                "Choose the site, or say that you don't remember it.",
            ],
        ),
        (
            # Later today than now (10:00 in New York).
            started(0, date(2026, 1, 20), at="10:30"),
            ["20 January 2026 is in the future. Enter when it happened."],
        ),
        (
            started(0, date(2026, 1, 12), earlier=[date(2025, 12, 30), date(2026, 1, 14)]),
            [
                "Check the earlier injections below.",
                "30 December 2025 is before the plan's start date (1 January 2026).",
                "14 January 2026 is after your last injection.",
            ],
        ),
        (
            started(0, date(2026, 1, 12), earlier=[date(2026, 1, 12)]),
            [
                "Check the earlier injections below.",
                "12 January 2026 is your last injection: list only the ones before it.",
            ],
        ),
        (
            # Six loading doses finish the loading phase: a seventh cannot be in it.
            started(0, date(2026, 1, 19), earlier=[date(2026, 1, d) for d in (2, 5, 7, 9, 12, 14)]),
            [
                "Counted from the start of the plan, 6 earlier injections would already take "
                "you past the phase you chose. Choose a later phase, or list fewer dates."
            ],
        ),
    ],
)
def test_wrong_answers_about_earlier_injections_are_refused(at_started_step, data, messages):
    with frozen(date(2026, 1, 20), 10):
        page = read(step(at_started_step, "started", data))
        assert " ".join(page.errors) == " ".join(messages)
        response = at_started_step.get(SETUP, {"step": "review"})
    assert response["Location"] == f"{SETUP}?step=started"
    assert not Regimen.objects.exists()


def thousands_of_rows(count: int = 300) -> dict:
    """The earlier injections' rows as an altered form sends them: far more than the page has."""
    data = earlier_rows(rows=count)
    for n in range(count):
        day = date(2015, 1, 1) + timedelta(days=n)
        data.update(
            {f"earlier-{n}-day": str(day), f"earlier-{n}-time": "09:00", f"earlier-{n}-site": "LD"}
        )
    return data


@pytest.mark.parametrize(
    "rows",
    [
        # More rows claimed than the page has, each filled in.
        thousands_of_rows(),
        # The page's number of rows claimed, and fields sent for rows beyond them.
        {**thousands_of_rows(), "earlier-TOTAL_FORMS": "12"},
    ],
    ids=["total-forms", "extra-fields"],
)
def test_more_earlier_injections_than_the_page_has_are_refused(at_started_step, rows):
    data = {**started(1, date(2026, 1, 19)), **rows}
    with frozen(date(2026, 1, 20), 10):
        page = read(step(at_started_step, "started", data))
        response = at_started_step.get(SETUP, {"step": "review"})
    assert page.errors == [
        "Check the earlier injections below.",
        "List at most 12 earlier injections: the latest ones are enough.",
    ]
    assert response["Location"] == f"{SETUP}?step=started"
    assert not Regimen.objects.exists()
    assert not DoseLog.objects.exists()


# --- the review, and saving -------------------------------------------------------------------


def test_the_review_shows_the_whole_plan_and_saves_nothing(patient, patient_client):
    # schedule.md: US practice from Monday 2 March 2026, no doses yet: daily 2, 3, 4 ... March.
    with frozen(date(2026, 3, 1), 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
    assert review.text("review-product") == (
        "Cyanocobalamin, 1000 mcg per mL, in 1 mL vials or ampoules, injected intramuscular; "
        "starting Monday 2 March 2026."
    )
    assert review.text("review-phases").startswith(
        "Repletion: 1,000 mcg every day, for 7 doses, then"
    )
    assert upcoming_days(review) == [
        "Monday 2 March 2026",
        "Tuesday 3 March 2026",
        "Wednesday 4 March 2026",
        "Thursday 5 March 2026",
        "Friday 6 March 2026",
    ]
    assert review.text("review-injections") == "None: you are starting now."
    assert not Regimen.objects.exists()
    assert not DoseLog.objects.exists()


def test_a_changed_phase_shows_in_the_review(patient_client):
    # Maintenance changed to 500 mcg every 2 months: the 6 loading doses end on Wednesday
    # 14 January (schedule.md), so maintenance is due 14 March, then 14 May.
    earlier = [date(2026, 1, d) for d in (2, 5, 7, 9, 12)]
    with frozen(date(2026, 1, 20), 10):
        review = up_to_review(
            patient_client,
            UK,
            date(2026, 1, 1),
            started(0, date(2026, 1, 14), earlier),
            {1: {"schedule_every": 2, "dose_mcg": 500}},
        )
    assert "Maintenance: 500 mcg every 2 months" in review.text("review-phases")
    assert upcoming_days(review)[:2] == ["Saturday 14 March 2026", "Thursday 14 May 2026"]
    assert "Maintenance · 500 mcg" in review.text("review-upcoming")


def test_saving_stores_the_regimen_marked_as_entered_by_the_patient(patient, patient_client):
    with frozen(date(2026, 3, 1), 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        response = save(patient_client, review)
        assert response["Location"] == reverse("home")
        home = patient_client.get(reverse("home")).content.decode()
    regimen = saved(patient)
    assert regimen.entered_by == patient
    assert regimen.prescriber is None
    assert regimen.needs_confirmation
    assert regimen.next_due == date(2026, 3, 2)
    assert regimen.container_ml == 1
    assert_stored_state_is_a_replay(regimen)
    change = regimen.changes.get()
    assert (change.kind, change.by) == (RegimenChange.Kind.ENTERED, patient)
    assert "Your injection plan is saved. Next injection due Monday 2 March 2026." in home
    assert "Entered by you; not yet confirmed by a clinician" in home
    assert patient_client.session.get("regimen_setup") is None


def test_a_double_submitted_save_makes_one_regimen(patient, patient_client):
    with frozen(date(2026, 3, 1), 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        first, second = save(patient_client, review), save(patient_client, review)
        home = patient_client.get(reverse("home")).content.decode()
    assert first["Location"] == second["Location"] == reverse("home")
    assert Regimen.objects.filter(patient=patient).count() == 1
    assert "Next injection due Monday 2 March 2026." in home


def test_a_regimen_made_meanwhile_is_not_doubled(patient, patient_client):
    with frozen(date(2026, 3, 1), 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
        factories.regimen_for(patient, date(2026, 3, 2), UK)  # a clinician was quicker
        page = save(patient_client, review).content.decode()
    assert "You already have an injection plan" in page
    assert Regimen.objects.filter(patient=patient).count() == 1


# --- part-way through treatment ----------------------------------------------------------------


def test_part_way_with_every_earlier_injection_continues_from_the_last(patient, patient_client):
    # schedule.md: UK plan from Thursday 1 January 2026, loading doses on 2, 5, 7, 9 and
    # 12 January and the 6th on Friday 16 January: maintenance is due 16 April.
    earlier = [date(2026, 1, d) for d in (2, 5, 7, 9, 12)]
    with frozen(date(2026, 1, 20), 10):
        review = up_to_review(
            patient_client, UK, date(2026, 1, 1), started(0, date(2026, 1, 16), earlier)
        )
        assert upcoming_days(review)[:2] == ["Thursday 16 April 2026", "Thursday 16 July 2026"]
        assert "Fri 16 Jan 2026, 09:00 · Left deltoid · Repletion · your last injection" in (
            review.text("review-injections")
        )
        save(patient_client, review)
        home = patient_client.get(reverse("home")).content.decode()
    regimen = saved(patient)
    assert regimen.next_due == date(2026, 4, 16)
    assert regimen.current_phase.kind == "maintenance"
    doses = list(DoseLog.objects.filter(patient=patient).order_by("administered_at"))
    assert [d.administered_at.astimezone(NEW_YORK).date() for d in doses] == [
        *earlier,
        date(2026, 1, 16),
    ]
    assert {(d.site, d.dose_mcg, d.recorded_by_id) for d in doses} == {("LD", 1000, patient.pk)}
    assert not regimen.changes.filter(kind=RegimenChange.Kind.ADVANCED).exists()
    assert_stored_state_is_a_replay(regimen)
    assert "Thursday 16 April 2026" in home


def test_part_way_in_a_later_phase_moves_on_just_before_the_last_injection(patient, patient_client):
    # US practice from Monday 2 March 2026; the patient is in the weekly phase and had their
    # last injection on Sunday 15 March, and lists none before it. The advance to the weekly
    # phase is recorded first; 15 March is weekly dose 1 of 4: then 22, 29 March and 5 April
    # (dose 4 ends the phase), then every 4 weeks from 5 April: 3 May.
    with frozen(date(2026, 3, 17), 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2), started(1, date(2026, 3, 15)))
        assert upcoming_days(review) == [
            "Sunday 22 March 2026",
            "Sunday 29 March 2026",
            "Sunday 5 April 2026",
            "Sunday 3 May 2026",
            "Sunday 31 May 2026",
        ]
        assert "moved on to “Weekly for 4 weeks”" in review.text("review-advanced")
        save(patient_client, review)
    regimen = saved(patient)
    assert regimen.next_due == date(2026, 3, 22)
    assert regimen.current_phase.label == "Weekly for 4 weeks"
    assert regimen.given_in_phase == 1
    advance = regimen.changes.get(kind=RegimenChange.Kind.ADVANCED)
    assert advance.by == patient
    dose = DoseLog.objects.get(patient=patient)
    assert advance.at < dose.administered_at
    assert dose.phase == regimen.current_phase
    assert_stored_state_is_a_replay(regimen)


def test_backfilled_injections_count_in_the_phases_they_fall_in(patient, patient_client):
    # The seven daily doses 2-8 March end the repletion phase by themselves; the last
    # injection on Sunday 15 March is weekly dose 1: next due 22 March, with no advance.
    earlier = [date(2026, 3, 2) + timedelta(days=n) for n in range(7)]
    with frozen(date(2026, 3, 17), 10):
        review = up_to_review(
            patient_client, US, date(2026, 3, 2), started(1, date(2026, 3, 15), earlier)
        )
        assert "review-advanced" not in review.testids
        save(patient_client, review)
    regimen = saved(patient)
    assert regimen.next_due == date(2026, 3, 22)
    assert regimen.given_in_phase == 1
    kinds = [
        d.phase.kind for d in DoseLog.objects.filter(patient=patient).order_by("administered_at")
    ]
    assert kinds == ["repletion"] * 7 + ["stabilization"]
    assert not regimen.changes.filter(kind=RegimenChange.Kind.ADVANCED).exists()
    assert_stored_state_is_a_replay(regimen)


def test_an_injection_today_is_recorded_at_the_time_given_not_in_the_future(
    patient, patient_client
):
    # 08:00 in New York: 07:30 today has happened, 08:30 has not.
    with frozen(date(2026, 3, 9), hour=8):
        review = up_to_review(
            patient_client, US, date(2026, 3, 2), started(1, date(2026, 3, 9), at="07:30")
        )
        later = step(patient_client, "started", started(1, date(2026, 3, 9), at="08:30"))
        save(patient_client, review)
    assert read(later).errors == ["9 March 2026 is in the future. Enter when it happened."]
    dose = DoseLog.objects.get(patient=patient)
    assert dose.administered_at.astimezone(NEW_YORK) == datetime(2026, 3, 9, 7, 30, tzinfo=NEW_YORK)
    assert saved(patient).next_due == date(2026, 3, 16)


def test_each_backfilled_injection_keeps_its_own_time_and_site(patient, patient_client):
    # UK plan from Thursday 1 January 2026: loading doses on Friday 2 (left deltoid, 08:15),
    # Monday 5 (site not remembered, 19:40), the last on Wednesday 7 January (right deltoid,
    # 21:05; a late-evening dose that is still the 7th in New York).
    earlier = [(date(2026, 1, 2), "08:15", "LD"), (date(2026, 1, 5), "19:40", "none")]
    with frozen(date(2026, 1, 8), 10):
        review = up_to_review(
            patient_client,
            UK,
            date(2026, 1, 1),
            started(0, date(2026, 1, 7), earlier, site="RD", at="21:05"),
        )
        assert review.text("review-injections") == (
            "Fri 2 Jan 2026, 08:15 · Left deltoid · Repletion "
            "Mon 5 Jan 2026, 19:40 · site not recorded · Repletion "
            "Wed 7 Jan 2026, 21:05 · Right deltoid · Repletion · your last injection"
        )
        save(patient_client, review)
        home = read(patient_client.get(reverse("home")))
    doses = DoseLog.objects.filter(patient=patient).order_by("administered_at")
    assert [
        (d.administered_at.astimezone(NEW_YORK), d.site, d.site_not_recorded) for d in doses
    ] == [
        (datetime(2026, 1, 2, 8, 15, tzinfo=NEW_YORK), "LD", False),
        (datetime(2026, 1, 5, 19, 40, tzinfo=NEW_YORK), "", True),
        (datetime(2026, 1, 7, 21, 5, tzinfo=NEW_YORK), "RD", False),
    ]
    assert_stored_state_is_a_replay(saved(patient))
    # Rotation counts only the sites recorded: LD and RD are used, so the next never-used
    # site is suggested, not one made up for the injection whose site was not recorded.
    assert "Left thigh" in home.text("suggested-site")


# --- the clinician's confirmation -------------------------------------------------------------


@pytest.fixture
def entered(patient, patient_client):
    with frozen(date(2026, 3, 1), 10):
        save(patient_client, up_to_review(patient_client, US, date(2026, 3, 2)))
    return saved(patient)


def triage_flags(client) -> str:
    page = read(client.get(reverse("home")))
    return page.text("needs-confirmation")


def test_a_clinician_sees_the_entered_regimen_flagged_and_confirms_it(
    client, clinician, patient, entered
):
    client.force_login(clinician)
    assert triage_flags(client) == "Needs confirmation"
    record = read(client.get(reverse("patient_record", args=[patient.pk])))
    assert "Needs confirmation" in record.text("needs-confirmation")

    response = client.post(reverse("confirm_regimen", args=[patient.pk]))

    assert response["Location"] == reverse("patient_record", args=[patient.pk])
    regimen = saved(patient)
    assert (regimen.confirmed_by, regimen.needs_confirmation) == (clinician, False)
    change = regimen.changes.get(kind=RegimenChange.Kind.CONFIRMED)
    assert (change.by, change.at) == (clinician, regimen.confirmed_at)
    assert change.summary() == "confirmed by Dr Care"
    assert triage_flags(client) == ""
    record = client.get(reverse("patient_record", args=[patient.pk])).content.decode()
    assert "Needs confirmation" not in record
    assert reverse("confirm_regimen", args=[patient.pk]) not in record
    client.force_login(patient)
    home = client.get(reverse("home")).content.decode()
    assert "not yet confirmed" not in home


def test_confirming_twice_records_one_confirmation(client, clinician, patient, entered):
    client.force_login(clinician)
    client.post(reverse("confirm_regimen", args=[patient.pk]))
    client.post(reverse("confirm_regimen", args=[patient.pk]))
    assert entered.changes.filter(kind=RegimenChange.Kind.CONFIRMED).count() == 1


def test_the_patient_sees_no_confirm_button_on_their_record(patient_client, patient, entered):
    response = patient_client.get(reverse("patient_record", args=[patient.pk]))
    record = read(response)
    assert record.text("needs-confirmation") == "Entered by you; not yet confirmed by a clinician"
    assert reverse("confirm_regimen", args=[patient.pk]) not in response.content.decode()


@pytest.mark.parametrize("who", ["patient", "other_clinician", "other_patient"])
def test_only_a_care_team_clinician_may_confirm(client, patient, other_patient, entered, who):
    other = factories.ClinicianFactory()
    factories.CareTeamFactory(patient=other_patient, clinician=other)
    client.force_login({"patient": patient, "other_clinician": other}.get(who, other_patient))
    response = client.post(reverse("confirm_regimen", args=[patient.pk]))
    assert response.status_code == 404
    assert saved(patient).needs_confirmation


def test_a_prescribed_regimen_is_not_flagged(client, clinician, patient):
    factories.regimen_for(patient, patient.today())
    client.force_login(clinician)
    assert triage_flags(client) == ""
    record = read(client.get(reverse("patient_record", args=[patient.pk])))
    assert "needs-confirmation" not in record.testids


# --- a fixed number of queries ------------------------------------------------------------------


def test_each_step_makes_a_fixed_number_of_queries(
    patient_client, django_assert_num_queries, patient
):
    # 1 the session; 2 the patient; 3 whether they have an active regimen; then
    # template step: 4 the templates, 5 their phases, 6 whether the patient has a clinician
    # (a template has an open phase before its last, which a clinician advances).
    factories.template()
    with django_assert_num_queries(6):
        patient_client.get(SETUP)
    with frozen(date(2026, 1, 20), 10):
        up_to_review(patient_client, UK, date(2026, 1, 1), started(0, date(2026, 1, 16)))
        # Each later step checks the steps before it: 4 the chosen template, 5 its phases.
        for name in ("phases", "product", "started", "review"):
            with django_assert_num_queries(5):
                read(patient_client.get(SETUP, {"step": name}))


@pytest.mark.parametrize("count", [1, 12], ids=["one-earlier", "most-earlier"])
def test_saving_earlier_injections_makes_a_fixed_number_of_queries(
    patient, patient_client, django_assert_num_queries, count
):
    # The US plan with a 20-day daily phase, from Monday 2 March 2026: `count` daily doses
    # listed before the last one, all in the daily phase (no advance either way).
    earlier = [date(2026, 3, 2) + timedelta(days=n) for n in range(count)]
    last = earlier[-1] + timedelta(days=1)
    with frozen(date(2026, 3, 15), 10):
        review = up_to_review(
            patient_client,
            US,
            date(2026, 3, 2),
            started(0, last, earlier),
            phase_changes={0: {"end_value": 20}},
        )
        # The same 56 whether one earlier injection is listed or twelve: 1-6 the session, the
        # patient, the token's regimen (none), whether one is active, the chosen template and
        # its phases; 7 a savepoint; 8 the patient's lock, 9 the token again, 10 the template's
        # phases; 11-41 prescribing (its savepoint, the regimen, its phase, the "entered"
        # change and the record version it raises (the record's timeline shows the changes,
        # clinic/apps.py), the stored state each time it is refreshed); 42-51 the earlier
        # injections: savepoint, the patient's version raised once (which locks their row),
        # the regimen's lock, ONE insert of every dose, the replay (phases, changes, doses),
        # the stored state and the care team's copy of it, release; 52 the regimen again; 53
        # release; 54-56 the session, emptied, in its savepoint.
        with django_assert_num_queries(56):
            response = save(patient_client, review)
    assert response["Location"] == reverse("home")
    regimen = saved(patient)
    assert DoseLog.objects.filter(patient=patient).count() == count + 1
    assert regimen.given_in_phase == count + 1
    assert regimen.next_due == last + timedelta(days=1)
    assert_stored_state_is_a_replay(regimen)


def test_the_triage_list_stays_at_seven_queries_with_an_entered_regimen(
    client, clinician, django_assert_num_queries, entered
):
    client.force_login(clinician)
    # 1 the session; 2 the clinician; 3 the count; 4 the page's ids; 5 the patients; 6 the
    # admin's typical range for serum B12 (read once per page); 7 the page's open alerts.
    with django_assert_num_queries(7):
        flags = triage_flags(client)
    assert flags == "Needs confirmation"


# --- going back ---------------------------------------------------------------------------------


def test_going_back_shows_what_was_entered(patient_client):
    with frozen(date(2026, 3, 1), 10):
        up_to_review(patient_client, US, date(2026, 3, 2), phase_changes={2: {"dose_mcg": 500}})
        phases = read(patient_client.get(SETUP, {"step": "phases"}))
        product = read(patient_client.get(SETUP, {"step": "product"}))
    assert phases.values["phase-2-dose_mcg"] == "500"
    assert product.values["start_date"] == "2026-03-02"


def test_another_plan_starts_its_phases_afresh_and_keeps_the_other_answers(patient_client):
    with frozen(date(2026, 3, 1), 10):
        up_to_review(patient_client, US, date(2026, 3, 2), phase_changes={0: {"dose_mcg": 500}})
        step(patient_client, "template", {"template": factories.template(UK).pk})
        # The review needs the new plan's phases first.
        assert patient_client.get(SETUP, {"step": "review"})["Location"] == (f"{SETUP}?step=phases")
        phases = read(patient_client.get(SETUP, {"step": "phases"}))
        step(patient_client, "phases", phase_data(UK))
        product = read(patient_client.get(SETUP, {"step": "product"}))
    assert phases.values["phase-0-dose_mcg"] == "1000"
    assert phases.values["phase-0-schedule_unit"] == "weekdays"
    assert product.values["start_date"] == "2026-03-02"


def test_a_past_start_with_no_injection_warns_that_the_first_is_late(patient_client):
    with frozen(date(2026, 3, 5), 10):
        review = up_to_review(patient_client, US, date(2026, 3, 2))
    assert review.text("review-next") == "Next injection: Monday 2 March 2026 3 days late"
    assert "If you have already started, say so." in review.text("review-overdue")


def test_part_way_and_late_says_so_without_the_warning(patient_client):
    # Weekly phase, last injection Sunday 1 March: the next was due Sunday 8 March.
    with frozen(date(2026, 3, 10), 10):
        review = up_to_review(patient_client, US, date(2026, 2, 20), started(1, date(2026, 3, 1)))
    assert review.text("review-next") == "Next injection: Sunday 8 March 2026 2 days late"
    assert "review-overdue" not in review.testids
