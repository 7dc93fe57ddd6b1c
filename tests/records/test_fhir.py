"""The FHIR R4B export: a full record downloads as a Bundle that fhir.resources accepts, with the
prescribed phases, injections, labs and check-ins mapped to the right codes and units; only the
patient and their care team may download it; the query count does not grow with the record."""

import base64
import json
import os
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from accounts.models import RecordView
from doses import actions
from doses.models import DoseLog
from labs.models import LabRange, LabResult
from records import fhir
from records.fhir import full_url, patient_bundle
from regimens import actions as regimen_actions
from regimens.history import PhaseHistory, PhaseThen, attach_phases_then, values_at
from regimens.models import Phase, Regimen, current_regimen
from supplies import labels, photos
from supplies.models import LabelPhoto
from symptoms.models import SymptomEntry
from tests import factories
from tests.clock import frozen
from tests.supplies import images

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ACT_SITE = "http://terminology.hl7.org/CodeSystem/v3-ActSite"
# The bundle's eight: the patient's regimens with their phases, their phase changes (each dose
# shows its phase as prescribed then), injections, lab ranges, labs, check-ins...
# ...and the photos of vial labels with their supplies and who checked them.
PATIENT_QUERIES = 10  # session, user, then the bundle's eight
CLINICIAN_QUERIES = 12  # session, user, the care-team check, the audit row, the bundle's eight


@pytest.fixture(autouse=True)
def now():
    """Wednesday 20 March 2024, noon in New York (daylight time since 10 March)."""
    moment = datetime(2024, 3, 20, 12, tzinfo=NEW_YORK)
    with frozen(moment):
        yield moment


@pytest.fixture
def record(patient, clinician):
    """A UK course (weekdays, then every 3 months) switched to the US course (daily for 7,
    weekly for 4, then every 4 weeks: here for 84 days); given, skipped and deleted injections;
    labs with and without a LOINC code, in entered and canonical units; one check-in."""
    uk = regimen_actions.prescribe(
        patient, factories.template(factories.UK_TEMPLATE), date(2024, 2, 5), clinician
    )
    factories.give(uk, date(2024, 2, 5), site="LD", lot_number="A1")  # Monday, 9:00 EST
    factories.give(uk, date(2024, 2, 7), site="LVG")
    actions.skip_dose(uk, patient, "Away at a wedding")  # due Friday 9 February
    mistake = factories.give(uk, date(2024, 2, 12), site="RD")
    actions.delete_dose(mistake, patient, "logged twice")
    us = regimen_actions.switch_regimen(
        uk,
        factories.template(),
        date(2024, 3, 11),
        clinician,
        reason="US dosing",
        phase_overrides={2: {"end_rule": "after_days", "end_value": 84}},
    )
    factories.give(
        us,
        date(2024, 3, 11),
        hour=10,
        site="RVL",
        administered_by="clinic",
        reaction_notes="Sore arm for a day",
    )
    factories.give(us, date(2024, 3, 12), site="LD")
    factories.record_lab(
        patient, date(2024, 2, 1), "120", by=clinician, analyte="b12", unit="pmol/L"
    )
    factories.record_lab(patient, date(2024, 3, 15), "450", by=patient, analyte="b12", unit="ng/L")
    factories.record_lab(
        patient, date(2024, 3, 15), "30", by=patient, analyte="active_b12", unit="pmol/L"
    )
    factories.record_lab(
        patient, date(2024, 3, 15), "0.4", by=clinician, analyte="mma", unit="umol/L"
    )
    scores = dict(zip(SymptomEntry.SYMPTOMS, [6, 4, 3, 2, 5, 1], strict=True))
    actions.record_checkin(
        patient,
        patient,
        **scores,
        side_effects=["Headache"],
        allergy_signs=["hives"],
        note="Tired by evening",
    )
    with frozen(datetime(2024, 3, 12, 18, tzinfo=NEW_YORK)):
        box = factories.add_supply(
            patient, expires_on=date(2025, 1, 31), received_on=date(2024, 3, 11)
        )
        labels.attach_photo(box, patient, images.png())
        photo = labels.attach_photo(box, patient, images.webp())  # the first is kept, replaced
        labels.give_verdict(photo, clinician, "mismatch", "Label says 100 mcg/mL")
    return {"uk": uk, "us": us, "deleted": mistake, "photo": photo}


def _download(client, user, url) -> dict:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["Content-Disposition"] == (
        'attachment; filename="b12-record-2024-03-20.fhir.json"'
    )
    return json.loads(response.content)


@pytest.fixture
def bundle(client, patient, record) -> dict:
    return _download(client, patient, reverse("export_fhir"))


def resources(bundle, kind, category=None) -> list[dict]:
    found = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    if category:
        found = [r for r in found if r["category"][0]["coding"][0]["code"] == category]
    return found


def codes(concept) -> dict:
    return {coding["system"]: coding["code"] for coding in concept.get("coding", [])}


def test_the_bundle_and_every_resource_in_it_are_valid_fhir_r4b(bundle):
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert len(parsed.entry) == len(bundle["entry"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        assert model.model_validate(resource).get_resource_type() == resource["resourceType"]
    assert bundle["timestamp"] == "2024-03-20T12:00:00-04:00"


def test_it_holds_one_resource_per_regimen_injection_lab_and_checkin(bundle, record):
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert {kind: kinds.count(kind) for kind in kinds} == {
        "Patient": 1,
        "MedicationRequest": 2,
        "MedicationAdministration": 5,  # 4 given (one deleted is left out), 1 skipped
        "Observation": 5,  # 4 labs, 1 check-in
        "DocumentReference": 1,  # the photo of a vial label now shown (not the one it replaced)
    }
    deleted = full_url("dose", record["deleted"].pk)
    assert deleted not in [entry["fullUrl"] for entry in bundle["entry"]]
    assert deleted not in json.dumps(bundle)


def test_every_reference_resolves_to_an_entry_and_full_urls_are_stable(bundle, patient):
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(url.startswith("urn:uuid:") for url in urls)
    patient_url = urls[0]
    for entry in bundle["entry"][1:]:
        assert entry["resource"]["subject"] == {"reference": patient_url}
    requests = {
        e["fullUrl"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationRequest"
    }
    given = resources(bundle, "MedicationAdministration")
    assert {r["request"]["reference"] for r in given} == requests
    assert [e["fullUrl"] for e in patient_bundle(patient)["entry"]] == urls


def test_the_patient_has_a_name_email_and_identifier(bundle, patient):
    (person,) = resources(bundle, "Patient")
    assert person["name"] == [{"text": "Pat Patient"}]
    assert person["telecom"] == [{"system": "email", "value": "pat@example.org"}]
    assert person["identifier"] == [{"system": "urn:b12-log:patient", "value": str(patient.pk)}]


def test_each_regimen_is_a_request_with_one_dosage_per_phase(bundle):
    uk, us = resources(bundle, "MedicationRequest")
    assert (uk["status"], us["status"]) == ("stopped", "active")
    assert uk["intent"] == us["intent"] == "order"
    assert uk["medicationCodeableConcept"] == {"text": "Hydroxocobalamin injection 1000 mcg/mL"}
    assert us["requester"] == {"display": "Dr Care"}
    assert us["authoredOn"].endswith("-04:00")
    assert any("prescriber sets the dose and interval" in n["text"] for n in us["note"])
    assert [d["sequence"] for d in uk["dosageInstruction"]] == [1, 2]
    assert [d["timing"]["repeat"] for d in uk["dosageInstruction"]] == [
        {
            "frequency": 3,
            "period": 1,
            "periodUnit": "wk",
            "dayOfWeek": ["mon", "wed", "fri"],
            "count": 6,
        },
        {"frequency": 1, "period": 3, "periodUnit": "mo"},
    ]
    assert [d["text"] for d in uk["dosageInstruction"]] == ["on Mo, We, Fr", "every 3 months"]
    assert uk["dosageInstruction"][1]["patientInstruction"] == (
        "Maintenance: every 3 months (maintenance phase): 1000 mcg every 3 months; "
        "runs until a clinician advances it."
    )
    days = {"value": 84, "unit": "days", "system": UCUM, "code": "d"}
    assert [d["timing"]["repeat"] for d in us["dosageInstruction"]] == [
        {"frequency": 1, "period": 1, "periodUnit": "d", "count": 7},
        {"frequency": 1, "period": 1, "periodUnit": "wk", "count": 4},
        {"frequency": 1, "period": 4, "periodUnit": "wk", "boundsDuration": days},
    ]
    for dosage in uk["dosageInstruction"] + us["dosageInstruction"]:
        assert codes(dosage["route"]) == {SNOMED: "78421000"}
        assert dosage["doseAndRate"] == [
            {"doseQuantity": {"value": 1000, "unit": "mcg", "system": UCUM, "code": "ug"}}
        ]


def test_injections_carry_site_route_dose_and_the_patients_offset(bundle):
    first, second, skipped, clinic, last = resources(bundle, "MedicationAdministration")
    # Winter doses are at -05:00, those after the change to daylight time at -04:00.
    assert first["effectiveDateTime"] == "2024-02-05T09:00:00-05:00"
    assert clinic["effectiveDateTime"] == "2024-03-11T10:00:00-04:00"
    assert first["status"] == clinic["status"] == "completed"
    assert first["dosage"]["site"] == {
        "text": "Left deltoid",
        "coding": [
            {"system": SNOMED, "code": "16217701000119102"},
            {"system": ACT_SITE, "code": "LD"},
        ],
    }
    assert second["dosage"]["site"]["coding"] == [{"system": ACT_SITE, "code": "LVG"}]
    assert codes(clinic["dosage"]["site"]) == {SNOMED: "1217006009", ACT_SITE: "RVL"}
    assert codes(first["dosage"]["route"]) == {SNOMED: "78421000"}
    assert first["dosage"]["dose"] == {"value": 1000, "unit": "mcg", "system": UCUM, "code": "ug"}
    # The lot number travels as the batch of a contained Medication.
    (product,) = first["contained"]
    assert first["medicationReference"] == {"reference": "#product"}
    assert product["batch"] == {"lotNumber": "A1"}
    assert product["code"] == {"text": "Hydroxocobalamin injection 1000 mcg/mL"}
    assert last["medicationCodeableConcept"] == {"text": "Cyanocobalamin injection 1000 mcg/mL"}
    assert "contained" not in last
    assert first["performer"][0]["actor"]["reference"].startswith("urn:uuid:")
    assert first["performer"][0]["function"] == {"text": "Self-administered"}
    assert clinic["performer"][0]["actor"] == {"display": "Clinic or nurse"}
    assert clinic["note"] == [{"text": "Reaction: Sore arm for a day"}]
    assert skipped["status"] == "not-done"
    assert skipped["statusReason"] == [{"text": "Away at a wedding"}]
    assert skipped["effectiveDateTime"] == "2024-02-09T12:00:00-05:00"
    assert "dosage" not in skipped and "performer" not in skipped


def test_labs_have_loinc_only_where_listed_with_ranges_in_the_unit_shown(bundle):
    low_b12, b12, active, mma = resources(bundle, "Observation", "laboratory")
    # Entered in pmol/L, which has its own LOINC code: exported as entered, range converted.
    assert codes(low_b12["code"]) == {LOINC: "14685-2"}
    assert low_b12["valueQuantity"] == {
        "value": 120,
        "unit": "pmol/L",
        "system": UCUM,
        "code": "pmol/L",
    }
    (typical,) = low_b12["referenceRange"]
    assert (typical["low"]["value"], typical["high"]["value"]) == (147.6, 664.2)
    assert typical["low"]["code"] == typical["high"]["code"] == "pmol/L"
    assert typical["text"] == "typical range"
    assert low_b12["interpretation"][0]["coding"][0]["code"] == "L"
    assert low_b12["effectiveDateTime"] == "2024-02-01"
    # ng/L has no code: exported in the canonical pg/mL with its code.
    assert codes(b12["code"]) == {LOINC: "2132-9"}
    assert b12["valueQuantity"]["value"] == 450 and b12["valueQuantity"]["code"] == "pg/mL"
    assert (
        b12["referenceRange"][0]["low"]["value"],
        b12["referenceRange"][0]["high"]["value"],
    ) == (200, 900)
    assert "interpretation" not in b12
    assert b12["note"] == [{"text": "Entered as 450 ng/L."}]
    # umol/L has no code: 0.4 umol/L is 400 nmol/L, above the typical 70-270.
    assert codes(mma["code"]) == {LOINC: "13964-2"}
    assert (mma["valueQuantity"]["value"], mma["valueQuantity"]["unit"]) == (400, "nmol/L")
    assert mma["referenceRange"][0]["high"]["value"] == 270
    assert mma["interpretation"][0]["coding"][0]["code"] == "H"
    # Active B12 has no LOINC code at all: text only.
    assert active["code"] == {"text": "Active B12 (holotranscobalamin)"}
    assert active["valueQuantity"]["code"] == "pmol/L"
    for lab in (low_b12, mma, b12, active):
        assert lab["status"] == "final"
        assert lab["valueQuantity"]["system"] == UCUM


def test_the_range_is_the_one_an_admin_set_converted_to_the_unit_shown(patient, record):
    LabRange.objects.filter(analyte="b12").update(low=180, high=1000)
    low_b12 = resources(patient_bundle(patient), "Observation", "laboratory")[0]
    (typical,) = low_b12["referenceRange"]
    assert (typical["low"]["value"], typical["high"]["value"]) == (132.8, 738.0)


def test_a_new_patients_bundle_holds_only_the_patient(patient):
    bundle = patient_bundle(patient)
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]


def test_a_checkin_is_a_survey_with_one_component_per_symptom(bundle):
    (checkin,) = resources(bundle, "Observation", "survey")
    assert checkin["code"] == {"text": "B12 symptom check-in"}
    assert checkin["effectiveDateTime"] == "2024-03-20T12:00:00-04:00"
    assert checkin["component"] == [
        {"code": {"text": "Tiredness / fatigue"}, "valueInteger": 6},
        {"code": {"text": "Pins and needles / tingling"}, "valueInteger": 4},
        {"code": {"text": "Numbness"}, "valueInteger": 3},
        {"code": {"text": "Balance problems / unsteadiness"}, "valueInteger": 2},
        {"code": {"text": "Memory or concentration (brain fog)"}, "valueInteger": 5},
        {"code": {"text": "Low mood or irritability"}, "valueInteger": 1},
        {"code": {"text": "Side effect"}, "valueString": "Headache"},
        {
            "code": {"text": "Sign of allergic reaction"},
            "valueString": "Hives or widespread itchy rash",
        },
    ]
    # With the phase the patient was in when they checked in, as it was prescribed then.
    assert checkin["note"] == [
        {"text": "Tired by evening"},
        {"text": "Phase then: Daily for 1 week · 1000 mcg · on time that day"},
    ]


def test_the_clinician_download_is_the_same_bundle_and_is_logged(
    client, patient, clinician, record
):
    url = reverse("patient_export_fhir", args=[patient.pk])
    data = _download(client, clinician, url)
    assert data["entry"] == patient_bundle(patient)["entry"]
    view = RecordView.objects.get()
    assert (view.patient, view.viewer, view.what, view.path) == (
        patient,
        clinician,
        "FHIR export",
        url,
    )


def test_the_patients_own_download_writes_no_record_view(bundle):
    assert not RecordView.objects.exists()


@pytest.mark.parametrize("who", ["other_patient", "other_clinician", "admin_user", "patient"])
def test_only_the_care_team_gets_a_patients_export(client, patient, record, who, request):
    if who == "other_clinician":
        user = factories.ClinicianFactory()
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("patient_export_fhir", args=[patient.pk])).status_code == 404
    assert not RecordView.objects.exists()


@pytest.mark.parametrize("who", ["clinician", "admin_user"])
def test_the_own_record_export_is_for_patients_only(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("export_fhir")).status_code == 404


def test_signed_out_users_go_to_sign_in_and_posts_are_refused(client, patient, clinician):
    assert client.get(reverse("export_fhir")).status_code == 302
    client.force_login(patient)
    assert client.post(reverse("export_fhir")).status_code == 405
    client.force_login(clinician)
    url = reverse("patient_export_fhir", args=[patient.pk])
    assert client.post(url).status_code == 405


def _grow(patient, clinician, record) -> None:
    """Three times the record: a third regimen, more injections, labs and check-ins."""
    factories.add_injections(record["us"], 5, date(2024, 3, 13))
    third = regimen_actions.switch_regimen(
        record["us"], factories.template(factories.UK_TEMPLATE), date(2024, 3, 18), clinician
    )
    factories.give(third, date(2024, 3, 18), lot_number="B7")
    factories.give(third, date(2024, 3, 20), hour=8, site="RD")
    for day in (4, 11, 18):
        factories.record_lab(
            patient, date(2024, 3, day), "12", by=clinician, analyte="homocysteine", unit="umol/L"
        )
        factories.record_lab(
            patient, date(2024, 3, day), "130", by=patient, analyte="hemoglobin", unit="g/L"
        )
        factories.check_in(patient, score=2)
    with frozen(datetime(2024, 3, 19, 9, tzinfo=NEW_YORK)):
        box = factories.add_supply(
            patient, expires_on=date(2025, 6, 30), received_on=date(2024, 3, 18)
        )
        labels.attach_photo(box, patient, images.png())


def _count(client, user, url, django_assert_num_queries, expected) -> dict:
    client.force_login(user)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_query_count_stays_the_same_for_a_bigger_record(
    client, patient, clinician, record, django_assert_num_queries
):
    own, theirs = reverse("export_fhir"), reverse("patient_export_fhir", args=[patient.pk])
    small = _count(client, patient, own, django_assert_num_queries, PATIENT_QUERIES)
    _count(client, clinician, theirs, django_assert_num_queries, CLINICIAN_QUERIES)
    _grow(patient, clinician, record)
    big = _count(client, patient, own, django_assert_num_queries, PATIENT_QUERIES)
    _count(client, clinician, theirs, django_assert_num_queries, CLINICIAN_QUERIES)
    # 1 regimen, 7 injections, 6 labs, 3 check-ins, 1 label photo more
    assert len(big["entry"]) == len(small["entry"]) + 18
    Bundle.model_validate(big)
    with django_assert_num_queries(8):
        patient_bundle(patient)


def test_a_label_photo_is_a_document_linked_to_the_prescription_of_its_day(bundle, record):
    (document,) = resources(bundle, "DocumentReference")
    us = full_url("regimen", record["us"].pk)
    assert document["context"] == {"related": [{"reference": us}]}
    assert document["type"] == {"text": "Photo of a vial label"}
    assert document["date"] == "2024-03-12T18:00:00-04:00"
    assert document["description"] == (
        "10 × 1 mL cyanocobalamin 1000 mcg/mL. Does not match the prescription on 2024-03-12: "
        "Label says 100 mcg/mL."
    )
    assert document["authenticator"] == {"display": "Dr Care"}
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "image/webp"
    with record["photo"].image.open("rb") as handle:
        assert base64.b64decode(attachment["data"]) == handle.read()


def test_a_label_photo_sent_at_set_up_is_linked_to_the_regimen_it_came_with(
    client, patient, record
):
    with frozen(datetime(2024, 3, 13, 9, tzinfo=NEW_YORK)):  # the US regimen in force
        labels.attach_regimen_photo(record["uk"], patient, photos.clean_photo(images.png()))

    documents = resources(_download(client, patient, reverse("export_fhir")), "DocumentReference")

    (setup,) = [d for d in documents if "setting up" in d["description"]]
    assert setup["context"] == {"related": [{"reference": full_url("regimen", record["uk"].pk)}]}
    assert setup["description"] == (
        "hydroxocobalamin 1000 mcg/mL, sent when setting up the plan. "
        "Not yet checked against the prescription."
    )
    assert "authenticator" not in setup


def _reference_at(self, phase, moment):
    """PhaseHistory.at as it was before each phase's states were kept (regimens/history.py):
    a new PhaseThen for every question."""
    if phase is None:
        return None
    changes = self._changes.get(phase.pk, [])
    then = values_at(phase.phase_values(), changes, moment)
    copy = Phase(pk=phase.pk, regimen_id=phase.regimen_id, **then)
    return PhaseThen(copy, changed_since=bool(changes) and changes[-1][0] > moment)


def test_the_bundle_is_the_same_as_built_without_the_kept_lookups(
    patient, clinician, record, monkeypatch
):
    """The export keeps each site's and route's codes and each phase's states as it goes
    (records/fhir.py, regimens/history.py): the same bundle as looking each up anew."""
    _grow(patient, clinician, record)
    third = current_regimen(patient)  # _grow's, daily in its first phase
    regimen_actions.change_phase(third.current_phase, clinician, "slower", dose_mcg=500)
    with frozen(datetime(2024, 3, 20, 14, tzinfo=NEW_YORK)):
        factories.give(third, date(2024, 3, 20), hour=13, site="LVL")
        kept = fhir.patient_bundle(patient)

    monkeypatch.setattr(PhaseHistory, "at", _reference_at)
    monkeypatch.setattr(fhir, "_site_parts", fhir._site_parts.__wrapped__)
    monkeypatch.setattr(fhir, "_route_parts", fhir._route_parts.__wrapped__)
    with frozen(datetime(2024, 3, 20, 14, tzinfo=NEW_YORK)):
        anew = fhir.patient_bundle(patient)

    assert json.dumps(kept, sort_keys=True) == json.dumps(anew, sort_keys=True)
    texts = {
        entry["resource"]["dosage"].get("text")
        for entry in kept["entry"]
        if entry["resource"]["resourceType"] == "MedicationAdministration"
        and "dosage" in entry["resource"]
    }
    assert any("500 mcg" in text for text in texts if text)  # the phase as changed
    assert any("1000 mcg" in text for text in texts if text)  # and before


# The whole bundle of a varied record, pinned (issue 20: the export was made faster without
# changing a byte of it). tests/records/fhir_bundle.json holds the download with each fullUrl
# named by its table and rank instead of its uuid, the patient's id as "<patient>" and each
# picture as "<picture>", indented to be read; to accept an intended change to the export,
# run this test with FHIR_SNAPSHOT_UPDATE=1 and review the file's diff.
SNAPSHOT = Path(__file__).with_name("fhir_bundle.json")


def _vary(patient, clinician, record) -> None:
    """Beyond _grow: a phase changed since, doses given by a carer, with another product, early
    or as a second that day, with no dose noted; skips with a picked reason, with and without
    words; a lab with no range; a check-in in another phase; a photo sent at set-up."""
    _grow(patient, clinician, record)
    third = current_regimen(patient)
    regimen_actions.change_phase(third.current_phase, clinician, "slower", dose_mcg=500)
    with frozen(datetime(2024, 3, 20, 14, tzinfo=NEW_YORK)):
        carer = factories.give(third, date(2024, 3, 20), hour=13, site="LVL")
        other = factories.give(third, date(2024, 3, 20), hour=13, site="RVL", lot_number="Z9")
        bare = factories.give(third, date(2024, 3, 20), hour=13, site="RD")
        factories.check_in(
            patient, score=7, side_effects=["Headache", "Nausea"], allergy_signs=["hives"]
        )
    DoseLog.objects.filter(pk=carer.pk).update(
        administered_by="carer", confirmed_early=True, due_when_logged=date(2024, 3, 22)
    )
    DoseLog.objects.filter(pk=other.pk).update(
        medication="methylcobalamin", concentration_mcg_per_ml=500, confirmed_second=True
    )
    DoseLog.objects.filter(pk=bare.pk).update(dose_mcg=None, route="", site="")
    skipped = DoseLog.objects.filter(patient=patient, status="skipped").get()
    DoseLog.objects.filter(pk=skipped.pk).update(skip_reason_kind="away")
    DoseLog.objects.create(
        patient=patient,
        regimen=third,
        phase=None,
        status="skipped",
        administered_at=datetime(2024, 3, 19, 9, tzinfo=NEW_YORK),
        skip_reason_kind="unwell",
        recorded_by=patient,
    )
    LabRange.objects.filter(analyte="hemoglobin").delete()
    with frozen(datetime(2024, 3, 13, 9, tzinfo=NEW_YORK)):
        labels.attach_regimen_photo(record["uk"], patient, photos.clean_photo(images.png()))


def _named(body: str, patient) -> str:
    """The download with its uuids, the patient's id and the pictures named for reading."""
    rows = {
        "patient": [patient.pk],
        "regimen": Regimen.objects.filter(patient=patient),
        "dose": DoseLog.objects.filter(patient=patient),
        "lab": LabResult.objects.filter(patient=patient),
        "checkin": SymptomEntry.objects.filter(patient=patient),
        "label": LabelPhoto.objects.filter(patient=patient),
    }
    for kind, found in rows.items():
        pks = sorted(found if kind == "patient" else found.values_list("pk", flat=True))
        for rank, pk in enumerate(pks, 1):
            body = body.replace(full_url(kind, pk), f"{kind}-{rank}")
            body = body.replace(full_url(kind, pk)[9:], f"{kind}-{rank}")
    data = json.loads(body)
    assert data["entry"][0]["resource"]["identifier"][0]["value"] == str(patient.pk)
    data["entry"][0]["resource"]["identifier"][0]["value"] = "<patient>"
    for entry in data["entry"]:
        for content in entry["resource"].get("content", []):
            if "data" in content["attachment"]:
                content["attachment"]["data"] = "<picture>"
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def test_the_whole_bundle_of_a_varied_record_is_as_pinned(client, patient, clinician, record):
    _vary(patient, clinician, record)
    client.force_login(patient)
    response = client.get(reverse("export_fhir"))
    body = response.content.decode()
    # Compact: no space after a separator, and each character as itself (not \u escaped).
    assert body == json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
    named = _named(body, patient)
    if os.environ.get("FHIR_SNAPSHOT_UPDATE"):
        SNAPSHOT.write_text(named)
    assert named == SNAPSHOT.read_text()
    Bundle.model_validate(json.loads(body))


def test_each_full_url_is_the_uuid5_of_its_table_and_key():
    """The urns are spelled out by hand (records/fhir.py): the same as uuid.uuid5 of the
    namespace and "table/key", as exports made before named the same rows."""
    assert full_url("patient", 1) == "urn:uuid:af5be3cd-5256-5c48-8e63-9bdff52f14ca"
    assert full_url("dose", 123456) == "urn:uuid:54729392-2419-5f68-8125-27cb0c98d8d7"
    assert full_url("label", 7) == "urn:uuid:e176b868-dd7b-549d-9d3d-453140f44a14"
    for kind in ("patient", "regimen", "dose", "lab", "checkin", "label"):
        for pk in (1, 9, 10, 4_096, 99_999, 12_345_678_901):
            assert full_url(kind, pk) == f"urn:uuid:{uuid.uuid5(fhir.NAMESPACE, f'{kind}/{pk}')}"


def test_a_dose_whose_phase_is_of_no_regimen_of_the_patient_still_shows_it_as_then(
    patient, other_patient, clinician, record, django_assert_num_queries
):
    """The doses' phases are taken from the patient's regimens, read already; a phase found
    nowhere there (a row written around the app) is read in one more query, not lost."""
    elsewhere = regimen_actions.prescribe(
        other_patient, factories.template(), date(2024, 3, 1), clinician
    )
    given = DoseLog.objects.filter(patient=patient, status="given").order_by("pk").first()
    DoseLog.objects.filter(pk=given.pk).update(phase=elsewhere.current_phase)
    dose = DoseLog.objects.select_related("phase").get(pk=given.pk)
    attach_phases_then([dose])

    with django_assert_num_queries(9):  # the bundle's eight, and that phase
        bundle = patient_bundle(patient)

    (shown,) = [e for e in bundle["entry"] if e["fullUrl"] == full_url("dose", given.pk)]
    assert shown["resource"]["dosage"]["text"] == f"Prescribed then: {dose.phase_then.summary}"
