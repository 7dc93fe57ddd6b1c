"""Correcting, deleting and restoring an injection. Nothing is lost: each change keeps the
previous values with who changed them and when, deletion is soft and can be undone, and the
schedule is recomputed every time. Only the patient may change their own record."""

import re
import uuid
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from doses import actions
from doses.models import DoseLog, DoseLogVersion
from tests import factories, pages
from tests.clock import frozen

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 6, 10, 30, tzinfo=NEW_YORK)


pytestmark = [pytest.mark.django_db, pytest.mark.frozen(NOW)]


@pytest.fixture
def regimen(patient):
    return factories.regimen_for(patient, START)


@pytest.fixture
def first(regimen):
    return factories.give(regimen, date(2026, 3, 2), 9, site="LD")


@pytest.fixture
def last(regimen, first):
    """The second daily dose, on 3 March: the next one is due 4 March."""
    return factories.give(regimen, date(2026, 3, 3), 9, site="RD")


def text(response) -> str:
    return unescape(response.content.decode())


def versions_text(response) -> list[str]:
    return pages.texts(response, '[data-testid="version"]')


def values_text(response) -> str:
    [found] = pages.texts(response, '[data-testid="dose-values"]')
    return found


def correction(dose, **changes) -> dict:
    """The correct form as shown for `dose`, with `changes` typed in."""
    local = dose.administered_at.astimezone(NEW_YORK)
    data = {
        "submission_token": str(uuid.uuid4()),
        "administered_at": f"{local:%Y-%m-%dT%H:%M}",
        "dose_mcg": dose.dose_mcg,
        "medication": dose.medication,
        "concentration_mcg_per_ml": dose.concentration_mcg_per_ml or "",
        "route": dose.route,
        "site": dose.site,
        "administered_by": dose.administered_by,
        "lot_number": dose.lot_number,
        "reaction_notes": dose.reaction_notes,
        "reason": "",
    }
    data.update(changes)
    return data


def state(regimen):
    regimen.refresh_from_db()
    return (regimen.current_phase_id, regimen.next_due, regimen.given_in_phase)


def frozen_record(dose):
    """Everything about a dose that a refused request must leave as it was."""
    dose = DoseLog.objects.get(pk=dose.pk)
    return (dose.snapshot(), dose.deleted_at, dose.updated_at, dose.versions.count())


# --- corrections keep the previous version -----------------------------------------------------


def test_it_shows_the_current_values_in_the_correct_form(patient_client, last):
    page = patient_client.get(reverse("correct_dose", args=[last.pk]))

    html = text(page)
    assert 'name="administered_at" value="2026-03-03T09:00"' in html
    assert re.search(r'name="dose_mcg" value="1000"', html)
    assert re.search(r'<option value="RD" selected', html)
    assert "Correct this injection" in html


def test_it_keeps_the_previous_version_when_a_dose_is_corrected(
    patient, patient_client, regimen, last
):
    data = correction(last, dose_mcg=1200, site="LVL", lot_number="B7", reason="Wrong dose typed")

    page = patient_client.post(reverse("correct_dose", args=[last.pk]), data, follow=True)

    assert page.redirect_chain == [(reverse("dose_detail", args=[last.pk]), 302)]
    assert "Injection corrected. The previous version is kept below." in text(page)
    assert "Dose 1200 mcg (1.2 mL)" in values_text(page)
    assert "Left thigh (vastus lateralis)" in values_text(page)

    [shown] = versions_text(page)
    assert shown.startswith("Corrected by Pat Patient on 6 Mar 2026, 10:30")
    assert "“Wrong dose typed”" in shown
    assert "Before: Status Given" in shown
    assert "Dose 1000 mcg" in shown
    assert "Site Right deltoid" in shown

    last.refresh_from_db()
    assert (last.dose_mcg, last.site, last.lot_number) == (1200, "LVL", "B7")
    [version] = DoseLogVersion.objects.filter(dose=last)
    assert version.change == DoseLogVersion.Change.CORRECTED
    assert version.changed_by == patient
    assert version.changed_at == NOW
    assert version.reason == "Wrong dose typed"
    assert version.previous["dose_mcg"] == 1000
    assert version.previous["site"] == "RD"
    assert version.previous["lot_number"] == ""
    assert DoseLog.objects.filter(patient=patient).count() == 2  # corrected, not added


def test_it_keeps_every_version_newest_first(patient_client, last):
    url = reverse("correct_dose", args=[last.pk])
    patient_client.post(url, correction(last, dose_mcg=1200))
    last.refresh_from_db()
    patient_client.post(url, correction(last, dose_mcg=1500))

    page = patient_client.get(reverse("dose_detail", args=[last.pk]))

    shown = versions_text(page)
    assert len(shown) == 2
    assert "Dose 1200 mcg" in shown[0]
    assert "Dose 1000 mcg" in shown[1]
    assert "Dose 1500 mcg" in values_text(page)


@pytest.fixture
def site_unknown(patient, regimen, first):
    """An earlier injection entered at set-up without its site (marked "not recorded")."""
    dose, _ = actions.log_dose(
        regimen,
        patient,
        administered_at=factories.at(patient, date(2026, 3, 3), 9),
        dose_mcg=1000,
        route="IM",
        site="",
        site_not_recorded=True,
    )
    return dose


def test_a_site_remembered_later_is_recorded_and_the_earlier_not_recorded_is_kept(
    patient_client, site_unknown
):
    data = correction(site_unknown, site="RD", reason="Remembered the site")

    page = patient_client.post(reverse("correct_dose", args=[site_unknown.pk]), data, follow=True)

    assert "Site Right deltoid" in values_text(page)
    [shown] = versions_text(page)
    assert "Site Not recorded" in shown
    site_unknown.refresh_from_db()
    assert (site_unknown.site, site_unknown.site_not_recorded) == ("RD", False)
    [version] = site_unknown.versions.all()
    assert (version.previous["site"], version.previous["site_not_recorded"]) == ("", True)


def test_a_correction_that_leaves_the_site_empty_keeps_it_not_recorded(
    patient_client, site_unknown
):
    data = correction(site_unknown, lot_number="B7")

    page = patient_client.post(reverse("correct_dose", args=[site_unknown.pk]), data, follow=True)

    assert "Site Not recorded" in values_text(page)
    site_unknown.refresh_from_db()
    assert (site_unknown.site, site_unknown.site_not_recorded, site_unknown.lot_number) == (
        "",
        True,
        "B7",
    )


def test_a_not_recorded_site_is_put_back_by_undoing_the_delete(patient, site_unknown):
    actions.delete_dose(site_unknown, patient)
    actions.restore_dose(site_unknown, patient)

    site_unknown.refresh_from_db()
    assert (site_unknown.site, site_unknown.site_not_recorded) == ("", True)
    assert [v.previous["site_not_recorded"] for v in site_unknown.versions.all()] == [True, True]


def test_it_shows_the_time_before_a_correction_in_the_patients_zone(patient_client, last):
    patient_client.post(
        reverse("correct_dose", args=[last.pk]),
        correction(last, administered_at="2026-03-03T18:00"),
    )

    page = patient_client.get(reverse("dose_detail", args=[last.pk]))

    # The dose was logged at 09:00 New York time (14:00 UTC); the page speaks New York time.
    [shown] = versions_text(page)
    before = shown[shown.index("Before:") :]
    assert "Time 3 Mar 2026, 09:00" in before
    assert "14:00" not in before


def test_it_says_nothing_changed_on_a_dose_never_corrected(patient_client, last):
    page = patient_client.get(reverse("dose_detail", args=[last.pk]))

    assert versions_text(page) == []
    assert "No changes: this is the record as first entered." in text(page)
    assert reverse("correct_dose", args=[last.pk]) in text(page)


# --- corrections move the schedule -----------------------------------------------------------


def test_it_moves_the_next_due_date_when_the_last_doses_time_is_corrected(
    patient_client, regimen, last
):
    assert state(regimen)[1] == date(2026, 3, 4)

    patient_client.post(
        reverse("correct_dose", args=[last.pk]),
        correction(last, administered_at="2026-03-05T20:00", reason="Logged the wrong day"),
    )
    home = patient_client.get(reverse("home"))

    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 6)
    assert regimen.given_in_phase == 2
    assert 'data-testid="next-due">Friday 6 March 2026<' in text(home)
    last.refresh_from_db()
    assert last.administered_at == datetime(2026, 3, 5, 20, tzinfo=NEW_YORK)


def test_it_refuses_a_correction_into_the_future_and_changes_nothing(patient_client, regimen, last):
    before, schedule = frozen_record(last), state(regimen)

    page = patient_client.post(
        reverse("correct_dose", args=[last.pk]),
        correction(last, administered_at="2026-03-06T11:00"),
    )

    assert "This time is in the future. Enter when it happened." in text(page)
    assert frozen_record(last) == before
    assert state(regimen) == schedule


def test_it_refuses_a_site_that_does_not_fit_the_route_in_a_correction(
    patient_client, regimen, last
):
    before = frozen_record(last)

    page = patient_client.post(
        reverse("correct_dose", args=[last.pk]), correction(last, site="LLAQ")
    )

    assert "Abdomen, left side is not a site for intramuscular injections." in text(page)
    assert frozen_record(last) == before


# --- soft delete and undo --------------------------------------------------------------------


def test_it_deletes_softly_and_recomputes_the_schedule(patient, patient_client, regimen, last):
    page = patient_client.post(
        reverse("delete_dose", args=[last.pk]), {"reason": "Logged twice"}, follow=True
    )

    assert page.redirect_chain == [(reverse("dose_detail", args=[last.pk]), 302)]
    assert "Injection deleted. You can undo this from its page." in text(page)
    assert "Deleted on 6 Mar 2026, 10:30. It no longer counts in your schedule." in text(page)
    assert "Undo delete" in text(page)
    assert reverse("restore_dose", args=[last.pk]) in text(page)
    assert reverse("correct_dose", args=[last.pk]) not in text(page)

    kept = DoseLog.objects.get(pk=last.pk)  # the record stays
    assert kept.deleted_at == NOW
    [version] = kept.versions.all()
    assert (version.change, version.changed_by, version.reason) == (
        "deleted",
        patient,
        "Logged twice",
    )
    assert version.previous["deleted"] is False

    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 3)
    assert regimen.given_in_phase == 1
    home = text(patient_client.get(reverse("home")))
    assert 'data-testid="next-due">Tuesday 3 March 2026<' in home
    assert "Mon 2 Mar 2026, 09:00" in home  # the last injection is the one before


def test_it_brings_the_schedule_back_when_a_delete_is_undone(
    patient, patient_client, regimen, last
):
    patient_client.post(reverse("delete_dose", args=[last.pk]))

    page = patient_client.post(reverse("restore_dose", args=[last.pk]), follow=True)

    assert "Injection restored." in text(page)
    assert "Undo delete" not in text(page)
    assert 'data-testid="deleted-banner"' not in text(page)
    assert reverse("correct_dose", args=[last.pk]) in text(page)
    last.refresh_from_db()
    assert last.deleted_at is None
    assert list(last.versions.values_list("change", flat=True)) == ["restored", "deleted"]
    regimen.refresh_from_db()
    assert regimen.next_due == date(2026, 3, 4)
    assert regimen.given_in_phase == 2


def test_it_deletes_only_once(patient_client, regimen, last):
    url = reverse("delete_dose", args=[last.pk])
    patient_client.post(url)
    deleted_at = DoseLog.objects.get(pk=last.pk).deleted_at

    with frozen(datetime(2026, 3, 6, 11, tzinfo=NEW_YORK)):
        patient_client.post(url)

    assert DoseLog.objects.get(pk=last.pk).deleted_at == deleted_at
    assert last.versions.count() == 1


def test_it_asks_to_restore_a_deleted_dose_before_correcting_it(patient_client, regimen, last):
    patient_client.post(reverse("delete_dose", args=[last.pk]))
    before = frozen_record(last)

    page = patient_client.post(
        reverse("correct_dose", args=[last.pk]), correction(last, dose_mcg=1200), follow=True
    )

    assert "Restore this injection before correcting it." in text(page)
    assert frozen_record(last) == before
    assert state(regimen)[1] == date(2026, 3, 3)


# --- nobody else may see or change it --------------------------------------------------------


@pytest.fixture
def stranger_clinician(db):
    return factories.ClinicianFactory(name="Dr Stranger", email="stranger@example.org")


STRANGERS = ["other_patient", "stranger_clinician", "admin_user"]
# (page, whether the dose is deleted first so that the request would change something)
CHANGES = [("correct_dose", False), ("delete_dose", False), ("restore_dose", True)]


@pytest.mark.parametrize("who", STRANGERS)
@pytest.mark.parametrize(
    ("method", "name"), [("get", "dose_detail"), ("post", "dose_detail"), ("get", "correct_dose")]
)
def test_it_hides_the_dose_from_anyone_outside_the_care_team(
    request, client, last, who, method, name
):
    client.force_login(request.getfixturevalue(who))

    page = getattr(client, method)(reverse(name, args=[last.pk]))

    assert page.status_code == 404
    assert "Right deltoid" not in text(page)
    assert "1000 mcg" not in text(page)


@pytest.mark.parametrize("who", STRANGERS)
@pytest.mark.parametrize(("name", "deleted"), CHANGES)
def test_it_lets_nobody_outside_the_care_team_change_the_dose(
    request, client, patient, regimen, last, who, name, deleted
):
    if deleted:
        actions.delete_dose(last, patient)
    before, schedule = frozen_record(last), state(regimen)
    client.force_login(request.getfixturevalue(who))

    response = client.post(reverse(name, args=[last.pk]), correction(last, dose_mcg=5000))

    assert response.status_code == 404
    assert frozen_record(last) == before
    assert state(regimen) == schedule


@pytest.mark.parametrize("name", ["delete_dose", "restore_dose"])
def test_it_answers_a_get_on_anothers_dose_as_on_a_missing_one(
    client, other_patient, patient, last, name
):
    before = frozen_record(last)
    client.force_login(other_patient)

    theirs = client.get(reverse(name, args=[last.pk]))
    missing = client.get(reverse(name, args=[last.pk + 1000]))

    assert theirs.status_code == missing.status_code != 200
    assert frozen_record(last) == before


def test_it_lets_the_care_team_clinician_read_the_dose_but_not_edit_it(
    client, clinician, patient, last
):
    client.force_login(clinician)

    page = client.get(reverse("dose_detail", args=[last.pk]))

    # The heading names the patient, and the way back is their record, not a patient's page.
    assert "Pat Patient: injection of Tuesday 3 March 2026, 09:00" in text(page)
    assert "Dose 1000 mcg" in values_text(page)
    assert "Right deltoid" in values_text(page)
    assert reverse("correct_dose", args=[last.pk]) not in text(page)
    assert reverse("delete_dose", args=[last.pk]) not in text(page)


def test_it_shows_the_clinician_a_deleted_dose_without_undo(client, clinician, patient, last):
    actions.delete_dose(last, patient)
    client.force_login(clinician)

    page = client.get(reverse("dose_detail", args=[last.pk]))

    assert "It no longer counts in your schedule." in text(page)
    assert "Undo delete" not in text(page)


@pytest.mark.parametrize(
    ("method", "name", "deleted"),
    [("get", "correct_dose", False)] + [("post", name, deleted) for name, deleted in CHANGES],
)
def test_it_refuses_the_care_team_clinician_any_change(
    client, clinician, patient, regimen, last, method, name, deleted
):
    if deleted:
        actions.delete_dose(last, patient)
    before, schedule = frozen_record(last), state(regimen)
    client.force_login(clinician)

    send = client.get if method == "get" else client.post
    response = send(reverse(name, args=[last.pk]), correction(last, dose_mcg=5000))

    assert response.status_code == 404
    assert "Save correction" not in text(response)
    assert frozen_record(last) == before
    assert state(regimen) == schedule
