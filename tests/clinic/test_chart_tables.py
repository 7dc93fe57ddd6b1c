"""Beside each chart, on the record and on the home page, the chart's data as tables behind a
"Show the data as a table" disclosure, in the page's HTML: the same dates and values as the
chart draws (its markers, its description), with their units. Each chart's image is a link to
the chart itself (the full-screen view; tests/browser/test_charts_phone.py taps it).

The story is tests/clinic/test_charts.py's: the US template from 2 March 2026 given on time,
10 check-ins and 3 serum B12 results; time frozen at 20 August 2026."""

from datetime import date

import pytest
from django.urls import reverse

from labs.models import LabRange
from tests import factories
from tests.clinic.test_charts import NOW, check_in, markers, parse_svg, scatter_points
from tests.pages import soup

pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


def tables(response, testid: str) -> dict[str, dict]:
    """The data tables beside the chart whose image has `testid`: by the table's testid, its
    caption, headings and rows of cell texts."""
    assert response.status_code == 200
    html = soup(response)
    disclosure = html.select_one(f'details[data-testid="{testid}-data"]')
    assert disclosure is not None, testid
    assert disclosure.summary.get_text(strip=True) == "Show the data as a table"
    assert not disclosure.has_attr("open")  # closed until asked for
    found = {}
    for table in disclosure.select("table"):
        found[table["data-testid"]] = {
            "caption": table.caption.get_text(" ", strip=True),
            "headers": [th.get_text(strip=True) for th in table.select("thead th")],
            "rows": [
                [td.get_text(strip=True) for td in row.select("td")]
                for row in table.select("tbody tr")
            ],
        }
    return found


def chart_svg(browser, patient, name, compact=False):
    url = reverse("patient_chart", args=[patient.pk, name]) + ("?compact=1" if compact else "")
    return parse_svg(browser.get(url).content)


def record(browser, patient):
    return browser.get(reverse("patient_record", args=[patient.pk]))


def test_the_symptoms_table_shows_each_check_in_and_injection_the_chart_draws(
    patient, story, clinician_browser
):
    found = tables(record(clinician_browser, patient), "chart-symptoms")
    root = chart_svg(clinician_browser, patient, "symptoms")

    checkins = found["table-checkins"]
    assert "from 0 (none) to 10 (worst)" in checkins["caption"]
    assert checkins["headers"][:2] == ["Date", "Tiredness / fatigue"]
    assert len(checkins["headers"]) == 7  # the date and the 6 symptoms
    assert len(checkins["rows"]) == markers(root, "symptom-fatigue") == 10
    assert [row[:2] for row in checkins["rows"][:4]] == [
        ["20 Mar 2026", "5"],
        ["10 Apr 2026", "4"],
        ["6 May 2026", "2"],
        ["27 May 2026", "6"],
    ]
    injections = found["table-injections"]
    assert injections["headers"] == ["Date", "Phase"]
    assert len(injections["rows"]) == len(list(root.find(".//*[@id='injections']"))) == 15
    assert injections["rows"][-1][0] == "26 Jul 2026"


def test_the_intervals_table_shows_the_days_the_chart_draws(patient, story, clinician_browser):
    found = tables(record(clinician_browser, patient), "chart-intervals")["table-intervals"]
    root = chart_svg(clinician_browser, patient, "intervals")

    assert found["headers"] == [
        "Injection",
        "Days since the injection before",
        "Prescribed interval (days)",
    ]
    assert len(found["rows"]) == markers(root, "actual-intervals") == 14
    assert found["rows"][0] == ["3 Mar 2026", "1", "1"]
    assert found["rows"][-1] == ["26 Jul 2026", "28", "28"]


def test_the_wear_off_table_shows_the_maintenance_check_ins(patient, story, clinician_browser):
    found = tables(record(clinician_browser, patient), "chart-wearoff")["table-wearoff"]
    root = chart_svg(clinician_browser, patient, "wearoff")

    assert found["headers"][:3] == ["Date", "Days since the injection", "Tiredness / fatigue"]
    assert len(found["rows"]) == scatter_points(root, "wearoff-fatigue") == 8
    assert [row[1:3] for row in found["rows"][:2]] == [["3", "2"], ["24", "6"]]
    assert found["rows"][0][0] == "6 May 2026"
    assert "The next injection is due after 28 days." in found["caption"]


def test_each_lab_table_shows_its_results_with_the_unit(patient, story, clinician_browser):
    factories.LabResultFactory(
        patient=patient, taken_on=date(2026, 6, 1), value="30", analyte="active_b12", unit="pmol/L"
    )
    response = record(clinician_browser, patient)
    html = soup(response)

    found = [table for table in html.select('details[data-testid="chart-lab-data"] table')]
    by_testid = {table["data-testid"]: table for table in found}
    assert sorted(by_testid) == ["table-lab-active_b12", "table-lab-b12"]
    b12 = by_testid["table-lab-b12"]
    assert [th.get_text(strip=True) for th in b12.select("thead th")] == ["Date", "Value (pg/mL)"]
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in b12.select("tbody tr")]
    assert rows == [["20 Feb 2026", "150"], ["20 May 2026", "620"], ["10 Aug 2026", "480"]]
    root = chart_svg(clinician_browser, patient, "lab-b12")
    assert markers(root, "lab-values") == len(rows)
    assert "latest 480 pg/mL" in root.find("{http://www.w3.org/2000/svg}desc").text
    assert b12.select_one("time")["datetime"] == "2026-02-20"


def test_a_typical_range_the_admin_set_is_in_the_lab_tables_caption(
    patient, story, clinician_browser
):
    LabRange.objects.update_or_create(analyte="b12", defaults={"low": 300, "high": 950})

    found = tables(record(clinician_browser, patient), "chart-lab")["table-lab-b12"]

    assert found["caption"] == (
        "Serum vitamin B12 (cobalamin) results; typical range 300 to 950 pg/mL"
    )


def test_an_empty_chart_says_so_in_its_table(patient, clinician_browser):
    factories.regimen_for(patient, date(2026, 3, 2))

    found = tables(record(clinician_browser, patient), "chart-intervals")["table-intervals"]

    assert found["rows"] == [["Nothing recorded yet."]]


def test_the_homes_small_chart_has_the_last_six_months_as_a_table(patient, story, patient_browser):
    check_in(patient, date(2025, 12, 1), 7)  # 262 days ago: not on the small chart
    check_in(patient, date(2026, 2, 22), 7)  # 179 days ago

    response = patient_browser.get(reverse("home"))
    found = tables(response, "home-chart")
    root = chart_svg(patient_browser, patient, "symptoms", compact=True)

    rows = found["table-checkins"]["rows"]
    assert len(rows) == markers(root, "symptom-fatigue") == 11
    assert rows[0][:2] == ["22 Feb 2026", "7"]
    assert len(found["table-injections"]["rows"]) == 15


def test_each_chart_image_is_a_link_to_the_chart_itself(patient, story, clinician_browser):
    html = soup(record(clinician_browser, patient))

    links = html.select("a[data-chart-full]")
    assert len(links) == 4  # symptoms, intervals, wear-off, one lab
    for link in links:
        image = link.select_one("img")
        assert link["href"] == image["src"]
        assert link["href"].endswith(".svg")
        assert image["alt"]
    assert html.select_one("dialog.chart-dialog") is not None
    assert html.select_one('script[src$="js/chart_dialog.js"]') is not None
