"""The wear-off view: in maintenance, do symptoms come back before the next injection?

First the pure analysis (symptoms/wearoff.py) on synthetic data with a known answer: each check-in
is placed at the fraction of its injection's prescribed interval; per symptom the mean score in
the last quarter (0.75 to 1) is compared with the first half (under 0.5), and a symptom is
flagged when it is at least 2 points worse over at least 3 intervals with check-ins in both.

Then through the database: the cyanocobalamin US template (daily x7, weekly x4, then every 4
weeks) started on Monday 2 March 2026 and given on time, so that maintenance injections fall on
3 May, 31 May, 28 June and 26 July 2026. Time is frozen at 20 August 2026, noon in New York.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from doses import actions
from doses.models import Alert, DoseLog
from regimens.models import Regimen
from symptoms import wearoff
from tests import factories, pages
from tests.clock import frozen

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)
MAINTENANCE = [date(2026, 5, 3), date(2026, 5, 31), date(2026, 6, 28), date(2026, 7, 26)]
NOW = datetime(2026, 8, 20, 12, tzinfo=NEW_YORK)
MESSAGE = "Your symptoms tend to return before your next injection: mention this to your clinician."
FLAG = "Symptoms return before the next injection"
SYMPTOMS = ("fatigue", "tingling", "mood")


# --- the pure analysis -----------------------------------------------------------------------


def injections(count: int, every: int = 28, first: date = date(2026, 5, 3), *, interval=None):
    """`count` maintenance injections given `every` days apart, each prescribed every
    `interval` days (`every` unless said otherwise)."""
    return [(first + timedelta(days=every * n), float(interval or every)) for n in range(count)]


def scores(fatigue: float, tingling: float = 1, mood: float = 1) -> dict:
    return {"fatigue": fatigue, "tingling": tingling, "mood": mood}


def early_and_late(given, early: list[dict], late: list[dict], early_day=3, late_day=24):
    """One check-in `early_day` and one `late_day` days after each injection, with the scores
    given for that interval (3/28 is in the first half; 24/28 in the last quarter)."""
    checkins = []
    for (day, _interval), before, after in zip(given, early, late, strict=True):
        checkins.append((day + timedelta(days=early_day), before))
        checkins.append((day + timedelta(days=late_day), after))
    return checkins


def test_symptoms_rising_late_in_three_intervals_are_flagged_with_their_differences():
    given = injections(3)
    checkins = early_and_late(
        given,
        early=[scores(2, 3, 4), scores(2, 3, 4), scores(2, 3, 4)],
        late=[scores(6, 5, 4), scores(5, 6, 4), scores(7, 4, 4)],
    )

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert result.intervals_compared == 3
    # fatigue: late mean 6 - early mean 2; tingling: 5 - 3; mood: unchanged.
    assert result.difference == {"fatigue": 4.0, "tingling": 2.0, "mood": 0.0}
    assert result.flagged == ["fatigue", "tingling"]
    assert result.symptoms_return is True
    assert len(result.points) == 6


def test_flat_scores_are_not_flagged():
    given = injections(5)
    flat = [scores(3, 3, 3)] * 5

    result = wearoff.analyse(given, early_and_late(given, flat, flat), SYMPTOMS)

    assert result.intervals_compared == 5
    assert result.difference == {"fatigue": 0.0, "tingling": 0.0, "mood": 0.0}
    assert result.flagged == []
    assert result.symptoms_return is False


def test_symptoms_that_improve_late_in_the_interval_are_not_flagged():
    given = injections(3)
    checkins = early_and_late(given, [scores(8)] * 3, [scores(1)] * 3)

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert result.difference["fatigue"] == -7.0
    assert result.flagged == []


def test_two_intervals_are_too_few_even_when_symptoms_rise_steeply():
    given = injections(2)
    checkins = early_and_late(given, [scores(0)] * 2, [scores(10)] * 2)

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert result.intervals_compared == 2
    assert result.flagged == []
    assert result.difference == {}
    assert result.symptoms_return is False


def test_an_interval_counts_only_with_check_ins_in_both_its_first_half_and_last_quarter():
    given = injections(4)
    checkins = early_and_late(given[:2], [scores(0)] * 2, [scores(9)] * 2)
    checkins.append((given[2][0] + timedelta(days=3), scores(0)))  # third: early only
    checkins.append((given[3][0] + timedelta(days=25), scores(9)))  # fourth: late only

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert len(result.points) == 6
    assert result.intervals_compared == 2
    assert result.flagged == []


def test_only_the_intervals_compared_enter_the_means():
    given = injections(4)
    checkins = early_and_late(given[:3], [scores(2)] * 3, [scores(4)] * 3)
    # A fourth interval with only a very bad early check-in must not lower the difference.
    checkins.append((given[3][0] + timedelta(days=2), scores(10)))

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert result.intervals_compared == 3
    assert result.difference["fatigue"] == 2.0
    assert result.flagged == ["fatigue"]


@pytest.mark.parametrize(
    ("early", "late", "difference", "flagged"),
    [
        # Exactly 2 points worse: 5 - 3.
        ([3, 3, 3], [5, 5, 5], 2.0, True),
        # Exactly 2 points in thirds (16/3 - 10/3), which floating point makes 1.9999...
        ([3, 3, 4], [5, 5, 6], 2.0, True),
        # 1.9 points worse: 10 late check-ins over 10 intervals, one of them only 1 worse.
        ([0] * 10, [2] * 9 + [1], 1.9, False),
    ],
    ids=["2.0", "2.0-in-thirds", "1.9"],
)
def test_the_threshold_is_at_least_two_points(early, late, difference, flagged):
    given = injections(len(early))
    checkins = early_and_late(given, [scores(s) for s in early], [scores(s) for s in late])

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert result.difference["fatigue"] == difference
    assert result.flagged == (["fatigue"] if flagged else [])


def test_a_difference_just_under_two_points_is_not_flagged():
    """59/30 = 1.97 points worse is not "at least 2 points worse", even if it shows as 2.0.

    Three intervals with weekly check-ins: early scores 0, 0 | 0, 0 | 1 (mean 0.2); late scores
    2, 2 | 2, 2 | 2, 3 (mean 2.1667)."""
    given = injections(3)
    early = {2: [0, 0, 1], 9: [0, 0, None]}  # days after the injection -> score per interval
    late = {22: [2, 2, 2], 27: [2, 2, 3]}
    checkins = [
        (day + timedelta(days=after), scores(by_interval[n]))
        for n, (day, _) in enumerate(given)
        for after, by_interval in (early | late).items()
        if by_interval[n] is not None
    ]

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert result.intervals_compared == 3
    assert result.flagged == []


def test_check_ins_are_placed_in_the_interval_after_the_injection_before_them():
    given = injections(2)  # 3 May and 31 May, every 28 days
    checkins = [
        (date(2026, 5, 2), scores(1)),  # before the first maintenance injection: not placed
        (date(2026, 5, 3), scores(2)),  # the day of the injection: day 0
        (date(2026, 5, 17), scores(3)),  # day 14: half-way
        (date(2026, 5, 31), scores(4)),  # the next injection's day: day 0 of the second
        (date(2026, 6, 21), scores(5)),  # day 21: three quarters
    ]

    points = wearoff.place(given, checkins)

    assert [(p.interval, p.days, p.fraction) for p in points] == [
        (0, 0, 0.0),
        (0, 14, 0.5),
        (1, 0, 0.0),
        (1, 21, 0.75),
    ]
    assert [p.scores["fatigue"] for p in points] == [2, 3, 4, 5]


def test_a_check_in_made_before_the_injection_of_its_day_ends_the_earlier_interval():
    given = injections(2)  # 3 May and 31 May, every 28 days
    checkins = [
        # 31 May, before that day's shot: the last injection before it was on 3 May.
        (date(2026, 5, 31), scores(6), date(2026, 5, 3)),
        # 31 May, after the shot.
        (date(2026, 5, 31), scores(2), date(2026, 5, 31)),
        # 3 May, before the first maintenance shot (after a stabilization one): not placed.
        (date(2026, 5, 3), scores(1), date(2026, 4, 26)),
    ]

    points = wearoff.place(given, checkins)

    assert [(p.interval, p.days, p.fraction, p.scores["fatigue"]) for p in points] == [
        (0, 28, 1.0, 6),
        (1, 0, 0.0, 2),
    ]


def test_check_ins_beyond_one_and_a_half_intervals_are_not_placed():
    given = injections(1)  # 3 May, every 28 days: 1.5 intervals is 42 days
    checkins = [
        (date(2026, 5, 3) + timedelta(days=42), scores(1)),
        (date(2026, 5, 3) + timedelta(days=43), scores(1)),
        (date(2026, 5, 3) + timedelta(days=200), scores(1)),
    ]

    points = wearoff.place(given, checkins)

    assert [(p.days, p.fraction) for p in points] == [(42, 1.5)]


def test_each_fraction_uses_its_own_injections_prescribed_interval():
    # A 4-weekly injection, then a fortnightly one (the interval was changed in between).
    given = [(date(2026, 5, 3), 28.0), (date(2026, 5, 31), 14.0)]
    checkins = [(date(2026, 5, 10), scores(1)), (date(2026, 6, 7), scores(1))]

    points = wearoff.place(given, checkins)

    assert [(p.interval, p.days, p.fraction) for p in points] == [(0, 7, 0.25), (1, 7, 0.5)]


def test_fractions_decide_first_half_and_last_quarter_per_interval():
    """Day 11 is early after a 28-day interval (0.39) but late after a 14-day one (0.79)."""
    given = [
        (date(2026, 1, 4), 28.0),
        (date(2026, 2, 1), 14.0),
        (date(2026, 2, 15), 28.0),
        (date(2026, 3, 15), 14.0),
        (date(2026, 3, 29), 28.0),
        (date(2026, 4, 26), 14.0),
    ]
    checkins = []
    for day, interval in given:
        if interval == 28:
            checkins.append((day + timedelta(days=11), scores(1)))  # 0.39: first half
        else:
            checkins.append((day + timedelta(days=2), scores(1)))  # 0.14: first half
            checkins.append((day + timedelta(days=11), scores(6)))  # 0.79: last quarter

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert result.intervals_compared == 3  # only the 14-day intervals have both
    assert result.difference["fatigue"] == 5.0
    assert result.flagged == ["fatigue"]


@pytest.mark.parametrize(
    ("late_day", "counted"),
    [(14, False), (20, False), (21, True), (28, True), (29, False)],
    ids=["0.5", "0.71", "0.75", "1.0", "1.04"],
)
def test_the_last_quarter_runs_from_three_quarters_to_the_end_of_the_interval(late_day, counted):
    # Prescribed every 28 days, each given a week late: day 28 is still in its own interval.
    given = injections(3, every=35, interval=28)
    checkins = early_and_late(given, [scores(0)] * 3, [scores(9)] * 3, late_day=late_day)

    result = wearoff.analyse(given, checkins, SYMPTOMS)

    assert result.flagged == (["fatigue"] if counted else [])
    assert result.intervals_compared == (3 if counted else 0)


def test_no_maintenance_injections_means_no_points():
    result = wearoff.analyse([], [(date(2026, 5, 3), scores(5))], SYMPTOMS)

    assert result.points == []
    assert result.symptoms_return is False


# --- through the database --------------------------------------------------------------------


def in_maintenance(patient, maintenance: int = 4) -> Regimen:
    """The US template given on time: 7 daily, 4 weekly, then `maintenance` 4-weekly doses."""
    regimen = factories.regimen_for(patient, START)
    for _ in range(7 + 4 + maintenance):
        factories.give(regimen, regimen.next_due)
    assert regimen.current_phase.kind == "maintenance"
    return regimen


def check_in(patient, day: date, fatigue: int, tingling: int | None = None, hour: int = 18):
    tingling = fatigue if tingling is None else tingling
    when = factories.at(patient, day, hour)
    return factories.check_in(patient, when, 1, fatigue=fatigue, tingling=tingling)


def check_in_each_interval(patient, days, early: int, late: int):
    """A check-in 3 days (first half) and 24 days (last quarter) after each injection."""
    for day in days:
        check_in(patient, day + timedelta(days=3), early)
        check_in(patient, day + timedelta(days=24), late)


def stored_flag(regimen) -> bool:
    return Regimen.objects.get(pk=regimen.pk).symptoms_return_early


def by_testid(response) -> dict[str, list[str]]:
    """The whitespace-normalised text of each element with a data-testid, by testid."""
    assert response.status_code == 200
    return pages.by_testid(response)


def triage_rows(response) -> list[list[str]]:
    """The cells' text of each row of the clinician's triage table."""
    assert response.status_code == 200
    return [
        pages.texts(row, "td")
        for row in pages.soup(response).select('tr[data-testid="triage-row"]')
    ]


def signed_in(client, user):
    client.force_login(user)
    return client


def triage_flags(client, name: str) -> str:
    rows = [row for row in triage_rows(client.get(reverse("home"))) if row[0].startswith(name)]
    assert len(rows) == 1, rows
    return rows[-1][1]  # the flags, after the patient


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_symptoms_returning_late_in_maintenance_are_flagged_for_patient_and_clinician(
    patient, clinician, client
):
    regimen = in_maintenance(patient)
    check_in_each_interval(patient, MAINTENANCE, early=2, late=6)

    assert stored_flag(regimen) is True
    analysis = wearoff.for_regimen(Regimen.objects.get(pk=regimen.pk))
    assert analysis.intervals_compared == 4
    assert analysis.flagged == ["fatigue", "tingling"]
    assert analysis.difference["fatigue"] == 4.0

    home = by_testid(signed_in(client, patient).get(reverse("home")))
    assert home["wear-off-message"] == [MESSAGE]

    browser = signed_in(client, clinician)
    assert FLAG in triage_flags(browser, "Pat Patient")
    record = by_testid(browser.get(reverse("patient_record", args=[patient.pk])))
    (flag,) = record["wear-off-flag"]
    assert flag.startswith("Symptoms tend to return before the next injection")
    assert "over 4 intervals" in flag
    assert "fatigue +4" in flag and "tingling +4" in flag
    assert "mood" not in flag and "numbness" not in flag


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_flat_scores_in_maintenance_show_no_message_and_no_flag(patient, clinician, client):
    regimen = in_maintenance(patient)
    check_in_each_interval(patient, MAINTENANCE, early=4, late=4)

    assert stored_flag(regimen) is False
    assert wearoff.for_regimen(Regimen.objects.get(pk=regimen.pk)).intervals_compared == 4

    home = signed_in(client, patient).get(reverse("home"))
    assert "wear-off-message" not in by_testid(home)
    assert "symptoms tend to return" not in home.content.decode().lower()

    browser = signed_in(client, clinician)
    assert FLAG not in triage_flags(browser, "Pat Patient")
    record = by_testid(browser.get(reverse("patient_record", args=[patient.pk])))
    assert "wear-off-flag" not in record


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_a_rise_over_only_two_intervals_is_not_flagged(patient, clinician, client):
    regimen = in_maintenance(patient)
    check_in_each_interval(patient, MAINTENANCE[:2], early=0, late=9)

    assert stored_flag(regimen) is False
    home = by_testid(signed_in(client, patient).get(reverse("home")))
    assert "wear-off-message" not in home


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_the_patients_message_never_suggests_changing_the_dose(patient, client):
    in_maintenance(patient)
    check_in_each_interval(patient, MAINTENANCE, early=1, late=8)

    (message,) = by_testid(signed_in(client, patient).get(reverse("home")))["wear-off-message"]

    assert message == MESSAGE
    for advice in ("dose", "increase", "more often", "sooner", "interval", "change", "inject it"):
        assert advice not in message.lower()


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_each_check_in_refreshes_the_stored_flag(patient):
    regimen = in_maintenance(patient)
    check_in_each_interval(patient, MAINTENANCE[:2], early=1, late=7)
    assert stored_flag(regimen) is False

    check_in(patient, MAINTENANCE[2] + timedelta(days=3), 1)
    assert stored_flag(regimen) is False  # the third interval has no late check-in yet

    check_in(patient, MAINTENANCE[2] + timedelta(days=24), 7)
    assert stored_flag(regimen) is True

    check_in(patient, MAINTENANCE[3] + timedelta(days=2), 10)  # a bad day early on
    check_in(patient, MAINTENANCE[3] + timedelta(days=24), 1)
    # (1+1+1+10)/4 = 3.25 early against (7+7+7+1)/4 = 5.5 late: still 2.25 worse.
    assert stored_flag(regimen) is True


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_logging_and_deleting_injections_refreshes_the_stored_flag(patient):
    regimen = in_maintenance(patient, maintenance=0)
    # Check-ins recorded first (the injections are logged late, after them).
    check_in_each_interval(patient, MAINTENANCE[:3], early=2, late=7)
    assert stored_flag(regimen) is False

    for day in MAINTENANCE[:3]:
        factories.give(regimen, day)
    assert stored_flag(regimen) is True

    # Without the third injection, 1 July is a late day 31 of the second interval (neither
    # half) and 22 July is past 1.5 intervals: two intervals are left.
    third = DoseLog.objects.get(patient=patient, administered_at__date=MAINTENANCE[2])
    actions.delete_dose(third, patient)
    assert stored_flag(regimen) is False


def wear_off_alerts(patient) -> list:
    return list(
        Alert.objects.filter(patient=patient, kind=Alert.Kind.WEAR_OFF)
        .order_by("raised_at")
        .values_list("raised_at", flat=True)
    )


@pytest.mark.django_db
def test_the_flag_turning_on_raises_one_alert_also_when_an_injection_comes_back(patient):
    """The flag turning on is an alert for the clinician, once while it stays on; undoing the
    deletion of an injection that turns it on again is a new one, like logging it."""
    with frozen(NOW - timedelta(days=1)):
        regimen = in_maintenance(patient, maintenance=0)
        check_in_each_interval(patient, MAINTENANCE[:3], early=2, late=7)
        for day in MAINTENANCE[:3]:
            factories.give(regimen, day)
        check_in(patient, MAINTENANCE[2] + timedelta(days=25), 8)  # still on
    assert stored_flag(regimen) is True
    assert wear_off_alerts(patient) == [NOW - timedelta(days=1)]

    third = DoseLog.objects.get(patient=patient, administered_at__date=MAINTENANCE[2])
    with frozen(NOW):
        actions.delete_dose(third, patient)
        assert stored_flag(regimen) is False
        Alert.objects.update(acknowledged_at=NOW)  # seen by the clinician meanwhile
        actions.restore_dose(third, patient)

    assert stored_flag(regimen) is True
    assert wear_off_alerts(patient) == [NOW - timedelta(days=1), NOW]
    assert Alert.objects.open().filter(patient=patient).count() == 1


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_check_ins_before_maintenance_do_not_count(patient):
    regimen = factories.regimen_for(patient, START)
    for _ in range(7 + 4):
        factories.give(regimen, regimen.next_due)
    # Daily and weekly doses with check-ins rising between them: not maintenance.
    for day in (date(2026, 3, 10), date(2026, 3, 17), date(2026, 3, 24)):
        check_in(patient, day, 0)
        check_in(patient, day + timedelta(days=5), 9)

    regimen.refresh_from_db()
    assert wearoff.for_regimen(regimen).points == []
    assert stored_flag(regimen) is False


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_the_analysis_does_not_depend_on_the_active_time_zone():
    """The stored flag is refreshed from requests signed in as the patient, as a clinician in
    another zone, and outside any request (UTC): the answer must be the same.

    A patient in Tokyo gets each maintenance injection at 07:00 and checks in at 08:00 the same
    day (day 0, in the first half), and 24 days later. 08:00 in Tokyo is 23:00 the day before
    in UTC."""
    person = factories.PatientFactory(time_zone="Asia/Tokyo")
    regimen = factories.regimen_for(person, START)
    for _ in range(7 + 4):
        factories.give(regimen, regimen.next_due, 7)
    for day in MAINTENANCE[:3]:
        factories.give(regimen, day, 7)
        check_in(person, day, 1, hour=8)
        check_in(person, day + timedelta(days=24), 6, hour=8)

    with timezone.override(ZoneInfo("Asia/Tokyo")):
        in_patients_zone = wearoff.for_regimen(Regimen.objects.get(pk=regimen.pk))
    with timezone.override(ZoneInfo("UTC")):
        in_utc = wearoff.for_regimen(Regimen.objects.get(pk=regimen.pk))

    assert in_patients_zone.intervals_compared == 3
    assert in_patients_zone.flagged == ["fatigue", "tingling"]
    assert (in_utc.intervals_compared, in_utc.flagged) == (
        in_patients_zone.intervals_compared,
        in_patients_zone.flagged,
    )


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_a_check_in_on_an_injection_day_is_placed_by_its_time_against_the_shot(patient):
    regimen = in_maintenance(patient, maintenance=2)  # 3 May and 31 May, each at 09:00
    check_in(patient, date(2026, 5, 31), 7, hour=8)  # before the shot: the end of interval 0
    check_in(patient, date(2026, 5, 31), 3, hour=18)  # after it: the start of interval 1
    check_in(patient, date(2026, 5, 3), 5, hour=8)  # before the first maintenance shot

    points = wearoff.for_regimen(Regimen.objects.get(pk=regimen.pk)).points

    assert [(p.interval, p.days, p.fraction, p.scores["fatigue"]) for p in points] == [
        (0, 28, 1.0, 7),
        (1, 0, 0.0, 3),
    ]


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_the_wear_off_chart_places_maintenance_check_ins_by_days_since_the_injection(
    patient, client
):
    in_maintenance(patient)
    check_in_each_interval(patient, MAINTENANCE, early=2, late=6)

    points = wearoff.for_regimen(Regimen.objects.get(patient=patient)).points

    assert [(p.interval, p.days) for p in points] == [(i, d) for i in range(4) for d in (3, 24)]
    assert {round(p.fraction, 3) for p in points} == {round(3 / 28, 3), round(24 / 28, 3)}
    response = signed_in(client, patient).get(
        reverse("patient_chart", args=[patient.pk, "wearoff"])
    )
    assert response.status_code == 200
    assert "days since the injection" in response.content.decode()


# --- a clinician's plan change ---------------------------------------------------------------
#
# The flag is refreshed by the injection and check-in actions only (doses/actions.py). A change
# of plan from now on, an advance or an end needs no refresh: the analysis places each check-in
# against the interval in force when the injection before it was given, and no injection lies
# after a change when it is made (a given dose is never in the future, beyond the 5 minutes a
# device clock may be ahead, and a check-in 5 minutes after a shot is in the first half of any
# interval). The tests below show it on the pages, and that the flag follows a new interval
# from the first injection and check-in recorded under it.


def change_on_the_page(client, patient, regimen, **values):
    """The clinician changes the maintenance phase from now on, through its form (preview,
    then confirm)."""
    phase = regimen.ordered_phases[-1]
    url = reverse("change_phase", args=[patient.pk, phase.pk])
    data = {
        "dose_mcg": phase.dose_mcg,
        "schedule_unit": phase.schedule_unit,
        "schedule_every": phase.schedule_every,
        "reason": "Symptoms before the next injection",
        **values,
    }
    assert 'data-testid="change-preview"' in client.post(url, data).content.decode()
    response = client.post(url, {**data, "confirm": "yes"})
    assert response.status_code == 302


def record_flag(client, patient) -> list[str]:
    return by_testid(client.get(reverse("patient_record", args=[patient.pk]))).get(
        "wear-off-flag", []
    )


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
@pytest.mark.parametrize("every", [2, 3, 8])
def test_a_change_from_now_on_leaves_the_flag_and_its_analysis_as_they_were(
    patient, clinician, client, every
):
    regimen = in_maintenance(patient)
    check_in_each_interval(patient, MAINTENANCE, early=2, late=6)
    before = wearoff.for_regimen(Regimen.objects.get(pk=regimen.pk))
    browser = signed_in(client, clinician)
    assert record_flag(browser, patient)

    change_on_the_page(browser, patient, regimen, schedule_every=every)

    # The four intervals were prescribed every 4 weeks when they were given: a check-in 24
    # days after an injection stays in the last quarter of its interval, whatever the
    # interval is from now on.
    after = wearoff.for_regimen(Regimen.objects.get(pk=regimen.pk))
    assert (after.points, after.difference, after.flagged) == (
        before.points,
        before.difference,
        before.flagged,
    )
    assert stored_flag(regimen) is True
    (flag,) = record_flag(browser, patient)
    assert "over 4 intervals" in flag and "fatigue +4" in flag
    assert FLAG in triage_flags(browser, "Pat Patient")


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_ending_the_regimen_leaves_the_flag_as_it_was(patient, clinician, client):
    regimen = in_maintenance(patient)
    check_in_each_interval(patient, MAINTENANCE, early=2, late=6)
    browser = signed_in(client, clinician)

    response = browser.post(reverse("end_regimen", args=[patient.pk]), {"reason": "Moved away"})

    assert response.status_code == 302
    ended = Regimen.objects.get(pk=regimen.pk)
    assert ended.status == Regimen.Status.ENDED
    assert ended.symptoms_return_early is wearoff.for_regimen(ended).symptoms_return is True


@pytest.mark.django_db
@pytest.mark.frozen(NOW)
def test_after_a_shorter_interval_the_flag_follows_the_new_interval(patient, clinician, client):
    """Check-ins 18 days after each 4-weekly injection are in neither half (0.64 of the
    interval): no flag. Shortened to every 3 weeks, the same day is late in the interval
    (0.86), but only for injections given under the new schedule: the flag comes on with the
    first check-in that completes a third such interval, and not before."""
    regimen = in_maintenance(patient)
    for day in MAINTENANCE:
        check_in(patient, day + timedelta(days=3), 1)
        check_in(patient, day + timedelta(days=18), 7)
    browser = signed_in(client, clinician)
    assert stored_flag(regimen) is False
    assert wearoff.for_regimen(Regimen.objects.get(pk=regimen.pk)).intervals_compared == 0

    change_on_the_page(browser, patient, regimen, schedule_every=3)
    assert stored_flag(regimen) is False  # the earlier intervals keep their 4 weeks

    new_schedule = [date(2026, 8, 20), date(2026, 9, 10), date(2026, 10, 1)]
    for number, day in enumerate(new_schedule, start=1):
        with frozen(day, 14):  # the first one after the change, made at noon
            factories.give(regimen, day, 14)
        with frozen(day + timedelta(days=3), 19):
            check_in(patient, day + timedelta(days=3), 1)
        with frozen(day + timedelta(days=18), 19):
            check_in(patient, day + timedelta(days=18), 7)
            assert stored_flag(regimen) is (number == 3)
    with frozen(date(2026, 10, 19), 20):
        (flag,) = record_flag(browser, patient)
    assert "over 3 intervals" in flag and "fatigue +6" in flag
