"""Lab results: entered by the patient or a care-team clinician as the report gives them, stored
also in the analyte's canonical unit, listed with the typical range (which an admin edits), a
low/high mark and how long after the last injection the sample was drawn."""

import json
import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from labs import actions
from labs.models import LabRange, LabResult
from tests import factories, pages

NEW_YORK = ZoneInfo("America/New_York")
# Late evening in New York: already 10 March in UTC, still 9 March for the patient.
NOW = datetime(2026, 3, 9, 22, 30, tzinfo=NEW_YORK)
TODAY = date(2026, 3, 9)
CLINICAL = json.loads(
    (Path(settings.BASE_DIR) / "regimens" / "reference" / "clinical.json").read_text()
)
LABS = {lab["key"]: lab for lab in CLINICAL["labs"]}


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


def text(response) -> str:
    return unescape(response.content.decode())


def plain(response) -> str:
    return pages.text(pages.soup(response))


def token_of(response) -> str:
    return pages.soup(response).select_one('input[name="submission_token"]')["value"]


def errors(response) -> list[str]:
    """The messages beside fields, then those of the error lists."""
    return pages.texts(response, '[class^="invalid-feedback"]') + pages.texts(
        response, 'ul[class^="errorlist"]'
    )


def lab_rows(response) -> list[str]:
    """Each row of the lab table as the text a reader sees."""
    return pages.texts(response, 'tr[data-testid="lab-row"]')


def flags(response) -> list[str]:
    return pages.texts(response, '[data-testid="lab-flag"]')


def result_data() -> dict:
    return {
        "analyte": "b12",
        "taken_on": "2026-03-02",
        "value": "148",
        "unit": "pmol/L",
        "note": "",
    }


def result(client, url=None, **changes) -> dict:
    """The lab form as the page gives it, filled in with a B12 result and `changes`."""
    page = client.get(url or reverse("lab_new"))
    assert page.status_code == 200
    return {**result_data(), "submission_token": token_of(page), **changes}


def send(client, data, url=None):
    return client.post(url or reverse("lab_new"), data, follow=True)


def recorded(patient, analyte="b12", value="148", unit="pmol/L", taken_on=TODAY, **extra):
    lab, _ = actions.record_lab(
        patient,
        patient,
        analyte=analyte,
        value=Decimal(value),
        unit=unit,
        taken_on=taken_on,
        **extra,
    )
    return lab


# --- conversions -----------------------------------------------------------------------------


def _conversions():
    """Every (analyte, unit) pair in clinical.json, with a value in the unit that lands inside
    the typical range (so that it is plausible)."""
    cases = []
    for lab in CLINICAL["labs"]:
        low, high = lab["typical_range"]
        middle = (low + high) / 2
        for unit, factor in lab["units"].items():
            value = Decimal(str(round(middle / factor, 2)))
            while (value * Decimal(str(factor))).scaleb(3) % 1 == Decimal("0.5"):
                value += Decimal("0.01")  # no tie when rounding to 0.001, whatever the rule
            cases.append(pytest.param(lab["key"], unit, value, id=f"{lab['key']} {unit}"))
    return cases


@pytest.mark.parametrize(("analyte", "unit", "value"), _conversions())
def test_it_stores_every_unit_in_the_canonical_unit(patient, patient_client, analyte, unit, value):
    send(patient_client, result(patient_client, analyte=analyte, value=str(value), unit=unit))

    lab = LabResult.objects.get(patient=patient)
    factor = Decimal(str(LABS[analyte]["units"][unit]))
    assert (lab.analyte, lab.value, lab.unit) == (analyte, value, unit)
    assert lab.value_canonical == (value * factor).quantize(Decimal("0.001"), ROUND_HALF_UP)
    assert lab.canonical_unit == LABS[analyte]["canonical_unit"]


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "canonical"),
    [
        ("b12", "148", "pmol/L", "200.540"),
        ("b12", "350", "ng/L", "350.000"),
        ("hemoglobin", "131", "g/L", "13.100"),
        ("hemoglobin", "8.5", "mmol/L", "13.694"),
        ("mma", "0.3", "umol/L", "300.000"),
        ("folate", "20", "nmol/L", "8.826"),
    ],
)
def test_it_converts_worked_examples(patient, analyte, value, unit, canonical):
    lab = recorded(patient, analyte, value, unit)

    lab.refresh_from_db()
    assert lab.value_canonical == Decimal(canonical)


# --- entering and listing --------------------------------------------------------------------


def test_a_patient_enters_a_result_and_sees_it_with_the_typical_range(patient, patient_client):
    page = send(patient_client, result(patient_client, note="Fasting sample"))

    lab = LabResult.objects.get()
    assert page.redirect_chain == [(reverse("labs"), 302)]
    assert "Serum vitamin B12 (cobalamin) result saved." in text(page)
    assert (lab.patient, lab.recorded_by, lab.taken_on) == (patient, patient, date(2026, 3, 2))
    assert (lab.value, lab.unit, lab.value_canonical) == (
        Decimal("148"),
        "pmol/L",
        Decimal("200.540"),
    )
    assert lab.note == "Fasting sample"
    # 148 pmol/L = 200.54 pg/mL: inside 200-900 pg/mL, so not flagged.
    assert lab_rows(page) == [
        "2 Mar 2026 before any injection Serum vitamin B12 (cobalamin) "
        "148 pmol/L = 200.54 pg/mL 200–900 pg/mL = 147.6–664.2 pmol/L"
    ]
    assert flags(page) == []
    assert "Typical ranges only: your lab may differ." in plain(page)


def test_it_marks_a_result_below_the_typical_range_low(patient, patient_client):
    page = send(patient_client, result(patient_client, value="140"))

    assert LabResult.objects.get().value_canonical == Decimal("189.700")
    assert lab_rows(page) == [
        "2 Mar 2026 before any injection Serum vitamin B12 (cobalamin) "
        "140 pmol/L = 189.7 pg/mL low 200–900 pg/mL = 147.6–664.2 pmol/L"
    ]
    assert flags(page) == ["low"]


def test_it_marks_a_result_above_the_typical_range_high(patient, patient_client):
    recorded(patient, "b12", "1500", "pg/mL", taken_on=TODAY)
    recorded(patient, "hemoglobin", "131", "g/L", taken_on=TODAY - timedelta(days=1))

    page = patient_client.get(reverse("labs"))

    assert flags(page) == ["high"]
    assert "1500 pg/mL high 200–900 pg/mL" in lab_rows(page)[0]
    assert "131 g/L = 13.1 g/dL 12–17.5 g/dL" in lab_rows(page)[1]


def test_it_says_how_long_after_the_last_injection_a_lab_was_drawn(patient, patient_client):
    regimen = factories.regimen_for(patient, date(2026, 1, 5))
    # 21:00 in New York is the next day in UTC: the day counts in the patient's zone.
    factories.give(regimen, date(2026, 1, 5), hour=21)
    factories.give(regimen, date(2026, 2, 1), hour=21)
    recorded(patient, taken_on=date(2026, 2, 11))
    recorded(patient, taken_on=date(2026, 1, 6))
    recorded(patient, taken_on=date(2026, 1, 4))

    page = patient_client.get(reverse("labs"))

    assert [row.split(" Serum")[0] for row in lab_rows(page)] == [
        "11 Feb 2026 10 days after an injection",
        "6 Jan 2026 1 day after an injection",
        "4 Jan 2026 before any injection",
    ]


def test_it_shows_an_empty_list(patient_client):
    page = patient_client.get(reverse("labs"))

    assert "No lab results recorded yet." in text(page)
    assert lab_rows(page) == []


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"analyte": "hemoglobin", "unit": "pg/mL", "value": "13"},
            "Use one of: g/dL, g/L, mmol/L.",
        ),
        (
            {"unit": "mg/dL"},
            "Select a valid choice. mg/dL is not one of the available choices.",
        ),
        ({"value": "0"}, "Enter the value from the lab report (above 0)."),
        ({"value": "-148"}, "Enter the value from the lab report (above 0)."),
        (
            {"value": "5", "unit": "pg/mL"},
            "5 pg/mL is not a plausible Serum vitamin B12 (cobalamin) result. "
            "Check the number and the unit.",
        ),
        (
            {"analyte": "hemoglobin", "value": "130", "unit": "g/dL"},
            "130 g/dL is not a plausible Hemoglobin result. Check the number and the unit.",
        ),
        # Tomorrow for the patient in New York, though already today in UTC.
        ({"taken_on": "2026-03-10"}, "This date is in the future."),
        ({"value": ""}, "This field is required."),
    ],
    ids=[
        "unit of another analyte",
        "unknown unit",
        "zero",
        "negative",
        "b12 implausibly low",
        "hemoglobin in g/L typed as g/dL",
        "future date",
        "missing value",
    ],
)
def test_it_refuses_with_a_message_and_saves_nothing(patient_client, changes, message):
    page = send(patient_client, result(patient_client, **changes))

    assert page.redirect_chain == []
    assert any(message in error for error in errors(page)), errors(page)
    assert "Add a lab result" in text(page)
    assert not LabResult.objects.exists()


def test_it_accepts_a_result_drawn_today_in_the_patients_zone(patient, patient_client):
    send(patient_client, result(patient_client, taken_on="2026-03-09"))

    assert LabResult.objects.get(patient=patient).taken_on == TODAY


# --- double submit ---------------------------------------------------------------------------


def test_it_saves_one_result_when_the_form_is_submitted_twice(patient, patient_client):
    data = result(patient_client)

    first = send(patient_client, data)
    second = send(patient_client, data)

    assert LabResult.objects.filter(patient=patient).count() == 1
    assert first.redirect_chain == second.redirect_chain == [(reverse("labs"), 302)]
    assert len(lab_rows(second)) == 1


# --- clinicians ------------------------------------------------------------------------------


def clinic_url(patient) -> str:
    return reverse("clinic_lab", args=[patient.pk])


def test_a_care_team_clinician_adds_a_result(patient, clinician, client):
    client.force_login(clinician)
    url = clinic_url(patient)

    page = send(client, result(client, url, value="131", analyte="hemoglobin", unit="g/L"), url)

    lab = LabResult.objects.get()
    assert (lab.patient, lab.recorded_by) == (patient, clinician)
    assert page.redirect_chain == [(reverse("patient_record", args=[patient.pk]), 302)]
    card = text(page).split('id="labs-heading">Lab results</h2>')[1].split("</section>")[0]
    assert "Hemoglobin" in card
    assert "131 g/L" in card
    assert "13.1 g/dL" in card

    client.force_login(patient)
    assert lab_rows(client.get(reverse("labs"))) == [
        "2 Mar 2026 before any injection Hemoglobin 131 g/L = 13.1 g/dL 12–17.5 g/dL = 120–175 g/L"
    ]


def test_another_clinician_gets_404_and_saves_nothing(patient, clinician, client):
    stranger = factories.ClinicianFactory(name="Dr Else")
    client.force_login(stranger)
    url = clinic_url(patient)

    assert client.get(url).status_code == 404
    response = client.post(url, {**result_data(), "submission_token": str(uuid.uuid4())})

    assert response.status_code == 404
    assert not LabResult.objects.exists()


def test_a_patient_gets_404_on_the_clinician_page(patient, patient_client):
    url = clinic_url(patient)

    assert patient_client.get(url).status_code == 404
    response = patient_client.post(url, {**result_data(), "submission_token": str(uuid.uuid4())})

    assert response.status_code == 404
    assert not LabResult.objects.exists()


# --- the admin edits a typical range ---------------------------------------------------------


def change_range(client, **values):
    b12 = LabRange.objects.get(analyte="b12")
    data = {"analyte": "b12", "low": "200", "high": "900", "note": b12.note, **values}
    return client.post(reverse("admin:labs_labrange_change", args=[b12.pk]), data)


def test_an_admin_edits_the_b12_range_and_the_patient_sees_it(patient, patient_client, admin_user):
    recorded(patient, "b12", "250", "pg/mL")
    assert flags(patient_client.get(reverse("labs"))) == []

    admin_client = Client()
    admin_client.force_login(admin_user)
    response = change_range(admin_client, low="300", high="1000")

    assert response.status_code == 302
    b12 = LabRange.objects.get(analyte="b12")
    assert (b12.low, b12.high) == (Decimal("300"), Decimal("1000"))
    page = patient_client.get(reverse("labs"))
    assert lab_rows(page) == [
        "9 Mar 2026 before any injection Serum vitamin B12 (cobalamin) 250 pg/mL low 300–1000 pg/mL"
    ]
    assert flags(page) == ["low"]


@pytest.mark.parametrize("low", ["900", "950"])
def test_the_admin_refuses_a_range_whose_bottom_is_not_below_its_top(admin_user, client, low):
    client.force_login(admin_user)

    response = change_range(client, low=low, high="900")

    assert response.status_code == 200
    assert "The top of the range must be above its bottom." in errors(response)
    b12 = LabRange.objects.get(analyte="b12")
    assert (b12.low, b12.high) == (Decimal("200"), Decimal("900"))


# --- a fixed number of queries ---------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 200])
def test_the_labs_page_makes_the_same_number_of_queries_for_2_or_200_results(
    patient, patient_client, django_assert_num_queries, count
):
    regimen = factories.regimen_for(patient, date(2025, 1, 1))
    factories.add_injections(regimen, 5, date(2025, 1, 1))
    factories.bulk(
        factories.LabResultFactory,
        (
            {
                "patient": patient,
                "analyte": "b12",
                "taken_on": TODAY - timedelta(days=n),
                "value": Decimal(300 + n),
                "unit": "pg/mL",
                "value_canonical": Decimal(300 + n),  # bulk_create does not call save()
            }
            for n in range(count)
        ),
    )

    # 1 the session; 2 the signed-in patient; 3 the labs; 4 the typical ranges;
    # 5 the injection times (for "N days after an injection").
    with django_assert_num_queries(5):
        page = patient_client.get(reverse("labs"))

    assert len(lab_rows(page)) == count
