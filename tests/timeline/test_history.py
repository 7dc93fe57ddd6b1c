"""The history page: one timeline of injections, skips, check-ins and labs, newest first,
25 to a page, in a fixed number of queries; deleted injections stay visible as deleted; only the
signed-in patient's own records appear."""

from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from doses import actions
from doses.models import DoseLog
from tests import factories, pages

# How a dose of the first phase reads: its phase as prescribed then (regimens/history.py).
DAILY = "Daily for 1 week · 1000 mcg · on time that day"

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
IM_SITES = factories.IM_SITES


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(datetime(2026, 6, 1, 12, tzinfo=NEW_YORK))]


def items(response) -> list[tuple[str, str]]:
    """(data-kind, visible text) of each timeline entry, in page order."""
    entries = pages.soup(response).select("li.timeline-item[data-kind]")
    return [(entry["data-kind"], pages.text(entry)) for entry in entries]


def history(client, page=None):
    return client.get(reverse("history"), {"page": page} if page else {})


# --- one timeline ----------------------------------------------------------------------------


def test_it_mixes_injections_skips_check_ins_and_labs_newest_first(patient, patient_client):
    regimen = factories.regimen_for(patient, START)
    factories.give(regimen, date(2026, 3, 2), 9, site="LD")
    actions.skip_dose(regimen, patient, "Out of stock")  # the 3 March dose, at noon
    factories.check_in(patient, datetime(2026, 3, 4, 20, tzinfo=NEW_YORK), score=2)
    factories.give(regimen, date(2026, 3, 5), 9, site="LVL")
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 3, 6), value="412")
    factories.give(regimen, date(2026, 3, 7), 9, site="RD")

    page = history(patient_client)

    assert items(page) == [
        (
            "given",
            f"Injection · 1000 mcg · Right deltoid Sat 7 Mar 2026, 09:00 · 3 months ago {DAILY}",
        ),
        ("lab", "Lab · Serum vitamin B12 (cobalamin) 412 pg/mL Fri 6 Mar 2026 · 3 months ago"),
        (
            "given",
            "Injection · 1000 mcg · Left thigh (vastus lateralis) Thu 5 Mar 2026, 09:00 "
            f"· 3 months ago {DAILY}",
        ),
        (
            "checkin",
            "Check-in · symptom total 12/60 Wed 4 Mar 2026, 20:00 · 3 months ago"
            " Daily for 1 week · 1000 mcg · on time that day",
        ),
        (
            "skipped",
            f"Skipped · Out of stock Tue 3 Mar 2026, 12:00 · 3 months ago {DAILY}",
        ),
        (
            "given",
            f"Injection · 1000 mcg · Left deltoid Mon 2 Mar 2026, 09:00 · 3 months ago {DAILY}",
        ),
    ]


def test_it_links_each_entry_to_its_record(patient, patient_client):
    regimen = factories.regimen_for(patient, START)
    dose = factories.give(regimen, START)
    entry = factories.check_in(patient, datetime(2026, 3, 3, 9, tzinfo=NEW_YORK))

    html = history(patient_client).content.decode()

    assert f'href="{reverse("dose_detail", args=[dose.pk])}"' in html
    assert f'href="{reverse("checkin_detail", args=[entry.pk])}"' in html


def test_it_places_a_lab_after_the_evening_before_it(patient, patient_client):
    regimen = factories.regimen_for(patient, START)
    # 21:00 on 5 March in New York is 02:00 on 6 March in UTC.
    factories.give(regimen, date(2026, 3, 5), 21, site="LD")
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 3, 6))

    page = history(patient_client)

    assert [kind for kind, _ in items(page)] == ["lab", "given"]


def test_it_shows_the_history_of_a_patient_in_another_zone_in_that_zone(patient, patient_client):
    patient.time_zone = "Asia/Tokyo"
    patient.save()
    patient.__dict__.pop("zone", None)
    regimen = factories.regimen_for(patient, START)
    factories.give(regimen, date(2026, 3, 2), 8)

    [(_, shown)] = items(history(patient_client))

    assert "Mon 2 Mar 2026, 08:00" in shown


def test_it_shows_a_deleted_injection_as_deleted(patient, patient_client):
    regimen = factories.regimen_for(patient, START)
    factories.give(regimen, date(2026, 3, 2), site="LD")
    mistake = factories.give(regimen, date(2026, 3, 3), site="RD")
    actions.delete_dose(mistake, patient, "Logged twice")

    page = history(patient_client)

    (deleted_kind, deleted), (kept_kind, kept_text) = items(page)
    assert "Right deltoid" in deleted and deleted.endswith("· deleted")
    assert "Left deltoid" in kept_text and "deleted" not in kept_text
    html = page.content.decode()
    assert 'timeline-item is-deleted" data-kind="given">' in html
    assert reverse("dose_detail", args=[mistake.pk]) in html


def test_it_marks_a_corrected_injection(patient, patient_client):
    regimen = factories.regimen_for(patient, START)
    dose = factories.give(regimen, START)
    actions.correct_dose(dose, patient, "typo", dose_mcg=1200)

    [(_, shown)] = items(history(patient_client))

    assert shown.startswith("Injection · 1200 mcg")
    assert "corrected or changed 1×" in shown


def test_it_says_when_nothing_is_recorded(patient, patient_client):
    page = history(patient_client)

    assert items(page) == []
    assert "Nothing recorded yet." in unescape(page.content.decode())


# --- pagination ------------------------------------------------------------------------------


@pytest.fixture
def thirty_entries(patient):
    """30 entries on 30 days of January 2026: check-ins on the 1st and 15th, labs on the 2nd
    and 20th, injections on the 26 other days."""
    regimen = factories.regimen_for(patient, date(2026, 1, 1))
    for day in range(1, 31):
        on = date(2026, 1, day)
        if day in (1, 15):
            factories.check_in(patient, factories.at(patient, on, 10))
        elif day in (2, 20):
            factories.LabResultFactory(patient=patient, taken_on=on)
        else:
            factories.give(regimen, on, 10, site=IM_SITES[day % len(IM_SITES)])


def test_it_shows_the_newest_25_entries_on_the_first_page(patient_client, thirty_entries):
    page = history(patient_client)

    shown = items(page)
    assert len(shown) == 25
    assert "Fri 30 Jan 2026" in shown[0][1]
    assert "Tue 6 Jan 2026" in shown[-1][1]
    assert [kind for kind, _ in shown].count("checkin") == 1  # 15 January
    assert [kind for kind, _ in shown].count("lab") == 1  # 20 January
    html = unescape(page.content.decode())
    assert "Page 1 of 2" in html
    assert 'href="?page=2">Older<' in html
    assert ">Newer<" not in html


def test_it_shows_the_older_entries_on_page_2(patient_client, thirty_entries):
    page = history(patient_client, 2)

    shown = items(page)
    assert [kind for kind, _ in shown] == ["given", "given", "given", "lab", "checkin"]
    assert shown[3][1].endswith("Fri 2 Jan 2026 · 5 months ago")
    assert "Mon 5 Jan 2026" in shown[0][1]
    assert "Thu 1 Jan 2026, 10:00" in shown[-1][1]
    html = unescape(page.content.decode())
    assert "Page 2 of 2" in html
    assert 'href="?page=1">Newer<' in html
    assert ">Older<" not in html


@pytest.mark.parametrize("number", ["99", "-1"])
def test_it_shows_the_last_page_for_a_page_number_past_the_end(
    patient_client, thirty_entries, number
):
    assert items(history(patient_client, number)) == items(history(patient_client, 2))


def test_it_shows_the_first_page_for_a_page_number_that_is_not_one(patient_client, thirty_entries):
    assert items(history(patient_client, "abc")) == items(history(patient_client))


# --- a fixed number of queries ---------------------------------------------------------------


@pytest.mark.parametrize("injections", [10, 1000])
def test_it_makes_the_same_number_of_queries_whatever_the_history(
    patient, patient_client, django_assert_num_queries, injections
):
    regimen = factories.regimen_for(patient, date(2022, 1, 1))
    factories.add_injections(regimen, injections, date(2022, 1, 1))
    # The newest entries are one check-in and one lab, so that each page shows every kind.
    factories.check_in(patient, datetime(2026, 5, 1, 9, tzinfo=NEW_YORK))
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 5, 2))
    actions.delete_dose(DoseLog.objects.filter(patient=patient).first(), patient)

    # 1 the session; 2 the signed-in user; 3 the number of entries (COUNT over the UNION);
    # 4 the page's (kind, id, time) rows from the UNION; 5 that page's injections with their
    # phase, regimen and number of versions; 6 its check-ins with their phase; 7 its labs;
    # 8 the changes of the phases shown (each entry's phase as prescribed then).
    with django_assert_num_queries(8):
        page = history(patient_client)

    shown = items(page)
    assert len(shown) == min(25, injections + 2)
    assert [kind for kind, _ in shown[:2]] == ["lab", "checkin"]
    assert shown[2][1].endswith("· deleted")
    pages = (injections + 2 + 24) // 25
    assert f"Page 1 of {pages}" in page.content.decode()


# --- only one's own --------------------------------------------------------------------------


def test_it_never_shows_another_patients_entries(patient, other_patient, patient_client):
    mine = factories.regimen_for(patient, START)
    factories.give(mine, START, site="LD")
    theirs = factories.regimen_for(other_patient, START)
    factories.give(theirs, START, site="RVG")
    actions.skip_dose(theirs, other_patient, "Their reason")
    factories.check_in(other_patient, datetime(2026, 3, 4, 9, tzinfo=NEW_YORK), score=9)
    factories.LabResultFactory(
        patient=other_patient,
        taken_on=date(2026, 3, 5),
        analyte="homocysteine",
        value="12",
        unit="umol/L",
    )

    page = history(patient_client)

    assert items(page) == [
        (
            "given",
            f"Injection · 1000 mcg · Left deltoid Mon 2 Mar 2026, 09:00 · 3 months ago {DAILY}",
        )
    ]
    html = unescape(page.content.decode())
    for trace in ("Right hip", "Their reason", "54/60", "Homocysteine"):
        assert trace not in html
    assert "Page 1 of 1" in html
