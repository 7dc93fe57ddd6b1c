"""Charts drawn on the server as SVG (clinic/charts.py, served by clinic/views/charts.py): symptom
scores over time with injections and phase bands, each lab analyte with its typical range, the
actual days between injections against the prescribed interval, and the wear-off scatter.

Each series is a group with an id: a line with markers draws one <use> per point; a scatter
draws one <use> per point; vertical injection lines draw one <path> each. Each chart is an
image with a title and a text description of its data, and is revalidated by its ETag.

The story: the cyanocobalamin US template (daily x7, weekly x4, then every 4 weeks) started on
Monday 2 March 2026 and given on time, with maintenance injections on 3 May, 31 May, 28 June
and 26 July. Time is frozen at 20 August 2026, noon in New York.
"""

import warnings
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from bs4 import XMLParsedAsHTMLWarning
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import RecordView
from clinic import charts
from clinic.views import charts as chart_views
from doses import actions
from doses.models import DoseLog
from labs.models import LabRange
from regimens.models import Regimen
from symptoms.models import SymptomEntry
from tests import clock, factories
from tests.pages import by_testid, soup

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 8, 20, 12, tzinfo=NEW_YORK)
START = date(2026, 3, 2)
MAINTENANCE = [date(2026, 5, 3), date(2026, 5, 31), date(2026, 6, 28), date(2026, 7, 26)]
SVG = "{http://www.w3.org/2000/svg}"
CHARTS = ("symptoms", "intervals", "wearoff", "lab-b12")


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


def browser_for(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def patient_browser(patient):
    return browser_for(patient)


@pytest.fixture
def clinician_browser(clinician):
    return browser_for(clinician)


# --- building histories ----------------------------------------------------------------------


def check_in(patient, day: date, score: int, hour: int = 18) -> SymptomEntry:
    return factories.check_in(patient, factories.at(patient, day, hour), 1, fatigue=score)


@pytest.fixture
def story(patient):
    """15 injections on time (4 in maintenance), 10 check-ins (2 before maintenance, then one
    3 days and one 24 days after each maintenance injection) and 3 serum B12 results."""
    regimen = factories.regimen_for(patient, START)
    for _ in range(7 + 4 + 4):
        factories.give(regimen, regimen.next_due)
    check_in(patient, date(2026, 3, 20), 5)
    check_in(patient, date(2026, 4, 10), 4)
    for day in MAINTENANCE:
        check_in(patient, day + timedelta(days=3), 2)
        check_in(patient, day + timedelta(days=24), 6)
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 2, 20), value="150")
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 5, 20), value="620")
    factories.LabResultFactory(patient=patient, taken_on=date(2026, 8, 10), value="480")
    return Regimen.objects.get(pk=regimen.pk)


def bulk_history(patient, count: int) -> Regimen:
    """`count` daily injections and `count` daily check-ins from 1 January 2022 (written in
    bulk: factories.add_injections), and 5 + count // 50 B12 results in the months before."""
    first = date(2022, 1, 1)
    regimen = factories.regimen_for(patient, first)
    factories.bulk(
        factories.SymptomEntryFactory,
        (
            {
                "patient": patient,
                "recorded_at": factories.at(patient, first + timedelta(days=n), 20),
                "score": n % 11,
            }
            for n in range(count)
        ),
    )
    factories.add_injections(regimen, count, first)
    for n in range(5 + count // 50):
        factories.LabResultFactory(
            patient=patient, taken_on=first - timedelta(days=30 * (n + 1)), value=str(300 + n)
        )  # before them all
    return Regimen.objects.get(pk=regimen.pk)


# --- reading SVG -----------------------------------------------------------------------------


def parse_svg(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own server's output, under test


def chart(browser, patient, name: str, compact: bool = False):
    """The chart's response, checked to be an SVG document; returns (response, root)."""
    url = reverse("patient_chart", args=[patient.pk, name]) + ("?compact=1" if compact else "")
    response = browser.get(url)
    assert response.status_code == 200, (name, response.status_code)
    assert response["Content-Type"] == "image/svg+xml"
    root = parse_svg(response.content)
    assert root.tag == f"{SVG}svg"
    return response, root


def group(root, gid: str):
    found = [g for g in root.iter(f"{SVG}g") if g.get("id") == gid]
    assert len(found) <= 1, gid
    return found[0] if found else None


def markers(root, gid: str) -> int:
    """The points of a line drawn with markers: one <use> of the marker each."""
    return len(list(group(root, gid).iter(f"{SVG}use")))


def scatter_points(root, gid: str) -> int:
    """The points of a scatter: a <use> each, or a <path> each outside the <defs>."""
    series = group(root, gid)
    defined = {id(p) for d in series.iter(f"{SVG}defs") for p in d.iter(f"{SVG}path")}
    uses = list(series.iter(f"{SVG}use"))
    paths = [p for p in series.iter(f"{SVG}path") if id(p) not in defined]
    return len(uses) if uses else len(paths)


def lines(root, gid: str) -> int:
    return len(list(group(root, gid).iter(f"{SVG}path")))


def text(root) -> str:
    return " ".join(" ".join(root.itertext()).split())


def height(root) -> float:
    return float(root.get("viewBox").split()[3])


def has_legend(root) -> bool:
    return any((g.get("id") or "").startswith("legend") for g in root.iter(f"{SVG}g"))


# --- what each chart draws -------------------------------------------------------------------


def test_the_symptoms_chart_has_a_point_per_check_in_a_line_per_injection_and_phase_bands(
    patient, story, patient_browser
):
    response, root = chart(patient_browser, patient, "symptoms")

    for key in SymptomEntry.SYMPTOMS:
        assert markers(root, f"symptom-{key}") == 10
    assert lines(root, "injections") == 15
    assert [gid for gid in ("phase-0", "phase-1", "phase-2", "phase-3") if group(root, gid)] == [
        "phase-0",
        "phase-1",
        "phase-2",
    ]
    assert "Symptoms (0 none – 10 worst)" in text(root)
    assert has_legend(root)
    assert response["Cache-Control"] == "private, no-cache"


def test_the_intervals_chart_has_a_point_per_interval_and_the_prescribed_line(
    patient, story, patient_browser
):
    _response, root = chart(patient_browser, patient, "intervals")

    given = DoseLog.objects.filter(patient=patient, status="given").count()
    assert given == 15
    assert markers(root, "actual-intervals") == given - 1
    assert group(root, "prescribed-interval") is not None
    assert "Days between injections" in text(root)


def test_the_wear_off_chart_has_a_point_per_maintenance_check_in(patient, story, patient_browser):
    _response, root = chart(patient_browser, patient, "wearoff")

    for key in SymptomEntry.SYMPTOMS:
        assert scatter_points(root, f"wearoff-{key}") == 8  # not the 2 before maintenance
    assert group(root, "interval-end") is not None  # the 28-day mark
    assert "days since the injection" in text(root)


def test_a_single_maintenance_check_in_is_one_point(patient, patient_browser):
    regimen = factories.regimen_for(patient, START)
    for _ in range(7 + 4 + 1):
        factories.give(regimen, regimen.next_due)
    check_in(patient, MAINTENANCE[0] + timedelta(days=10), 3)

    _response, root = chart(patient_browser, patient, "wearoff")

    assert scatter_points(root, "wearoff-fatigue") == 1


def test_a_single_check_in_is_one_point(patient, patient_browser):
    check_in(patient, date(2026, 8, 1), 3)

    _response, root = chart(patient_browser, patient, "symptoms")

    assert markers(root, "symptom-fatigue") == 1
    assert group(root, "injections") is None


def test_the_lab_chart_has_a_point_per_result_and_the_typical_range_band(
    patient, story, patient_browser
):
    factories.LabResultFactory(
        patient=patient, taken_on=date(2026, 6, 1), value="30", analyte="active_b12", unit="pmol/L"
    )

    _response, root = chart(patient_browser, patient, "lab-b12")

    assert markers(root, "lab-values") == 3
    assert len(list(group(root, "typical-range").iter(f"{SVG}path"))) == 1
    assert "Serum vitamin B12 (cobalamin) (pg/mL; typical range shaded" in text(root)


def test_a_lab_without_results_keeps_its_typical_range(patient, story, patient_browser):
    _response, root = chart(patient_browser, patient, "lab-homocysteine")

    assert group(root, "lab-values") is None
    assert group(root, "typical-range") is not None
    assert "No results yet" in text(root)


def test_the_care_team_clinician_gets_the_same_charts(patient, story, clinician_browser):
    for name in CHARTS:
        chart(clinician_browser, patient, name)
    _response, root = chart(clinician_browser, patient, "symptoms")
    assert markers(root, "symptom-fatigue") == 10


@pytest.mark.parametrize("name", CHARTS)
def test_the_compact_chart_is_shorter_and_keeps_its_legend(patient, story, patient_browser, name):
    _response, full = chart(patient_browser, patient, name)
    _response, compact = chart(patient_browser, patient, name, compact=True)

    assert height(compact) < height(full)
    # As wide and as legible: a phone draws both at its width, so both name their series.
    assert compact.get("width") == full.get("width")
    assert has_legend(compact)
    assert has_legend(full)


def test_the_compact_symptoms_chart_shows_the_last_six_months(patient, story, patient_browser):
    check_in(patient, date(2025, 12, 1), 7)  # 262 days ago
    check_in(patient, date(2026, 2, 22), 7)  # 179 days ago

    _response, full = chart(patient_browser, patient, "symptoms")
    _response, compact = chart(patient_browser, patient, "symptoms", compact=True)

    assert markers(full, "symptom-fatigue") == 12
    assert markers(compact, "symptom-fatigue") == 11
    assert lines(compact, "injections") == 15


@pytest.mark.parametrize(
    ("name", "empty"),
    [
        ("symptoms", "No check-ins yet"),
        ("intervals", "Two injections are needed to show an interval"),
        ("wearoff", "Check-ins during maintenance will show here"),
        ("lab-b12", "No results yet"),
    ],
)
@pytest.mark.parametrize("compact", [False, True])
def test_an_empty_chart_says_what_will_show(patient, patient_browser, name, empty, compact):
    factories.regimen_for(patient, START)

    _response, root = chart(patient_browser, patient, name, compact)

    assert empty in text(root)
    assert not any(
        group(root, gid)
        for gid in ("symptom-fatigue", "actual-intervals", "wearoff-fatigue", "lab-values")
    )


def test_charts_work_for_a_patient_without_a_regimen(patient, patient_browser):
    for name in CHARTS:
        chart(patient_browser, patient, name)


def test_one_injection_is_not_yet_an_interval(patient, patient_browser):
    regimen = factories.regimen_for(patient, START)
    factories.give(regimen, START)

    _response, root = chart(patient_browser, patient, "intervals")

    assert "Two injections are needed to show an interval" in text(root)


def test_check_ins_outside_maintenance_leave_the_wear_off_chart_empty(patient, patient_browser):
    regimen = factories.regimen_for(patient, START)
    for _ in range(7 + 4):
        factories.give(regimen, regimen.next_due)
    check_in(patient, date(2026, 3, 20), 5)

    _response, root = chart(patient_browser, patient, "wearoff")

    assert "Check-ins during maintenance will show here" in text(root)
    assert group(root, "wearoff-fatigue") is None


def active(body: str) -> list[str]:
    """Anything in a document that could run: script elements, event handler attributes,
    javascript: links, embedded foreign content."""
    found = []
    with warnings.catch_warnings():  # read leniently, as a browser's HTML parser would
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        document = soup(body)
    for node in document.find_all(True):
        if node.name.lower() in ("script", "foreignobject", "iframe"):
            found.append(node.name)
        for name, value in node.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if name.lower().startswith("on") or "javascript:" in (value or "").lower():
                found.append(f"{node.name} {name}")
    return found


@pytest.mark.parametrize("compact", [False, True])
def test_no_chart_contains_a_script(patient, story, patient_browser, compact):
    for name in CHARTS:
        response, _root = chart(patient_browser, patient, name, compact)
        body = response.content.decode()
        assert "<script" not in body.lower()
        assert active(body) == [], name


# --- who may see them ------------------------------------------------------------------------


def test_another_patient_and_a_clinician_outside_the_care_team_get_404(
    patient, other_patient, clinician
):
    check_in(patient, date(2026, 7, 1), 3)
    check_in(patient, date(2026, 8, 1), 3)
    stranger = factories.ClinicianFactory(name="Dr Elsewhere", email="elsewhere@example.org")
    for name in CHARTS:
        url = reverse("patient_chart", args=[patient.pk, name])
        for user in (other_patient, stranger):
            assert browser_for(user).get(url).status_code == 404, (user, name)
            assert browser_for(user).get(url + "?compact=1").status_code == 404, (user, name)
        assert browser_for(clinician).get(url).status_code == 200


def test_a_signed_out_visitor_is_sent_to_sign_in(patient, client):
    response = client.get(reverse("patient_chart", args=[patient.pk, "symptoms"]))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_another_patients_own_charts_show_none_of_this_patients_data(patient, other_patient, story):
    _response, root = chart(browser_for(other_patient), other_patient, "symptoms")

    assert "No check-ins yet" in text(root)
    assert group(root, "injections") is None


def test_an_unknown_chart_or_lab_analyte_is_404(patient, patient_browser):
    for name in ("pie", "lab-", "lab-unobtanium", "labs-b12", "Symptoms", "wear-off"):
        response = patient_browser.get(reverse("patient_chart", args=[patient.pk, name]))
        assert response.status_code == 404, name


def test_charts_accept_only_get(patient, patient_browser):
    response = patient_browser.post(reverse("patient_chart", args=[patient.pk, "symptoms"]))

    assert response.status_code == 405


# --- a fixed number of queries ---------------------------------------------------------------

# Every chart (here the patient's own): 1 the session, 2 the signed-in user, who is the patient
# (not read again: clinic/views/charts.py); then
CHART_QUERIES = {
    # 3 the check-ins, 4 the given injections with their phases.
    "symptoms": 4,
    # 3 the current regimen with its phase and patient, 4 its phases, 5 its phase changes and
    # advances, 6 its doses (the schedule's replay).
    "intervals": 6,
    # 3-6 as for the intervals, 7 the check-ins since the first maintenance injection.
    "wearoff": 7,
    # 3 the results, 4 the typical range.
    "lab-b12": 4,
}


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
@pytest.mark.parametrize("name", CHARTS)
@pytest.mark.parametrize("count", [20, 400])
def test_each_chart_makes_the_same_number_of_queries_whatever_the_history(
    patient, patient_browser, django_assert_num_queries, count, name, compact
):
    bulk_history(patient, count)
    url = reverse("patient_chart", args=[patient.pk, name]) + ("?compact=1" if compact else "")

    with django_assert_num_queries(CHART_QUERIES[name]):
        response = patient_browser.get(url)

    assert response.status_code == 200
    root = parse_svg(response.content)
    if name == "symptoms" and not compact:
        assert markers(root, "symptom-fatigue") == count
        assert lines(root, "injections") == count
    if name == "intervals":
        assert markers(root, "actual-intervals") == count - 1
    if name == "lab-b12":
        assert markers(root, "lab-values") == 5 + count // 50


def test_the_homes_chart_is_drawn_from_the_data_the_home_read(
    patient, story, patient_browser, django_assert_num_queries
):
    """The home reads the small chart's data for the tables beside it and keeps it: the image,
    asked for right after the page, reads none of the history again, and is the very drawing
    made alone."""
    url = reverse("patient_chart", args=[patient.pk, "symptoms"]) + "?compact=1"
    patient_browser.get(reverse("home"))
    with django_assert_num_queries(2):  # the session, the user: no check-ins, no injections
        after_home = patient_browser.get(url).content
    cache.clear()  # nothing kept: the chart reads its own data
    with django_assert_num_queries(CHART_QUERIES["symptoms"]):
        alone = patient_browser.get(url).content

    assert after_home == alone
    assert markers(parse_svg(alone), "symptom-fatigue") > 0


def maintenance_history(patient, intervals: int) -> Regimen:
    """The US template given on time, ending with `intervals` 4-weekly injections, and a
    check-in 3 days (score 2) and 24 days (score 7) after each: written in bulk, then the
    stored state (with its wear-off flag) refreshed once. The last check-in is on 19 August."""
    start = date(2026, 8, 19) - timedelta(days=62 + 28 * (intervals - 1) + 24)
    regimen = factories.regimen_for(patient, start)
    phases = regimen.ordered_phases
    days = [start + timedelta(days=n) for n in range(7)]
    days += [start + timedelta(days=6 + 7 * n) for n in range(1, 5)]
    days += [start + timedelta(days=62 + 28 * n) for n in range(intervals)]
    factories.bulk(
        factories.DoseLogFactory,
        (
            {
                "regimen": regimen,
                "phase": phases[0 if n < 7 else 1 if n < 11 else 2],
                "administered_at": factories.at(patient, day),
                "site": factories.IM_SITES[n % 6],
            }
            for n, day in enumerate(days)
        ),
    )
    factories.bulk(
        factories.SymptomEntryFactory,
        (
            {
                "patient": patient,
                "recorded_at": factories.at(patient, day + timedelta(days=after), 18),
                "score": score,
            }
            for day in days[11:]
            for after, score in ((3, 2), (24, 7))
        ),
    )
    factories.LabResultFactory(patient=patient, taken_on=start + timedelta(days=90), value="450")
    actions.refresh_regimen(regimen)  # the schedule state and the wear-off flag
    Regimen.objects.filter(pk=regimen.pk).update(next_lab_review=date(2026, 9, 1))
    return Regimen.objects.get(pk=regimen.pk)


def page(response) -> SimpleNamespace:
    """The text of each element with a data-testid, and each image's src by its testid."""
    assert response.status_code == 200
    html = soup(response)
    images = {}
    for image in html.select("img[data-testid]"):
        images.setdefault(image["data-testid"], []).append(image["src"])
    return SimpleNamespace(testids=by_testid(html), images=images)


@pytest.mark.parametrize("intervals", [3, 60])
def test_the_home_with_its_chart_makes_the_same_number_of_queries(
    patient, patient_browser, django_assert_num_queries, intervals
):
    maintenance_history(patient, intervals)

    # 1 the session; 2 the signed-in user; 3 the active regimen's phases, each with the regimen
    # (its current phase among them: doses/dashboard.py regimen_with_phases); 4 the care team;
    # 5 the share requests waiting; 6 the last injection; 7 the last check-in; 8 the plan
    # changes to tell of; 9 when each site was last used; 10 the supplies (none recorded); the
    # chart's data as tables beside it: 11 the last six months' check-ins and 12 injections.
    # The wear-off flag and the lab review are stored on the regimen; the chart is an image,
    # fetched on its own.
    with django_assert_num_queries(12):
        home = page(patient_browser.get(reverse("home")))

    assert home.images["home-chart"] == [
        reverse("patient_chart", args=[patient.pk, "symptoms"]) + "?compact=1"
    ]
    assert len(home.testids["wear-off-message"]) == 1
    assert len(home.testids["lab-review"]) == 1


@pytest.mark.parametrize("intervals", [3, 60])
def test_the_record_with_its_charts_makes_the_same_number_of_queries(
    patient, clinician_browser, django_assert_num_queries, intervals
):
    maintenance_history(patient, intervals)
    factories.LabResultFactory(
        patient=patient, taken_on=date(2026, 8, 1), value="30", analyte="active_b12", unit="pmol/L"
    )

    # 1 the session; 2 the signed-in clinician; 3 the patient, through the care team; 4 the
    # current regimen with its current phase and patient; 5 its phases; 6 its doses and 7 its
    # changes (the events, for adherence); 8 the timeline's count and 9 its page of rows;
    # the page's 10 injections, 11 check-ins and 12 lab result (no note or change on the first
    # page; no prescriber: the regimen is from the template); the lab results card: 13 the
    # labs, 14 the typical ranges, 15 the injection dates (the lab charts' tables reuse them);
    # 16 the check-ins, each with the last injection before it, and 17 the injections with
    # their phases, for the symptoms chart's table, which the wear-off analysis behind the flag
    # and its chart's table reuse (with the adherence's replay); 18 the audit of this view by
    # someone other than the patient; 19 the phase changes, so that each injection shows its
    # phase as prescribed then; 20 the open alerts shown above everything (with their check-ins
    # and injections); 21 the regimen's phase changes again, for the adherence table's labels
    # (regimens/history.py); 22 the newest vial label photo, beside the regimen; 23 the lab
    # ranges, which name the page as it is kept (clinic/record_history.py page_key).
    with django_assert_num_queries(23):
        record = page(clinician_browser.get(reverse("patient_record", args=[patient.pk])))

    assert len(record.testids["wear-off-flag"]) == 1
    assert f"over {intervals} intervals" in record.testids["wear-off-flag"][0]
    base = reverse("patient_chart", args=[patient.pk, "x"]).removesuffix("x.svg")
    assert record.images["chart-symptoms"] == [base + "symptoms.svg"]
    assert record.images["chart-intervals"] == [base + "intervals.svg"]
    assert record.images["chart-wearoff"] == [base + "wearoff.svg"]
    assert sorted(record.images["chart-lab"]) == [base + "lab-active_b12.svg", base + "lab-b12.svg"]


@pytest.mark.parametrize("injections", [20, 400])
def test_the_record_without_the_flag_makes_the_same_number_of_queries(
    patient, clinician_browser, django_assert_num_queries, injections
):
    bulk_history(patient, injections)

    # As above, without the lab result on the timeline's first page (only injections and
    # check-ins); plus the audit of the view and the open alerts; and the regimen's phase
    # changes for the adherence table's labels. (Its injections are written without a phase:
    # no phase changes to read for them.) The charts' tables and the wear-off analysis cost
    # the same two queries, flagged or not; and the newest vial label photo beside the regimen;
    # and the lab ranges, for the kept page's key.
    with django_assert_num_queries(21):
        record = page(clinician_browser.get(reverse("patient_record", args=[patient.pk])))

    assert "wear-off-flag" not in record.testids
    assert len(record.images["chart-lab"]) == 1


# --- valid XML, a text alternative, and revalidation -----------------------------------------


def description(root) -> str:
    return root.find(f"{SVG}desc").text


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
@pytest.mark.parametrize("history", ["empty", "story"])
def test_every_chart_is_an_image_with_a_title_and_a_description(
    patient, patient_browser, request, history, compact
):
    if history == "story":
        request.getfixturevalue("story")
    for name in (*CHARTS, "lab-folate", "lab-homocysteine", "lab-active_b12"):
        _response, root = chart(patient_browser, patient, name, compact)  # parsed as XML
        assert root.get("role") == "img", name
        assert root.find(f"{SVG}title").text, name
        assert description(root), name


def test_the_descriptions_summarise_the_data(patient, story, patient_browser):
    described = {name: description(chart(patient_browser, patient, name)[1]) for name in CHARTS}

    assert described["symptoms"].startswith("10 check-ins from 20 Mar 2026 to 19 Aug 2026;")
    assert (
        "latest scores: Tiredness / fatigue 6, Pins and needles / tingling 1,"
        in (described["symptoms"])
    )
    assert described["symptoms"].endswith("15 injections.")
    assert described["intervals"].startswith(
        "14 intervals between injections from 3 Mar 2026 to 26 Jul 2026; the latest 28 days"
    )
    assert described["wearoff"].startswith("8 check-ins in maintenance, from 3 to 24 days")
    assert described["lab-b12"].startswith("3 results from 20 Feb 2026 to 10 Aug 2026; latest 480")


def test_labels_are_escaped_and_the_chart_stays_valid_xml():
    hostile = 'Phase <b>"one"</b> & <script>alert(1)</script>'
    svg = charts.symptoms_chart(
        [(date(2026, 3, 3), {"fatigue": 4})],
        [date(2026, 3, 2)],
        [("repletion", hostile, date(2026, 3, 2), date(2026, 3, 9))],
        [("fatigue", "Tired & <low>")],
    )

    root = parse_svg(svg.encode())
    assert hostile in text(root)
    assert "Tired & <low>" in text(root)
    assert active(svg) == []


def test_a_few_days_of_data_show_about_a_month_with_a_few_dated_ticks():
    root = parse_svg(charts.lab_chart("B12", "pg/mL", [(date(2026, 3, 3), 400)], None).encode())

    ticks = [t.text.split() for t in root.iter(f"{SVG}text") if t.text and t.text[0].isdigit()]
    dated = [t for t in ticks if len(t) > 1 and t[1] in ("Feb", "Mar")]
    assert 2 <= len(dated) <= 6  # as many as fit side by side at a legible size
    assert dated[0][2:] == ["2026"]  # the first names the year
    assert dated[-1][1] == "Mar"


def test_three_years_get_a_few_ticks_too():
    days = [date(2023, 1, 1) + timedelta(days=n) for n in range(0, 3 * 365, 30)]
    root = parse_svg(charts.lab_chart("B12", "pg/mL", [(d, 400) for d in days], None).encode())

    years = [t.text for t in root.iter(f"{SVG}text") if t.text in ("2023", "2024", "2025")]
    assert years == ["2023", "2024", "2025"]


def conditional(browser, patient, name, etag):
    url = reverse("patient_chart", args=[patient.pk, name])
    return browser.get(url, headers={"if-none-match": etag})


@pytest.mark.parametrize("name", CHARTS)
def test_a_chart_the_browser_already_has_is_answered_not_modified(
    patient, story, patient_browser, name
):
    first, _root = chart(patient_browser, patient, name)
    assert first["ETag"]

    again = conditional(patient_browser, patient, name, first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "private, no-cache"


def test_a_new_check_in_changes_the_symptoms_charts_etag(patient, story, patient_browser):
    before, _root = chart(patient_browser, patient, "symptoms")
    check_in(patient, date(2026, 8, 19), 9)

    after = conditional(patient_browser, patient, "symptoms", before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert markers(parse_svg(after.content), "symptom-fatigue") == 11


def test_a_chart_sent_is_a_logged_view_and_its_304_logs_nothing_new(
    patient, story, clinician, clinician_browser
):
    """A 304 sends nothing: the view was logged when the chart was sent (clinic/views/
    charts.py). Within the log's five minutes a repeat is one row anyway; here the row of the
    sending is removed to show the 304 adds none."""
    sent, _root = chart(clinician_browser, patient, "symptoms")
    assert list(RecordView.objects.filter(patient=patient).values_list("viewer", "what")) == [
        (clinician.pk, "charts")
    ]
    RecordView.objects.filter(patient=patient).delete()

    response = conditional(clinician_browser, patient, "symptoms", sent["ETag"])

    assert response.status_code == 304
    assert not RecordView.objects.filter(patient=patient).exists()


def test_an_etag_got_elsewhere_gets_the_chart_and_a_logged_view(
    patient, story, clinician, clinician_browser
):
    """The patient's ETag names the patient: a clinician sending it is sent the chart (the same
    drawing, from the cache) and their view is logged, as if they had sent none."""
    held, _root = chart(browser_for(patient), patient, "symptoms")
    assert not RecordView.objects.filter(patient=patient).exists()  # the owner is not logged

    response = conditional(clinician_browser, patient, "symptoms", held["ETag"])

    assert response.status_code == 200
    assert response["ETag"] != held["ETag"]
    assert list(RecordView.objects.filter(patient=patient).values_list("viewer", "what")) == [
        (clinician.pk, "charts")
    ]


def refuse_to_draw(monkeypatch):
    def fail(*args):
        raise AssertionError("the chart was drawn again")

    monkeypatch.setattr(chart_views, "_draw", fail)


@pytest.mark.parametrize("name", CHARTS)
def test_not_modified_is_answered_without_drawing(
    patient, story, patient_browser, monkeypatch, name
):
    first, _root = chart(patient_browser, patient, name)
    refuse_to_draw(monkeypatch)

    again = conditional(patient_browser, patient, name, first["ETag"])

    assert again.status_code == 304


def test_another_browser_gets_the_kept_drawing(patient, story, patient_browser, monkeypatch):
    first, _root = chart(patient_browser, patient, "symptoms")
    refuse_to_draw(monkeypatch)

    other, _root = chart(browser_for(patient), patient, "symptoms")

    assert other.status_code == 200
    assert other.content == first.content
    assert other["ETag"] == first["ETag"]


def test_a_new_typical_range_changes_the_lab_charts_etag(patient, story, patient_browser):
    before, _root = chart(patient_browser, patient, "lab-b12")
    LabRange.objects.update_or_create(analyte="b12", defaults={"low": 300, "high": 950})

    after = conditional(patient_browser, patient, "lab-b12", before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]


def test_the_next_day_draws_the_chart_again(patient, story, patient_browser):
    """The last phase's band runs to today, so yesterday's drawing is out of date."""
    before, _root = chart(patient_browser, patient, "symptoms")

    with clock.frozen(NOW + timedelta(days=1)):
        after = conditional(patient_browser, patient, "symptoms", before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]


def test_an_unknown_chart_is_not_found_and_not_logged(patient, story, clinician, clinician_browser):
    for name in ("nonsense", "lab-nonsense"):
        url = reverse("patient_chart", args=[patient.pk, name])
        assert clinician_browser.get(url).status_code == 404
    assert not RecordView.objects.filter(patient=patient).exists()


def test_a_304_reads_only_what_the_answer_needs(
    patient, story, clinician, clinician_browser, django_assert_num_queries
):
    sent, _root = chart(clinician_browser, patient, "symptoms")

    # 1 the session, 2 the signed-in clinician, 3 the patient through the care team (the
    # access check). Nothing drawn, read or logged beyond that.
    with django_assert_num_queries(3):
        response = conditional(clinician_browser, patient, "symptoms", sent["ETag"])

    assert response.status_code == 304


def test_a_patient_no_longer_on_the_care_team_is_not_answered_304(
    patient, story, clinician, clinician_browser
):
    sent, _root = chart(clinician_browser, patient, "symptoms")
    clinician.patients_cared.all().delete()

    response = conditional(clinician_browser, patient, "symptoms", sent["ETag"])

    assert response.status_code == 404
