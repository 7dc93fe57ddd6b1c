"""The next lab review: a date on the regimen, 3 months after the start when a clinician
prescribes (clamped to the end of a shorter month), changed or cleared by a care-team clinician
(a RegimenChange with who and why), shown as due on the patient's home and in the clinician's
triage list.

Regimens come from the cyanocobalamin US template; patients live in New York.
"""

from datetime import date
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from regimens import actions
from regimens.models import Regimen, RegimenChange
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid, soup, texts

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)
REVIEW = date(2026, 6, 2)  # 3 months after START


def browser_for(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def prescribed(patient, clinician, start: date = START) -> Regimen:
    return actions.prescribe(patient, factories.template(), start, clinician)


# --- reading pages ---------------------------------------------------------------------------


def page(response) -> SimpleNamespace:
    """The text of each element with a data-testid and of each timeline entry, and the page's
    HTML."""
    assert response.status_code == 200
    html = soup(response)
    return SimpleNamespace(
        text=response.content.decode(),
        testids=by_testid(html),
        timeline=texts(html, '[class*="timeline-item"]'),
    )


def triage_rows(browser) -> dict[str, list[str]]:
    """The triage table's rows, by patient name (its first two words): the text of each cell."""
    response = browser.get(reverse("home"))
    assert response.status_code == 200
    rows = {}
    for row in soup(response).select('tr[data-testid="triage-row"]'):
        cells = texts(row, "td")
        rows[" ".join(cells[0].split(" ", 2)[:2])] = cells
    return rows


LAB_REVIEW, FLAGS = 8, 1  # the triage table's columns


# --- prescribing sets it ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "review"),
    [
        (date(2026, 3, 2), date(2026, 6, 2)),
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),  # 2028 is a leap year
        (date(2027, 11, 29), date(2028, 2, 29)),
        (date(2026, 8, 31), date(2026, 11, 30)),
        (date(2026, 10, 15), date(2027, 1, 15)),  # into the next year
    ],
)
def test_prescribing_sets_the_next_lab_review_three_months_after_the_start(
    patient, clinician, start, review
):
    regimen = prescribed(patient, clinician, start)

    assert Regimen.objects.get(pk=regimen.pk).next_lab_review == review


def test_switching_regimen_sets_a_review_three_months_after_the_new_start(patient, clinician):
    first = prescribed(patient, clinician)
    actions.set_lab_review(first, clinician, date(2026, 4, 1))

    second = actions.switch_regimen(first, factories.template(), date(2026, 5, 31), clinician)

    assert Regimen.objects.get(pk=second.pk).next_lab_review == date(2026, 8, 31)


def test_logging_doses_keeps_the_lab_review(patient, clinician):
    with frozen(date(2026, 3, 10)):
        regimen = prescribed(patient, clinician)
        actions.set_lab_review(regimen, clinician, date(2026, 5, 5))
        regimen.refresh_from_db()
        for _ in range(3):
            factories.give(regimen, regimen.next_due)

    assert Regimen.objects.get(pk=regimen.pk).next_lab_review == date(2026, 5, 5)


# --- the clinician changes it ----------------------------------------------------------------


def test_the_care_team_clinician_sets_the_date_with_a_reason(patient, clinician):
    with frozen(date(2026, 2, 27)):
        regimen = prescribed(patient, clinician)
    browser = browser_for(clinician)
    url = reverse("set_lab_review", args=[patient.pk])

    form = browser.get(url)
    assert form.status_code == 200
    assert 'value="2026-06-02"' in form.content.decode()

    with frozen(date(2026, 4, 1), 10):
        response = browser.post(url, {"on": "2026-07-01", "reason": "B12 low in March"})

    assert response.status_code == 302
    assert response["Location"] == reverse("patient_record", args=[patient.pk])
    assert Regimen.objects.get(pk=regimen.pk).next_lab_review == date(2026, 7, 1)
    change = RegimenChange.objects.get(regimen=regimen, kind=RegimenChange.Kind.LAB_REVIEW)
    assert (change.by, change.reason) == (clinician, "B12 low in March")
    assert change.old_values == {"lab_review": "2026-06-02"}
    assert change.new_values == {"lab_review": "2026-07-01"}

    with frozen(date(2026, 4, 2), 9):
        record = page(browser.get(reverse("patient_record", args=[patient.pk])))
    assert record.testids["record-lab-review"] == ["Next lab review: 1 July 2026 change"]
    assert record.timeline[0] == (
        "Regimen · Next lab review set Wed 1 Apr 2026, 10:00 · yesterday "
        "lab review 2026-06-02 → 2026-07-01 · “B12 low in March” by Dr Care"
    )


def test_the_record_says_so_once_saved(patient, clinician):
    prescribed(patient, clinician)

    response = browser_for(clinician).post(
        reverse("set_lab_review", args=[patient.pk]), {"on": "2026-07-01"}, follow=True
    )

    assert "Next lab review saved." in response.content.decode()


def test_the_clinician_clears_the_date_and_sets_one_again(patient, clinician):
    regimen = prescribed(patient, clinician)
    browser = browser_for(clinician)
    url = reverse("set_lab_review", args=[patient.pk])

    assert browser.post(url, {"on": "", "reason": "Stable"}).status_code == 302
    assert Regimen.objects.get(pk=regimen.pk).next_lab_review is None
    record = page(browser.get(reverse("patient_record", args=[patient.pk])))
    assert record.testids["record-lab-review"] == ["Next lab review: none planned change"]

    assert browser.post(url, {"on": "2026-09-01"}).status_code == 302
    summaries = [
        change.summary()
        for change in RegimenChange.objects.filter(kind=RegimenChange.Kind.LAB_REVIEW)
    ]
    assert summaries == ["lab review 2026-09-01", "lab review 2026-06-02 → none"]


@pytest.mark.parametrize(("current", "posted"), [(REVIEW, "2026-06-02"), (None, "")])
def test_nothing_changed_is_refused(patient, clinician, current, posted):
    regimen = prescribed(patient, clinician)
    Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=current)

    response = browser_for(clinician).post(
        reverse("set_lab_review", args=[patient.pk]), {"on": posted, "reason": "again"}
    )

    assert response.status_code == 200
    assert "Nothing changed." in response.content.decode()
    assert not RegimenChange.objects.filter(kind=RegimenChange.Kind.LAB_REVIEW).exists()
    assert Regimen.objects.get(pk=regimen.pk).next_lab_review == current


def test_the_action_refuses_the_same_date(patient, clinician):
    regimen = prescribed(patient, clinician)

    with pytest.raises(ValidationError, match="Nothing changed."):
        actions.set_lab_review(regimen, clinician, REVIEW)

    assert not RegimenChange.objects.filter(kind=RegimenChange.Kind.LAB_REVIEW).exists()


def test_only_the_care_team_clinician_may_set_it(patient, other_patient, clinician):
    prescribed(patient, clinician)
    url = reverse("set_lab_review", args=[patient.pk])
    stranger = factories.ClinicianFactory(name="Dr Elsewhere", email="elsewhere@example.org")

    for user in (patient, other_patient, stranger):
        browser = browser_for(user)
        assert browser.get(url).status_code == 404, user
        assert browser.post(url, {"on": "2026-07-01"}).status_code == 404, user

    assert Regimen.objects.get(patient=patient).next_lab_review == REVIEW
    assert not RegimenChange.objects.filter(kind=RegimenChange.Kind.LAB_REVIEW).exists()
    own = page(browser_for(patient).get(reverse("patient_record", args=[patient.pk])))
    assert own.testids["record-lab-review"] == ["Next lab review: 2 June 2026"]
    assert reverse("set_lab_review", args=[patient.pk]) not in own.text


def test_there_is_nothing_to_set_without_an_active_regimen(patient, clinician):
    regimen = prescribed(patient, clinician)
    actions.end_regimen(regimen, clinician, "Stopped")

    response = browser_for(clinician).get(reverse("set_lab_review", args=[patient.pk]))

    assert response.status_code == 404


# --- the patient's home ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 5, 29), "in 4 days"),
        (date(2026, 6, 1), "due tomorrow"),
        (date(2026, 6, 2), "due today"),
        (date(2026, 6, 3), "1 day late"),
        (date(2026, 6, 12), "10 days late"),
    ],
)
def test_the_home_shows_the_next_blood_test_and_when_it_is(patient, clinician, today, status):
    prescribed(patient, clinician)

    with frozen(today):
        home = page(browser_for(patient).get(reverse("home")))

    assert home.testids["lab-review"] == [f"Next blood test: 2 June 2026 {status}"]


def test_the_home_counts_days_from_the_patients_today(patient, clinician):
    prescribed(patient, clinician)

    # 01:30 on 2 June in UTC is still 1 June, 21:30, in New York.
    with frozen(date(2026, 6, 2), 1, 30, zone=ZoneInfo("UTC")):
        home = page(browser_for(patient).get(reverse("home")))

    assert home.testids["lab-review"] == ["Next blood test: 2 June 2026 due tomorrow"]


def test_the_home_shows_no_blood_test_when_none_is_planned(patient, clinician):
    regimen = prescribed(patient, clinician)
    actions.set_lab_review(regimen, clinician, None)

    home = page(browser_for(patient).get(reverse("home")))

    assert "lab-review" not in home.testids
    assert "Next blood test" not in home.text


# --- the clinician's triage list -------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 5, 20), False),
        (date(2026, 6, 1), False),
        (date(2026, 6, 2), True),
        (date(2026, 7, 15), True),
    ],
)
def test_the_triage_list_shows_the_date_and_flags_a_review_that_is_due(
    patient, clinician, today, due
):
    prescribed(patient, clinician)

    with frozen(today):
        row = triage_rows(browser_for(clinician))["Pat Patient"]

    assert row[LAB_REVIEW] == "2 Jun 2026"
    assert ("Lab review due" in row[FLAGS]) is due


def test_the_triage_flag_follows_the_patients_day(patient, clinician):
    prescribed(patient, clinician)

    # Already 2 June in UTC, still 1 June in New York: not yet due.
    with frozen(date(2026, 6, 2), 1, 30, zone=ZoneInfo("UTC")):
        not_yet = triage_rows(browser_for(clinician))["Pat Patient"]
    with frozen(date(2026, 6, 2), 0, 30):
        due = triage_rows(browser_for(clinician))["Pat Patient"]

    assert "Lab review due" not in not_yet[FLAGS]
    assert "Lab review due" in due[FLAGS]


def test_the_triage_list_shows_a_dash_without_a_review(patient, clinician):
    regimen = prescribed(patient, clinician)
    actions.set_lab_review(regimen, clinician, None)

    with frozen(date(2026, 7, 15)):
        row = triage_rows(browser_for(clinician))["Pat Patient"]

    assert row[LAB_REVIEW] == "–"
    assert "Lab review due" not in row[FLAGS]
