"""Supplies: the patient records the vials or ampoules at home; each given injection of the same
product and strength uses them up, earliest expiry first; the page says when they run out on
the current schedule and warns before they do, or before one expires unused.

The regimen is the cyanocobalamin US template (1000 mcg daily x7, weekly x4, then every 4
weeks) at 1000 mcg/mL, so each injection draws 1 mL; it starts on Monday 2 March 2026. The
patient lives in America/New_York.
"""

import uuid
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from doses import actions
from regimens.models import Phase
from supplies import actions as supplies
from supplies.models import Supply, SupplyVersion
from tests import factories
from tests.clock import frozen
from tests.pages import by_testid, form_values, soup, texts

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday


@pytest.fixture(autouse=True)
def at_start():
    """Unless a test travels elsewhere, today is the regimen's first day, at noon."""
    with frozen(START):
        yield


@pytest.fixture
def regimen(patient):
    return factories.regimen_for(patient, START)


def add(patient, **values) -> Supply:
    """Record a supply through the real action: by default two 1 mL ampoules of the plan's
    product, in use from the start, expiring in 2027."""
    defaults = {
        "medication": "cyanocobalamin",
        "concentration_mcg_per_ml": 1000,
        "container_ml": Decimal("1"),
        "count": 2,
        "expires_on": date(2027, 1, 31),
        "received_on": START,
        "lot_number": "",
        "note": "",
    }
    supply, _ = supplies.add_supply(patient, patient, **{**defaults, **values})
    return supply


def give_on_time(regimen, count: int):
    for _ in range(count):
        factories.give(regimen, regimen.next_due)


# --- reading pages ---------------------------------------------------------------------------


class _Page:
    """Text by data-testid, the flash messages, the form errors and the values a browser
    would submit."""

    def __init__(self, response):
        self.html = response.content.decode()
        page = soup(self.html)
        self.testids = by_testid(page)
        self.messages = texts(page, '[role="status"]')
        self.errors = texts(page, ".invalid-feedback, ul.errorlist")
        self.values = form_values(page)

    def all(self, testid: str) -> list[str]:
        return self.testids.get(testid, [])

    def one(self, testid: str) -> str:
        found = self.all(testid)
        assert len(found) == 1, f"expected one {testid!r}, found {found}"
        return found[0]


def read(response) -> _Page:
    assert response.status_code == 200
    return _Page(response)


def supplies_page(client) -> _Page:
    return read(client.get(reverse("supplies")))


def rows(client) -> list[str]:
    return supplies_page(client).all("supply-row")


def form_data(**changes) -> dict:
    data = {
        "submission_token": str(uuid.uuid4()),
        "medication": "cyanocobalamin",
        "concentration_mcg_per_ml": "1000",
        "container_ml": "1",
        "count": "10",
        "expires_on": "2027-01-31",
        "lot_number": "AB123",
        "received_on": "2026-03-02",
        "note": "",
    }
    return {**data, **changes}


# --- what is left ----------------------------------------------------------------------------


def test_an_injection_takes_its_volume_from_the_supply(patient, patient_client, regimen):
    add(patient, count=2)
    factories.give(regimen, START)

    page = supplies_page(patient_client)

    assert page.all("supply-row") == [
        "2 × 1 mL cyanocobalamin 1000 mcg/mL Add a photo of the label "
        "1 mL of 2 mL 1 dose at 1000 mcg "
        "31 Jan 2027 in 11 months 2 Mar 2026 Correct Reason for removing (optional) Remove"
    ]


def test_injections_before_the_in_use_day_or_of_another_strength_take_nothing(
    patient, patient_client, regimen
):
    with frozen(date(2026, 3, 4)):
        factories.give(regimen, date(2026, 3, 2))  # before the supply is in use
        add(patient, count=3, received_on=date(2026, 3, 3))
        factories.give(regimen, date(2026, 3, 3), concentration_mcg_per_ml=5000)
        factories.give(regimen, date(2026, 3, 4))  # the only one taken from the supply

        page = supplies_page(patient_client)

    assert "2 mL of 3 mL" in page.one("supply-row")
    assert page.one("supply-uncovered") == (
        "1 injection given while you had supplies recorded was not taken from any of them: "
        "a different product or strength, or none was left."
    )


def test_the_supply_that_expires_first_is_used_first(patient, patient_client, regimen):
    later = add(patient, count=2, expires_on=date(2027, 6, 30), lot_number="LATE")
    sooner = add(patient, count=2, expires_on=date(2026, 12, 31), lot_number="SOON")
    twin = add(patient, count=2, expires_on=date(2026, 12, 31), lot_number="TWIN")
    with frozen(date(2026, 3, 4)):
        give_on_time(regimen, 3)  # 2 mL from SOON, then 1 mL from TWIN (same expiry, later)

        page = supplies_page(patient_client)

    assert [row.split(" Correct")[0] for row in page.all("supply-row")] == [
        "2 × 1 mL cyanocobalamin 1000 mcg/mL · lot SOON Add a photo of the label "
        "0 mL of 2 mL Used up "
        "31 Dec 2026 in 10 months 2 Mar 2026",
        "2 × 1 mL cyanocobalamin 1000 mcg/mL · lot TWIN Add a photo of the label "
        "1 mL of 2 mL 1 dose at 1000 mcg "
        "31 Dec 2026 in 10 months 2 Mar 2026",
        "2 × 1 mL cyanocobalamin 1000 mcg/mL · lot LATE Add a photo of the label "
        "2 mL of 2 mL 2 doses at 1000 mcg "
        "30 Jun 2027 in 1 year 2 Mar 2026",
    ]
    assert sooner.pk < twin.pk and later.pk < sooner.pk


def test_an_expired_supply_is_not_used_and_is_marked(patient, patient_client, regimen):
    add(patient, count=5, expires_on=date(2026, 3, 3), lot_number="OLD")
    add(patient, count=5, expires_on=date(2027, 3, 3), lot_number="NEW")
    with frozen(date(2026, 3, 4)):
        factories.give(regimen, date(2026, 3, 3))  # on its expiry day: still good
        factories.give(regimen, date(2026, 3, 4))  # the day after: from the new box

        found = rows(patient_client)

    assert "lot OLD Add a photo of the label 4 mL of 5 mL 3 Mar 2026 Expired" in found[0]
    new = "lot NEW Add a photo of the label 4 mL of 5 mL 4 doses at 1000 mcg 3 Mar 2027"
    assert new in found[1]


def test_a_deleted_or_corrected_injection_changes_the_stock_at_once(
    patient, patient_client, regimen
):
    add(patient, count=3)
    with frozen(date(2026, 3, 3)):
        first = factories.give(regimen, date(2026, 3, 2))
        second = factories.give(regimen, date(2026, 3, 3))
        assert "1 mL of 3 mL" in rows(patient_client)[0]

        actions.delete_dose(second, patient, "logged twice")
        assert "2 mL of 3 mL" in rows(patient_client)[0]

        actions.correct_dose(first, patient, "it was half a dose", dose_mcg=500)
        assert "2.5 mL of 3 mL" in rows(patient_client)[0]

        actions.restore_dose(second, patient)
        assert "1.5 mL of 3 mL" in rows(patient_client)[0]


# --- how far they go -------------------------------------------------------------------------


def test_it_says_when_supplies_run_out_on_the_schedule(patient, patient_client, regimen):
    with frozen(date(2026, 3, 9)):
        give_on_time(regimen, 7)  # the daily week; weekly from Sunday 15 March
        add(patient, count=1, container_ml=Decimal("5"), received_on=date(2026, 3, 9))

        page = supplies_page(patient_client)

    # 15, 22, 29 March and 5 April weekly, then 3 May every 4 weeks: five 1 mL injections.
    assert page.one("supply-summary") == (
        "Supplies last until Sun 3 May 2026 (5 injections). "
        "More are needed for the injection due Sun 31 May 2026."
    )
    assert page.all("supply-warning") == []


def test_it_warns_when_supplies_do_not_last_to_the_next_two_injections(
    patient, patient_client, regimen
):
    add(patient, count=1)

    page = supplies_page(patient_client)

    assert page.one("supply-summary") == (
        "Supplies last until Mon 2 Mar 2026 (1 injection). "
        "More are needed for the injection due Tue 3 Mar 2026."
    )
    assert page.all("supply-warning") == [
        "Your supplies will not last to your next two injections "
        "(Mon 2 Mar 2026 and Tue 3 Mar 2026)."
    ]


def test_it_warns_when_nothing_is_left_for_the_next_injection(patient, patient_client, regimen):
    add(patient, count=1)
    factories.give(regimen, START)

    page = supplies_page(patient_client)

    assert page.one("supply-summary") == (
        "Your supplies do not cover your next injection, due Tue 3 Mar 2026."
    )
    assert page.all("supply-warning") == [
        "Your supplies will not last to your next two injections "
        "(Tue 3 Mar 2026 and Wed 4 Mar 2026)."
    ]


def test_it_warns_when_a_supply_expires_before_it_is_used_up(patient, patient_client, regimen):
    with frozen(date(2026, 4, 10)):
        give_on_time(regimen, 7 + 4)  # maintenance every 4 weeks from Sunday 3 May
        received = date(2026, 4, 10)
        add(
            patient,
            count=1,
            container_ml=Decimal("10"),
            expires_on=date(2026, 7, 1),
            lot_number="SHORT",
            received_on=received,
        )
        add(
            patient,
            count=1,
            container_ml=Decimal("10"),
            expires_on=date(2028, 1, 1),
            received_on=received,
        )

        page = supplies_page(patient_client)

    # 3 May, 31 May and 28 June from the short-dated vial; 7 mL of it is left on 1 July. The
    # other vial covers the next ten: 26 July 2026 to 4 April 2027.
    assert page.all("supply-warning") == [
        "Your cyanocobalamin 1000 mcg/mL (lot SHORT) expires on Wed 1 Jul 2026 before it is "
        "used up: 7 mL will be left."
    ]
    assert page.one("supply-summary") == (
        "Supplies last until Sun 4 Apr 2027 (13 injections). "
        "More are needed for the injection due Sun 2 May 2027."
    )


def test_it_warns_when_no_supply_is_the_plans_product(patient, patient_client, regimen):
    add(patient, medication="hydroxocobalamin", count=5)

    page = supplies_page(patient_client)

    assert "Not your plan's product" in page.one("supply-row")
    assert "dose at" not in page.one("supply-row")
    assert page.all("supply-warning") == [
        "Your supplies will not last to your next two injections "
        "(Mon 2 Mar 2026 and Tue 3 Mar 2026).",
        "None of the supplies you have is cyanocobalamin 1000 mcg/mL, the product and strength "
        "in your plan.",
    ]


def test_it_says_supplies_last_beyond_two_years(patient, patient_client, regimen):
    with frozen(date(2026, 4, 10)):
        give_on_time(regimen, 7 + 4)
        add(patient, count=50, container_ml=Decimal("1"), expires_on=date(2031, 1, 1))

        page = supplies_page(patient_client)

    # Every 4 weeks from 3 May 2026: 26 injections up to 2 April 2028; the next, 30 April, is
    # more than two years away, where the projection stops.
    assert page.one("supply-summary") == (
        "Supplies last beyond Sun 2 Apr 2028 (26 injections or more)."
    )
    assert page.all("supply-warning") == []


def test_it_says_when_supplies_last_for_the_rest_of_a_course(patient, patient_client, regimen):
    # A course that ends: its last phase stops after one dose (7 + 4 + 1 injections in all).
    Phase.objects.filter(regimen=regimen, order=2).update(end_rule="after_doses", end_value=1)
    add(patient, count=20, expires_on=date(2026, 12, 31))

    page = supplies_page(patient_client)

    assert (
        page.one("supply-summary") == "Supplies last for the rest of your course (12 injections)."
    )
    assert page.all("supply-warning") == [
        "Your cyanocobalamin 1000 mcg/mL expires on Thu 31 Dec 2026 before it is used up: "
        "8 mL will be left."
    ]


def test_without_a_regimen_it_lists_what_is_left(patient, patient_client):
    add(patient, count=2)

    page = supplies_page(patient_client)

    assert "2 mL of 2 mL" in page.one("supply-row")
    assert "Not your plan's product" not in page.one("supply-row")
    assert page.all("supply-summary") == page.all("supply-warning") == []


def test_the_page_explains_an_empty_list(patient, patient_client, regimen):
    page = supplies_page(patient_client)

    assert page.one("supply-empty").startswith("No supplies recorded.")
    assert page.all("supply-summary") == []
    assert page.all("supply-warning") == []
    assert reverse("supply_new") in page.html


# --- adding ------------------------------------------------------------------------------------


def test_the_add_form_starts_from_the_plans_product_and_today(patient, patient_client, regimen):
    with frozen(date(2026, 3, 20)):
        page = read(patient_client.get(reverse("supply_new")))

    assert page.values["medication"] == "cyanocobalamin"
    assert page.values["concentration_mcg_per_ml"] == "1000"
    assert page.values["received_on"] == "2026-03-20"
    assert '<option value="30">' in page.html  # a 30 mL vial is offered as a size


def test_a_patient_adds_a_supply(patient, patient_client, regimen):
    response = patient_client.post(reverse("supply_new"), form_data(), follow=True)

    page = read(response)
    assert page.messages == ["Supply added: 10 × 1 mL cyanocobalamin 1000 mcg/mL."]
    assert page.all("supply-row")[0].startswith("10 × 1 mL cyanocobalamin 1000 mcg/mL · lot AB123")
    supply = Supply.objects.get()
    assert (supply.patient, supply.recorded_by, supply.count) == (patient, patient, 10)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"expires_on": "2026-03-01"},
            "This supply expired on Sun 1 Mar 2026: an expired supply cannot be added.",
        ),
        ({"expires_on": ""}, "Enter the expiry date printed on the box or label."),
        ({"count": "0"}, "Enter how many vials or ampoules, from 1 to 500."),
        ({"count": "501"}, "Enter how many vials or ampoules, from 1 to 500."),
        ({"container_ml": "0"}, "Enter the volume of each vial or ampoule in mL, from 0.1 to 100."),
        (
            {"container_ml": "1.005"},
            "Enter the volume of each vial or ampoule in mL, from 0.1 to 100.",
        ),
        (
            {"concentration_mcg_per_ml": "0"},
            "Enter the strength on the label in mcg per mL, from 1 to 100,000 "
            "(1 mg/mL is 1000 mcg/mL).",
        ),
        ({"medication": ""}, "Choose the product."),
        (
            {"received_on": "2026-03-03"},
            "This date is in the future. Enter today or an earlier day.",
        ),
        (
            {"received_on": "2026-02-01", "expires_on": "2026-01-31"},
            "This supply expired on Sat 31 Jan 2026: an expired supply cannot be added.",
        ),
    ],
)
def test_the_add_form_says_what_is_wrong_and_saves_nothing(
    patient, patient_client, regimen, changes, message
):
    page = read(patient_client.post(reverse("supply_new"), form_data(**changes)))

    assert page.errors == [message]
    assert Supply.objects.count() == 0


def test_an_expiry_before_the_in_use_day_is_refused(patient, patient_client, regimen):
    with frozen(date(2026, 3, 20)):
        data = form_data(received_on="2026-03-20", expires_on="2026-03-19")
        page = read(patient_client.post(reverse("supply_new"), data))

    assert page.errors == [
        "This supply expired on Thu 19 Mar 2026: an expired supply cannot be added."
    ]
    with frozen(date(2026, 3, 10)):
        data = form_data(received_on="2026-03-10", expires_on="2026-03-09")
        assert read(patient_client.post(reverse("supply_new"), data)).errors
    assert Supply.objects.count() == 0


def test_submitting_the_add_form_twice_records_one_supply(patient, patient_client, regimen):
    data = form_data()

    first = patient_client.post(reverse("supply_new"), data)
    second = patient_client.post(reverse("supply_new"), data)

    assert first.status_code == second.status_code == 302
    assert Supply.objects.count() == 1


# --- correcting, removing, restoring -----------------------------------------------------------


def test_a_correction_keeps_the_previous_values(patient, patient_client, regimen):
    supply = add(patient, count=2, lot_number="AB123")
    url = reverse("supply_correct", args=[supply.pk])
    assert read(patient_client.get(url)).values["count"] == "2"

    response = patient_client.post(
        url, form_data(count="3", reason="there were three in the box"), follow=True
    )

    page = read(response)
    assert page.messages == ["Supply corrected. The previous values are kept."]
    assert "3 mL of 3 mL" in page.one("supply-row")
    assert page.one("supply-version") == (
        "Corrected by Pat Patient on 2 Mar 2026, 12:00 · “there were three in the box”. "
        "Before: 2 × 1 mL cyanocobalamin 1000 mcg/mL, in use from Mon 2 Mar 2026, "
        "expires Sun 31 Jan 2027, lot AB123"
    )
    version = SupplyVersion.objects.get()
    assert (version.change, version.previous["count"], version.changed_by) == (
        "corrected",
        2,
        patient,
    )


def test_a_correction_may_not_make_a_value_impossible(patient, patient_client, regimen):
    supply = add(patient, count=2)

    page = read(
        patient_client.post(reverse("supply_correct", args=[supply.pk]), form_data(count="0"))
    )

    assert page.errors == ["Enter how many vials or ampoules, from 1 to 500."]
    supply.refresh_from_db()
    assert supply.count == 2
    assert not SupplyVersion.objects.exists()


def test_a_correction_may_record_an_expiry_that_has_passed(patient, patient_client, regimen):
    supply = add(patient, count=2, expires_on=date(2026, 3, 31))
    with frozen(date(2026, 4, 10)):
        data = form_data(count="2", expires_on="2026-03-30", lot_number="")
        response = patient_client.post(reverse("supply_correct", args=[supply.pk]), data)

    assert response.status_code == 302
    supply.refresh_from_db()
    assert supply.expires_on == date(2026, 3, 30)


def test_an_unchanged_correction_keeps_no_version(patient, patient_client, regimen):
    supply = add(patient, count=2, lot_number="AB123")

    response = patient_client.post(
        reverse("supply_correct", args=[supply.pk]), form_data(count="2"), follow=True
    )

    assert read(response).messages == ["Nothing was changed."]
    assert not SupplyVersion.objects.exists()


def test_removing_a_supply_can_be_undone(patient, patient_client, regimen):
    supply = add(patient, count=2)
    factories.give(regimen, START)

    removed = read(
        patient_client.post(
            reverse("supply_delete", args=[supply.pk]), {"reason": "broken"}, follow=True
        )
    )

    assert removed.messages == [
        "Supply removed: 2 × 1 mL cyanocobalamin 1000 mcg/mL. Use “Undo” below to bring it back."
    ]
    assert removed.all("supply-row") == []
    assert removed.one("removed-supply") == (
        "2 × 1 mL cyanocobalamin 1000 mcg/mL, expires 31 Jan 2027 · removed 2 Mar 2026 Undo"
    )
    assert removed.all("supply-summary") == []  # nothing is recorded any more
    version = SupplyVersion.objects.get()
    assert (version.change, version.reason, version.previous["deleted"]) == (
        "deleted",
        "broken",
        False,
    )
    assert read(
        patient_client.get(reverse("supply_correct", args=[supply.pk]), follow=True)
    ).messages == ["Restore this supply before correcting it."]

    restored = read(patient_client.post(reverse("supply_restore", args=[supply.pk]), follow=True))

    assert restored.messages == ["Supply restored: 2 × 1 mL cyanocobalamin 1000 mcg/mL."]
    assert "1 mL of 2 mL" in restored.one("supply-row")
    assert restored.all("removed-supply") == []
    assert list(SupplyVersion.objects.order_by("pk").values_list("change", flat=True)) == [
        "deleted",
        "restored",
    ]


def test_removing_and_restoring_only_take_a_post(patient, patient_client, regimen):
    supply = add(patient)

    for name in ("supply_delete", "supply_restore"):
        assert patient_client.get(reverse(name, args=[supply.pk])).status_code == 405
    supply.refresh_from_db()
    assert supply.deleted_at is None


# --- who may ---------------------------------------------------------------------------------


def test_another_patients_supply_is_not_found(patient, other_patient, patient_client, regimen):
    theirs = add(other_patient, count=4, lot_number="THEIRS")

    assert patient_client.get(reverse("supply_correct", args=[theirs.pk])).status_code == 404
    for name in ("supply_correct", "supply_delete", "supply_restore"):
        response = patient_client.post(reverse(name, args=[theirs.pk]), form_data(count="1"))
        assert response.status_code == 404, name
    assert "THEIRS" not in supplies_page(patient_client).html
    theirs.refresh_from_db()
    assert (theirs.count, theirs.deleted_at) == (4, None)
    assert not SupplyVersion.objects.exists()


@pytest.mark.parametrize("role", ["clinician", "admin_user"])
def test_only_the_patient_has_the_supplies_pages(client, request, patient, regimen, role):
    supply = add(patient)
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("supplies")).status_code == 404
    assert client.get(reverse("supply_new")).status_code == 404
    assert client.post(reverse("supply_new"), form_data()).status_code == 404
    for name in ("supply_correct", "supply_delete", "supply_restore"):
        assert client.post(reverse(name, args=[supply.pk])).status_code == 404, name
    assert Supply.objects.count() == 1 and not SupplyVersion.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, patient, regimen):
    response = client.get(reverse("supplies"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- a fixed number of queries ---------------------------------------------------------------


@pytest.mark.parametrize(("boxes", "injections"), [(2, 10), (30, 600)])
def test_the_page_makes_the_same_number_of_queries_whatever_the_data(
    patient, patient_client, django_assert_num_queries, boxes, injections
):
    regimen = factories.regimen_for(patient, date(2024, 1, 1))
    factories.add_injections(regimen, injections, date(2024, 1, 1))
    for n in range(boxes):
        supply = add(
            patient, count=10, received_on=date(2024, 1, 1), expires_on=date(2027, 1, 1 + n % 28)
        )
        supplies.correct_supply(supply, patient, "recount", count=20)
    supplies.delete_supply(supply, patient)

    supplies_page(patient_client)  # the first request of a session renews it: not counted

    # 1 the session; 2 the signed-in user; 3 the regimen with its current phase; 4 the
    # supplies; 5 their versions with who made them; 6 the injections since the first supply
    # is in use; 7 the regimen's phases (for the due dates); 8 the photos of their labels.
    with django_assert_num_queries(8):
        page = supplies_page(patient_client)

    assert len(page.all("supply-row")) == boxes - 1
    assert len(page.all("removed-supply")) == 1
    assert page.one("supply-summary")
