"""Lab results can be corrected and removed (issue 14, section 4).

The patient and a care-team clinician correct, delete and restore a lab result on its own page.
Each change keeps the values from before it, with who, when and why; a deleted result leaves the
labs table, the charts, the triage list and the exports, stays in the history marked "deleted",
and can be brought back. Anyone else gets a 404 and changes nothing."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from accounts.models import RecordView
from labs import actions
from labs.models import LabResult, LabResultVersion
from records.backup import export_patient, import_patient, wipe_patient
from tests import factories, pages

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 9, 15, 30, tzinfo=NEW_YORK)
TODAY = date(2026, 3, 9)
DRAWN = date(2026, 3, 2)
SVG = "{http://www.w3.org/2000/svg}"


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


def browser_for(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def clinician_client(clinician):
    return browser_for(clinician)


@pytest.fixture
def lab(patient) -> LabResult:
    """148 pmol/L of serum B12, entered by the patient as the report gave it."""
    result, _ = actions.record_lab(
        patient,
        patient,
        analyte="b12",
        taken_on=DRAWN,
        value=Decimal("148"),
        unit="pmol/L",
        note="Fasting sample",
    )
    return result


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return pages.soup(response)


def words(node) -> str:
    return pages.text(node) if node is not None else ""


def detail_url(lab) -> str:
    return reverse("lab_detail", args=[lab.pk])


def correct_url(lab) -> str:
    return reverse("lab_correct", args=[lab.pk])


def corrected_values(**changes) -> dict:
    values = {
        "analyte": "b12",
        "taken_on": DRAWN.isoformat(),
        "value": "418",
        "unit": "pmol/L",
        "note": "Fasting sample",
        "reason": "Typed 148 for 418",
    }
    return {**values, **changes}


def lab_table(client, url=None) -> list[str]:
    page = soup(client.get(url or reverse("labs")))
    return [words(row) for row in page.select('[data-testid="lab-row"]')]


def versions(page) -> list[str]:
    return [words(card) for card in page.select('[data-testid="version"]')]


def messages(page) -> str:
    return words(page.select_one(".messages") or page.find(class_="alert"))


def page_text(response) -> str:
    return words(soup(response))


def stored(lab) -> tuple:
    lab = LabResult.objects.get(pk=lab.pk)
    return (lab.analyte, lab.taken_on, lab.value, lab.unit, lab.value_canonical, lab.deleted_at)


# --- the result's page -------------------------------------------------------------------------


def test_the_page_shows_the_value_as_entered_the_common_unit_and_both_ranges(lab, patient_client):
    page = soup(patient_client.get(detail_url(lab)))

    assert words(page.h1) == "Serum vitamin B12 (cobalamin) of 2 March 2026"
    assert words(page.select_one('[data-testid="lab-value"]')) == "148 pmol/L"
    assert words(page.select_one('[data-testid="lab-canonical"]')) == "200.54 pg/mL"
    # The typical range in the canonical unit, and in the unit the result was entered in.
    assert words(page.select_one('[data-testid="lab-range"]')) == (
        "200–900 pg/mL 147.6–664.2 pmol/L"
    )
    assert "No changes: this is the result as first entered." in words(page)
    assert page.find("a", string="Correct")["href"] == correct_url(lab)


def test_a_result_in_the_canonical_unit_shows_one_range(patient, patient_client):
    lab, _ = actions.record_lab(
        patient, patient, analyte="b12", taken_on=DRAWN, value=Decimal("150"), unit="pg/mL"
    )

    page = soup(patient_client.get(detail_url(lab)))

    assert words(page.select_one('[data-testid="lab-value"]')) == "150 pg/mL low"
    assert page.select_one('[data-testid="lab-canonical"]') is None
    assert words(page.select_one('[data-testid="lab-range"]')) == "200–900 pg/mL"


def test_the_labs_table_links_each_result_to_its_page_and_converts_the_range(
    lab, patient, patient_client
):
    actions.record_lab(
        patient,
        patient,
        analyte="hemoglobin",
        taken_on=DRAWN - timedelta(days=1),
        value=Decimal("131"),
        unit="g/L",
    )

    page = soup(patient_client.get(reverse("labs")))

    links = [a["href"] for a in page.select('[data-testid="lab-link"]')]
    assert links[0] == detail_url(lab)
    entered = [words(cell) for cell in page.select('[data-testid="lab-range-entered"]')]
    assert entered == ["= 147.6–664.2 pmol/L", "= 120–175 g/L"]


# --- correcting --------------------------------------------------------------------------------


def test_correcting_keeps_the_previous_version_and_shows_it(lab, patient, patient_client):
    form = soup(patient_client.get(correct_url(lab)))
    assert form.find("input", {"name": "value"})["value"] == "148"  # as the report prints it

    response = patient_client.post(correct_url(lab), corrected_values(), follow=True)

    assert response.redirect_chain == [(detail_url(lab), 302)]
    page = soup(response)
    assert "Lab result corrected. The previous version is kept below." in words(page)
    assert words(page.select_one('[data-testid="lab-value"]')) == "418 pmol/L"
    assert words(page.select_one('[data-testid="lab-canonical"]')) == "566.39 pg/mL"
    assert versions(page) == [
        "Corrected by Pat Patient on 9 Mar 2026, 15:30 · “Typed 148 for 418” "
        "Before: Test Serum vitamin B12 (cobalamin) · Drawn 2 Mar 2026 · Result 148 pmol/L "
        "· Note Fasting sample"
    ]
    version = LabResultVersion.objects.get(lab=lab)
    assert version.previous["value"] == "148.000"
    assert version.previous["value_canonical"] == "200.540"
    assert (version.changed_by, version.change) == (patient, "corrected")
    assert stored(lab)[2:5] == (Decimal("418"), "pmol/L", Decimal("566.390"))
    assert lab_table(patient_client)[0].startswith(
        "2 Mar 2026 before any injection Serum vitamin B12 (cobalamin) 418 pmol/L"
    )


def test_correcting_the_unit_recomputes_the_canonical_value(lab, patient_client):
    patient_client.post(correct_url(lab), corrected_values(value="148", unit="pg/mL"))

    assert stored(lab)[2:5] == (Decimal("148"), "pg/mL", Decimal("148.000"))


def test_sending_the_same_values_changes_nothing(lab, patient_client):
    response = patient_client.post(
        correct_url(lab), corrected_values(value="148.0", reason=""), follow=True
    )

    assert "Nothing was changed." in page_text(response)
    assert not LabResultVersion.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"value": "5", "unit": "pg/mL"},
            "5 pg/mL is not a plausible Serum vitamin B12 (cobalamin) result. "
            "Check the number and the unit.",
        ),
        ({"value": "0"}, "Enter the value from the lab report (above 0)."),
        ({"analyte": "hemoglobin", "value": "13"}, "Use one of: g/dL, g/L, mmol/L."),
        ({"taken_on": "2026-03-10"}, "This date is in the future."),
        ({"value": ""}, "This field is required."),
    ],
    ids=["implausible", "zero", "unit of another test", "future date", "missing value"],
)
def test_bad_values_are_refused_with_a_message_and_change_nothing(
    lab, patient_client, changes, message
):
    before = stored(lab)

    response = patient_client.post(correct_url(lab), corrected_values(**changes))

    page = soup(response)
    assert words(page.h1) == "Correct this lab result"
    assert message in words(page.find("form", class_="card"))
    assert stored(lab) == before
    assert not LabResultVersion.objects.exists()


def test_a_care_team_clinician_corrects_a_result(lab, patient, clinician, clinician_client):
    response = clinician_client.post(correct_url(lab), corrected_values(), follow=True)

    page = soup(response)
    assert versions(page)[0].startswith("Corrected by Dr Care on 9 Mar 2026, 15:30")
    assert words(page.select_one('[data-testid="lab-patient"]')) == "Pat Patient"
    assert page.find("a", string="Back to lab results")["href"] == reverse(
        "patient_record", args=[patient.pk]
    )
    assert stored(lab)[2] == Decimal("418")
    assert LabResultVersion.objects.get().changed_by == clinician
    # The patient sees who changed it.
    own = soup(browser_for(patient).get(detail_url(lab)))
    assert versions(own)[0].startswith("Corrected by Dr Care")
    assert RecordView.objects.filter(patient=patient, viewer=clinician).exists()


def test_a_deleted_result_must_be_restored_before_it_is_corrected(lab, patient, patient_client):
    actions.delete_lab(lab, patient)

    response = patient_client.post(correct_url(lab), corrected_values(), follow=True)

    assert "Restore this result before correcting it." in page_text(response)
    assert stored(lab)[2] == Decimal("148")
    assert LabResultVersion.objects.filter(change="corrected").count() == 0


# --- deleting and undoing ----------------------------------------------------------------------


def test_deleting_offers_an_undo_and_the_undo_brings_it_back(lab, patient, patient_client):
    response = patient_client.post(
        reverse("lab_delete", args=[lab.pk]), {"reason": "Entered twice"}, follow=True
    )

    assert response.redirect_chain == [(detail_url(lab), 302)]
    page = soup(response)
    banner = page.select_one('[data-testid="deleted-banner"]')
    assert "Deleted on 9 Mar 2026, 15:30." in words(banner)
    assert banner.form["action"] == reverse("lab_restore", args=[lab.pk])
    assert words(banner.button) == "Undo delete"
    assert page.find("a", string="Correct") is None
    assert versions(page)[0].startswith("Deleted by Pat Patient on 9 Mar 2026, 15:30 · “Entered")
    assert lab_table(patient_client) == []

    response = patient_client.post(reverse("lab_restore", args=[lab.pk]), follow=True)

    page = soup(response)
    assert "Lab result restored." in words(page)
    assert page.select_one('[data-testid="deleted-banner"]') is None
    assert [v.split(" by ")[0] for v in versions(page)] == ["Restored", "Deleted"]
    assert len(lab_table(patient_client)) == 1
    assert stored(lab)[5] is None


def test_a_care_team_clinician_deletes_and_restores(lab, clinician, clinician_client):
    clinician_client.post(reverse("lab_delete", args=[lab.pk]))
    assert stored(lab)[5] == NOW

    clinician_client.post(reverse("lab_restore", args=[lab.pk]))
    assert stored(lab)[5] is None
    assert set(LabResultVersion.objects.values_list("changed_by", flat=True)) == {clinician.pk}


def test_deleting_twice_keeps_one_version(lab, patient, patient_client):
    patient_client.post(reverse("lab_delete", args=[lab.pk]))
    patient_client.post(reverse("lab_delete", args=[lab.pk]))

    assert LabResultVersion.objects.filter(change="deleted").count() == 1


def chart_points(client, patient) -> int:
    response = client.get(reverse("patient_chart", args=[patient.pk, "lab-b12"]))
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's output, under test
    found = [g for g in root.iter(f"{SVG}g") if g.get("id") == "lab-values"]
    return len(list(found[0].iter(f"{SVG}use"))) if found else 0


def triage_b12(client) -> str:
    row = soup(client.get(reverse("home"))).select_one('[data-testid="triage-row"]')
    return words(row.find(attrs={"data-label": "Serum B12"}))


def csv_labs(client) -> list[list[str]]:
    response = client.get(
        reverse("export_csv"),
        {"kind": "labs", "start": "2026-01-01", "end": TODAY.isoformat()},
    )
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def fhir_labs(client) -> list[dict]:
    bundle = json.loads(client.get(reverse("export_fhir")).content)
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"].get("category", [{}])[0].get("coding", [{}])[0].get("code")
        == "laboratory"
    ]


def test_a_deleted_result_leaves_the_table_charts_triage_and_exports(
    lab, patient, patient_client, clinician, clinician_client
):
    older, _ = actions.record_lab(
        patient,
        patient,
        analyte="b12",
        taken_on=date(2026, 1, 5),
        value=Decimal("620"),
        unit="pg/mL",
    )
    record_url = reverse("patient_record", args=[patient.pk])
    assert len(lab_table(patient_client)) == 2
    assert len(lab_table(clinician_client, record_url)) == 2
    assert chart_points(patient_client, patient) == 2
    assert triage_b12(clinician_client) == "201 pg/mL 2 Mar 2026"
    assert len(csv_labs(patient_client)) == len(fhir_labs(patient_client)) == 2

    actions.delete_lab(lab, patient, "Wrong patient's report")

    assert [row.split(" Serum")[0] for row in lab_table(patient_client)] == [
        "5 Jan 2026 before any injection"
    ]
    assert len(lab_table(clinician_client, record_url)) == 1
    assert chart_points(patient_client, patient) == 1
    # The latest B12 on the triage list is now the older one.
    assert triage_b12(clinician_client) == "620 pg/mL 5 Jan 2026"
    assert [row[0] for row in csv_labs(patient_client)] == ["2026-01-05"]
    assert [r["effectiveDateTime"] for r in fhir_labs(patient_client)] == ["2026-01-05"]

    actions.restore_lab(lab, patient)

    assert chart_points(patient_client, patient) == 2
    assert triage_b12(clinician_client) == "201 pg/mL 2 Mar 2026"
    assert older.pk != lab.pk


def test_the_history_keeps_a_deleted_result_marked_and_linked_to_its_page(
    lab, patient, patient_client
):
    actions.delete_lab(lab, patient)

    page = soup(patient_client.get(reverse("history")))

    item = page.select_one('[data-kind="lab"]')
    assert "is-deleted" in item["class"]
    assert item.a["href"] == detail_url(lab)
    assert words(item).endswith("deleted")


def test_the_backup_keeps_versions_and_the_deleted_mark(lab, patient):
    actions.correct_lab(lab, patient, "typo", value=Decimal("418"))
    actions.delete_lab(lab, patient, "duplicate")
    data = json.loads(json.dumps(export_patient(patient)))

    wipe_patient(patient)
    assert not LabResult.objects.exists()
    import_patient(data)

    restored = LabResult.objects.get(pk=lab.pk)
    assert (restored.value, restored.deleted_at) == (Decimal("418"), NOW)
    # Newest first (both at the same frozen moment: the later one has the higher id).
    assert list(restored.versions.values_list("change", "reason")) == [
        ("deleted", "duplicate"),
        ("corrected", "typo"),
    ]


# --- nobody else -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_clinician", "other_patient", "admin_user"])
def test_anyone_else_gets_404_and_changes_nothing(lab, patient, other_patient, admin_user, who):
    if who == "other_clinician":
        user = factories.ClinicianFactory(name="Dr Else")
        factories.CareTeamFactory(patient=other_patient, clinician=user)
    else:
        user = {"other_patient": other_patient, "admin_user": admin_user}[who]
    browser = browser_for(user)
    before = stored(lab)

    assert browser.get(detail_url(lab)).status_code == 404
    assert browser.get(correct_url(lab)).status_code == 404
    assert browser.post(correct_url(lab), corrected_values()).status_code == 404
    assert browser.post(reverse("lab_delete", args=[lab.pk])).status_code == 404
    actions.delete_lab(lab, patient)
    assert browser.post(reverse("lab_restore", args=[lab.pk])).status_code == 404

    assert stored(lab)[:5] == before[:5]
    assert stored(lab)[5] is not None  # still deleted: the restore was refused
    assert list(LabResultVersion.objects.values_list("changed_by", flat=True)) == [patient.pk]
    assert not RecordView.objects.filter(viewer=user).exists()


def test_a_clinician_who_left_the_care_team_gets_404(lab, patient, clinician, clinician_client):
    clinician.patients_cared.filter(patient=patient).delete()

    assert clinician_client.get(detail_url(lab)).status_code == 404
    assert clinician_client.post(correct_url(lab), corrected_values()).status_code == 404
    assert stored(lab)[2] == Decimal("148")


# --- a fixed number of queries -----------------------------------------------------------------


def add_versions(lab, user, count: int) -> None:
    for n in range(count):
        actions.correct_lab(lab, user, f"correction {n}", value=Decimal(150 + n))


@pytest.mark.parametrize("count", [0, 20])
def test_the_page_makes_the_same_queries_however_many_versions(
    lab, patient, patient_client, django_assert_num_queries, count
):
    add_versions(lab, patient, count)

    # 1 the session; 2 the signed-in patient; 3 the result with its patient (among those the
    # user may see); 4 its typical range; 5 its versions with who made them.
    with django_assert_num_queries(5):
        page = soup(patient_client.get(detail_url(lab)))

    assert len(versions(page)) == count


def test_a_clinician_opening_the_page_is_logged_in_one_more_query(
    lab, patient, clinician_client, django_assert_num_queries
):
    add_versions(lab, patient, 3)

    # 1 the session; 2 the signed-in clinician; 3 the result, among their care team's;
    # 4 the record view logged for the patient; 5 the typical range; 6 the versions.
    with django_assert_num_queries(6):
        page = soup(clinician_client.get(detail_url(lab)))

    assert len(versions(page)) == 3


def test_the_correction_form_makes_three_queries(lab, patient_client, django_assert_num_queries):
    # 1 the session; 2 the signed-in patient; 3 the result with its patient.
    with django_assert_num_queries(3):
        page = soup(patient_client.get(correct_url(lab)))

    assert page.find("input", {"name": "value"})["value"] == "148"


@pytest.mark.parametrize("deleted", [0, 50])
def test_deleted_results_cost_the_labs_page_no_query(
    lab, patient, patient_client, django_assert_num_queries, deleted
):
    for n in range(deleted):
        extra, _ = actions.record_lab(
            patient, patient, analyte="b12", taken_on=DRAWN, value=Decimal(300 + n), unit="pg/mL"
        )
        actions.delete_lab(extra, patient)

    # 1 the session; 2 the signed-in patient; 3 the results not deleted; 4 the typical ranges;
    # 5 the injection times (for "N days after an injection").
    with django_assert_num_queries(5):
        rows = lab_table(patient_client)

    assert len(rows) == 1
