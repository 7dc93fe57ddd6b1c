"""The private calendar feed: what a calendar app sees at the patient's secret address.

The worked example is schedule.md's cyanocobalamin US template (daily x7, weekly x4, then
every 4 weeks) started on Monday 2 March 2026. Each upcoming injection is an all-day event on
its due date in the patient's zone, with an alarm at the patient's reminder hour; its UID
stays the same while its date moves, and its SEQUENCE rises when it does.
"""

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from doses import actions
from regimens.actions import change_phase, end_regimen
from reminders import feed as feed_module
from reminders.models import CalendarEntry, CalendarFeed
from tests import factories
from tests.clock import frozen

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)  # a Monday
US_DATES = [date(2026, 3, d) for d in range(2, 9)] + [
    date(2026, 3, 15),
    date(2026, 3, 22),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 5, 3),
]


def utc(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fetch(client, user):
    feed = factories.CalendarFeedFactory(user=user)  # theirs, or a new one
    return client.get(reverse("calendar_feed", args=[feed.token]))


def events(response) -> list[dict]:
    """Each event as a calendar app reads it, in date order."""
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    found = []
    for event in calendar.walk("VEVENT"):
        alarms = event.walk("VALARM")
        found.append(
            {
                "uid": str(event["uid"]),
                "start": event.decoded("dtstart"),
                "end": event.decoded("dtend"),
                "summary": str(event["summary"]),
                "description": str(event["description"]),
                "sequence": int(event["sequence"]),
                "modified": event.decoded("last-modified"),
                "alarm": alarms[0].decoded("trigger") if alarms else None,
                "alarm_action": str(alarms[0]["action"]) if alarms else None,
            }
        )
    return sorted(found, key=lambda e: e["start"])


def by_uid(found: list[dict]) -> dict[str, dict]:
    return {event["uid"]: event for event in found}


# --- what the feed contains ------------------------------------------------------------------


def test_it_lists_the_next_twelve_injections_as_all_day_events(client, patient):
    regimen = factories.regimen_for(patient, START)

    with frozen(date(2026, 3, 1)):
        found = events(fetch(client, patient))

    assert [e["start"] for e in found] == US_DATES
    assert all(e["end"] == e["start"] + timedelta(days=1) for e in found)
    assert {e["summary"] for e in found} == {"B12 injection, 1000 mcg"}
    assert [e["uid"] for e in found] == [
        f"regimen-{regimen.pk}-dose-{n}@b12-log" for n in range(1, 13)
    ]
    assert {e["sequence"] for e in found} == {0}


def test_an_event_is_a_whole_day_not_a_time(client, patient):
    factories.regimen_for(patient, START)

    with frozen(date(2026, 3, 1)):
        text = fetch(client, patient).content.decode()

    assert "DTSTART;VALUE=DATE:20260302\r\n" in text
    assert "DTEND;VALUE=DATE:20260303\r\n" in text


def test_the_description_says_what_to_inject_and_who_decides(client, patient):
    factories.regimen_for(patient, START)

    with frozen(date(2026, 3, 1)):
        response = fetch(client, patient)
    first, last = events(response)[0], events(response)[-1]
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]

    assert first["description"].splitlines() == [
        "Phase: Daily for 1 week (repletion)",
        "Dose: 1000 mcg",
        "Product: Cyanocobalamin, 1000 mcg/mL",
        "Route: Intramuscular",
        "Volume to draw: 1 mL",
        "Your prescriber sets the dose and interval.",
        "Log it when done: http://testserver/injections/log/",
    ]
    assert last["description"].startswith("Phase: Every 4 weeks (maintenance)\n")
    assert str(event["url"]) == "http://testserver/injections/log/"


def test_the_calendar_names_itself_and_asks_to_be_refreshed_every_few_hours(client, patient):
    patient.time_zone = "Pacific/Auckland"
    patient.save()

    with frozen(date(2026, 3, 1)):
        response = fetch(client, patient)
    calendar = Calendar.from_ical(response.content)

    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]) == "-//B12 log//Injection calendar//EN"
    assert str(calendar["calscale"]) == "GREGORIAN"
    assert str(calendar["x-wr-calname"]) == "B12 injections"
    assert str(calendar["x-wr-timezone"]) == "Pacific/Auckland"
    assert calendar.decoded("refresh-interval") == timedelta(hours=4)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT4H\r\n" in response.content.decode()
    assert "X-PUBLISHED-TTL:PT4H\r\n" in response.content.decode()


def test_it_answers_as_a_private_calendar_without_cookies(client, patient):
    factories.regimen_for(patient, START)

    with frozen(date(2026, 3, 1)):
        response = fetch(client, patient)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert response.cookies == {}
    # Whoever holds the address learns the dates and doses, not who the patient is.
    body = response.content.decode()
    assert patient.name not in body
    assert patient.email not in body


def test_it_remembers_when_it_was_last_fetched(client, patient):
    with frozen(date(2026, 3, 1), 12):
        fetch(client, patient)

    assert factories.CalendarFeedFactory(user=patient).last_fetched_at == utc(2026, 3, 1, 17)


def test_without_a_regimen_it_is_a_valid_empty_calendar(client, patient):
    with frozen(date(2026, 3, 1)):
        response = fetch(client, patient)

    calendar = Calendar.from_ical(response.content)
    assert response.status_code == 200
    assert str(calendar["x-wr-calname"]) == "B12 injections"
    assert calendar.walk("VEVENT") == []


def test_an_ended_regimen_leaves_the_calendar_empty(client, patient, clinician):
    end_regimen(factories.regimen_for(patient, START), clinician, "Stopped")

    with frozen(date(2026, 3, 1)):
        assert events(fetch(client, patient)) == []


# --- dates and alarms in the patient's zone --------------------------------------------------


def test_in_auckland_dates_are_local_and_alarms_follow_the_april_dst_change(client, patient):
    patient.time_zone = "Pacific/Auckland"
    patient.save()
    regimen = factories.regimen_for(patient, START)
    # 07:00 on 2 March in Auckland is still 1 March in UTC: the dose counts for 2 March.
    factories.give(regimen, START, 7)

    with frozen(date(2026, 3, 2), 12, zone=ZoneInfo("Pacific/Auckland")):
        found = events(fetch(client, patient))

    assert [e["start"] for e in found] == US_DATES[1:] + [date(2026, 5, 31)]
    alarms = {e["start"]: e["alarm"] for e in found}
    # 08:00 NZDT (UTC+13) on 3 March is 19:00 UTC on 2 March.
    assert alarms[date(2026, 3, 3)] == utc(2026, 3, 2, 19)
    # Summer time ends on Sunday 5 April: 08:00 NZST (UTC+12) that day is 20:00 UTC on 4 April.
    assert alarms[date(2026, 3, 29)] == utc(2026, 3, 28, 19)
    assert alarms[date(2026, 4, 5)] == utc(2026, 4, 4, 20)


def test_in_los_angeles_alarms_follow_the_march_dst_change(client, patient):
    patient.time_zone = "America/Los_Angeles"
    patient.save()
    regimen = factories.regimen_for(patient, START)
    # 23:30 on 2 March in Los Angeles is 3 March in UTC: the dose counts for 2 March.
    factories.give(regimen, START, 23)
    factories.ReminderSettingsFactory(user=patient, send_hour=7)

    with frozen(date(2026, 3, 3), 6, zone=ZoneInfo("America/Los_Angeles")):
        found = events(fetch(client, patient))

    alarms = {e["start"]: e["alarm"] for e in found}
    assert found[0]["start"] == date(2026, 3, 3)
    # 07:00 PST (UTC-8) on Saturday 7 March; 07:00 PDT (UTC-7) from Sunday 8 March.
    assert alarms[date(2026, 3, 7)] == utc(2026, 3, 7, 15)
    assert alarms[date(2026, 3, 8)] == utc(2026, 3, 8, 14)
    assert alarms[date(2026, 3, 15)] == utc(2026, 3, 15, 14)
    assert {e["alarm_action"] for e in found} == {"DISPLAY"}


def test_the_alarm_is_an_absolute_utc_time_at_the_default_reminder_hour(client, patient):
    factories.regimen_for(patient, START)

    with frozen(date(2026, 3, 1)):
        response = fetch(client, patient)
    alarm = Calendar.from_ical(response.content).walk("VALARM")[0]

    assert "TRIGGER;VALUE=DATE-TIME:20260302T130000Z\r\n" in response.content.decode()
    assert str(alarm["description"]) == "B12 injection, 1000 mcg"


def test_an_hour_skipped_by_dst_counts_as_the_hour_after():
    zone = ZoneInfo("America/Los_Angeles")
    assert feed_module.alarm_time(date(2026, 3, 8), 2, zone) == utc(2026, 3, 8, 10)  # 03:00 PDT
    assert feed_module.alarm_time(date(2026, 11, 1), 1, zone) == utc(2026, 11, 1, 8)  # 1st 01:00


def test_overdue_dates_say_so_and_carry_no_stale_alarm(client, patient):
    factories.regimen_for(patient, START)  # nothing given: 2 March is overdue on the 4th

    with frozen(date(2026, 3, 4), 12):
        found = events(fetch(client, patient))

    assert [(e["start"].day, e["summary"]) for e in found[:4]] == [
        (2, "B12 injection, 1000 mcg (overdue)"),
        (3, "B12 injection, 1000 mcg (overdue)"),
        (4, "B12 injection, 1000 mcg"),
        (5, "B12 injection, 1000 mcg"),
    ]
    # Today's 08:00 alarm has passed too; apps would only show stale alerts.
    assert [e["alarm"] for e in found[:3]] == [None, None, None]
    assert found[3]["alarm"] == utc(2026, 3, 5, 13)


# --- UIDs and SEQUENCE -----------------------------------------------------------------------


def test_the_same_schedule_gives_the_same_feed_at_every_fetch(client, patient):
    factories.regimen_for(patient, START)

    with frozen(date(2026, 3, 1), 12):
        first = fetch(client, patient)
    with frozen(date(2026, 3, 1), 16):
        second = fetch(client, patient)

    assert first.content == second.content
    assert CalendarEntry.objects.count() == 12


def test_a_dose_given_on_time_keeps_every_event_as_it_was(client, patient):
    regimen = factories.regimen_for(patient, START)
    with frozen(date(2026, 3, 1)):
        before = by_uid(events(fetch(client, patient)))

    with frozen(date(2026, 3, 2), 10):
        factories.give(regimen, START, 9)
        after = by_uid(events(fetch(client, patient)))

    kept = set(before) & set(after)
    assert len(kept) == 11  # dose 1 is done; dose 13 is new
    assert all(after[uid] == before[uid] for uid in kept)
    assert after[f"regimen-{regimen.pk}-dose-13@b12-log"]["sequence"] == 0


def test_a_late_dose_moves_later_events_under_the_same_uid_with_a_higher_sequence(client, patient):
    regimen = factories.regimen_for(patient, START)
    with frozen(date(2026, 3, 1)):
        before = by_uid(events(fetch(client, patient)))

    with frozen(date(2026, 3, 4), 18):
        factories.give(regimen, date(2026, 3, 4), 17)  # due 2 March, given 2 days late
        after = by_uid(events(fetch(client, patient)))

    moved = set(before) & set(after)
    assert len(moved) == 11
    for uid in moved:
        assert after[uid]["start"] == before[uid]["start"] + timedelta(days=2)
        assert after[uid]["sequence"] == 1
        assert after[uid]["modified"] == utc(2026, 3, 4, 23)
    new = set(after) - moved
    assert [after[uid]["sequence"] for uid in new] == [0]


def test_a_clinician_changing_the_interval_moves_only_the_events_it_changes(
    client, patient, clinician
):
    regimen = factories.regimen_for(patient, START)
    for day in range(2, 7):
        factories.give(regimen, date(2026, 3, day))  # 5 of the 7 daily doses, on time
    with frozen(date(2026, 3, 6), 18):
        before = by_uid(events(fetch(client, patient)))

    maintenance = regimen.ordered_phases[2]
    with frozen(date(2026, 3, 6), 19):
        change_phase(maintenance, clinician, "Symptoms return", schedule_every=2)
        after = by_uid(events(fetch(client, patient)))

    assert set(after) == set(before)
    dates = [(after[uid]["start"], after[uid]["sequence"]) for uid in sorted(after, key=dose)]
    assert dates == [
        (date(2026, 3, 7), 0),
        (date(2026, 3, 8), 0),
        (date(2026, 3, 15), 0),
        (date(2026, 3, 22), 0),
        (date(2026, 3, 29), 0),
        (date(2026, 4, 5), 0),
        # Every 2 weeks now, instead of every 4.
        (date(2026, 4, 19), 1),
        (date(2026, 5, 3), 1),
        (date(2026, 5, 17), 1),
        (date(2026, 5, 31), 1),
        (date(2026, 6, 14), 1),
        (date(2026, 6, 28), 1),
    ]
    twelfth = after[f"regimen-{regimen.pk}-dose-12@b12-log"]
    assert twelfth["description"].startswith("Phase: Maintenance: every 2 weeks (maintenance)")


def dose(uid: str) -> int:
    return int(uid.split("-dose-")[1].split("@")[0])


def test_skipped_doses_count_and_deleted_ones_do_not(client, patient):
    regimen = factories.regimen_for(patient, START)
    with frozen(date(2026, 3, 2), 20):
        actions.skip_dose(regimen, patient, "Out of stock")
        after_skip = events(fetch(client, patient))
        given = factories.give(regimen, date(2026, 3, 2), 19)
        actions.delete_dose(given, patient, "Entered by mistake")
        after_delete = events(fetch(client, patient))

    assert dose(after_skip[0]["uid"]) == 2
    assert dose(after_delete[0]["uid"]) == 2


def test_a_fetch_that_read_before_another_wrote_does_not_raise_the_sequence_again(
    client, patient, monkeypatch
):
    regimen = factories.regimen_for(patient, START)
    with frozen(date(2026, 3, 1)):
        fetch(client, patient)
    with frozen(date(2026, 3, 4), 18):
        factories.give(regimen, date(2026, 3, 4), 17)
        # What a second fetch read just before the first one moved the dates and added dose 13:
        stale = feed_module.stored_entries(regimen, range(2, 14))
        fetch(client, patient)
        reads, read_now = [stale], feed_module.stored_entries
        cache.clear()  # the two fetches built the feed at once: neither found it kept
        monkeypatch.setattr(
            feed_module, "stored_entries", lambda *args: reads.pop() if reads else read_now(*args)
        )
        found = events(fetch(client, patient))

    assert reads == []  # the second fetch did start from the stale read
    assert [e["sequence"] for e in found] == [1] * 11 + [0]
    assert CalendarEntry.objects.filter(regimen=regimen, sequence__gt=1).count() == 0


# --- the address ------------------------------------------------------------------------------


def test_an_unknown_token_is_not_found(client, patient):
    factories.CalendarFeedFactory(user=patient)
    assert client.get(reverse("calendar_feed", args=["not-a-real-token"])).status_code == 404


def test_a_revoked_address_is_not_found(client, patient_client, patient):
    token = factories.CalendarFeedFactory(user=patient).token
    patient_client.post(reverse("calendar_feed_token"), {"action": "revoke"})

    assert client.get(reverse("calendar_feed", args=[token])).status_code == 404


def test_a_regenerated_address_replaces_the_old_one(client, patient_client, patient):
    old = factories.CalendarFeedFactory(user=patient).token
    patient_client.post(reverse("calendar_feed_token"), {"action": "regenerate"})
    new = CalendarFeed.objects.get(user=patient).token

    assert new != old
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200


def test_a_deactivated_patients_address_stops_working(client, patient):
    token = factories.CalendarFeedFactory(user=patient).token
    patient.is_active = False
    patient.save()

    assert client.get(reverse("calendar_feed", args=[token])).status_code == 404


def test_the_feed_is_read_only(client, patient):
    url = reverse("calendar_feed", args=[factories.CalendarFeedFactory(user=patient).token])
    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200


def test_each_address_shows_only_its_own_patients_injections(
    client, patient_client, patient, other_patient
):
    mine = factories.regimen_for(patient, START)
    theirs = factories.regimen_for(other_patient, date(2026, 1, 1), factories.UK_TEMPLATE)

    with frozen(date(2026, 1, 1)):
        my_events = events(fetch(client, patient))
        # Signed in as the patient, the other's address still shows only the other's doses.
        their_events = events(fetch(patient_client, other_patient))

    assert {e["uid"].split("-dose-")[0] for e in my_events} == {f"regimen-{mine.pk}"}
    assert {e["uid"].split("-dose-")[0] for e in their_events} == {f"regimen-{theirs.pk}"}
    assert [e["start"] for e in their_events[:3]] == [
        date(2026, 1, 2),
        date(2026, 1, 5),
        date(2026, 1, 7),
    ]
    assert their_events[0]["summary"] == "B12 injection, 1000 mcg"
    assert "Hydroxocobalamin" in their_events[0]["description"]


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("injections", [1, 60])
def test_the_feed_takes_a_fixed_number_of_queries(
    client, patient, django_assert_num_queries, injections
):
    regimen = factories.regimen_for(patient, date(2025, 1, 1))
    factories.add_injections(regimen, injections, date(2025, 1, 1))
    url = reverse("calendar_feed", args=[factories.CalendarFeedFactory(user=patient).token])

    with frozen(date(2026, 3, 2), 9):
        # 1 the feed with its patient and their reminder settings; 2 UPDATE the fetch time; 3
        # the active regimen with its count of recorded doses; 4 its phases; 5 the published
        # entries; the first time only: 6 INSERT the new entries; 7 read them back.
        with django_assert_num_queries(7):
            first = client.get(url)
        # The same hour, nothing changed: the feed is kept (reminders/feed.py), and the fetch
        # time is written at most once a minute. 1 the feed with its patient and settings.
        with frozen(date(2026, 3, 2), 9, 0, 30), django_assert_num_queries(1):
            again = client.get(url)
        # A minute on, the fetch time is written again; the feed still kept.
        with frozen(date(2026, 3, 2), 9, 1, 30), django_assert_num_queries(2):
            client.get(url)
        # The next hour (an alarm may be past): built again, its dates unmoved. 1 the feed; 2
        # UPDATE the fetch time; 3 the regimen; 4 its phases; 5 the published entries.
        with frozen(date(2026, 3, 2), 10), django_assert_num_queries(5):
            later = client.get(url)

    assert again.content == first.content
    assert len(events(first)) == len(events(later)) == 12
    assert dose(events(again)[0]["uid"]) == injections + 1


def test_a_kept_feed_shows_a_new_dose_at_once(client, patient):
    regimen = factories.regimen_for(patient, START)
    with frozen(date(2026, 3, 2), 8):
        before = events(fetch(client, patient))
        events(fetch(client, patient))  # kept
        factories.give(regimen, date(2026, 3, 2), 7)
        after = events(fetch(client, patient))

    assert dose(before[0]["uid"]) == 1
    assert dose(after[0]["uid"]) == 2
    assert after[0]["start"] > before[0]["start"]


def test_a_calendar_app_holding_the_feed_is_answered_not_modified(client, patient):
    regimen = factories.regimen_for(patient, START)
    url = reverse("calendar_feed", args=[factories.CalendarFeedFactory(user=patient).token])
    with frozen(date(2026, 3, 2), 8):
        first = client.get(url)
        again = client.get(url, headers={"if-none-match": first["ETag"]})
        factories.give(regimen, date(2026, 3, 2), 7)
        changed = client.get(url, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304 and again.content == b""
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert dose(events(changed)[0]["uid"]) == 2


def test_a_revoked_address_gets_no_kept_feed(client, patient_client, patient):
    factories.regimen_for(patient, START)
    token = factories.CalendarFeedFactory(user=patient).token
    with frozen(date(2026, 3, 2), 8):
        assert client.get(reverse("calendar_feed", args=[token])).status_code == 200
        patient_client.post(reverse("calendar_feed_token"), {"action": "revoke"})
        assert client.get(reverse("calendar_feed", args=[token])).status_code == 404


# --- real concurrency (PostgreSQL only: SQLite serialises whole-database writes) --------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (CI's 2nd pass)")
def test_concurrent_fetches_after_a_move_raise_each_sequence_once(patient):
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=3))
    url = reverse("calendar_feed", args=[factories.CalendarFeedFactory(user=patient).token])
    Client().get(url)
    factories.give(regimen, today, 0)  # due 3 days ago: every later date moves
    barrier, bodies = threading.Barrier(6), []

    def fetch_at_once():
        try:
            barrier.wait()
            response = Client().get(url)
            bodies.append((response.status_code, response.content))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=fetch_at_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert [status for status, _ in bodies] == [200] * 6
    assert len({body for _, body in bodies}) == 1
    sequences = sorted(CalendarEntry.objects.filter(regimen=regimen).values_list("sequence"))
    assert sequences == [(0,)] * 2 + [(1,)] * 11  # dose 1, and the new dose 13; the rest moved
