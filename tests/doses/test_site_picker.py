"""The injection-site picker on the log form: each site's last use ("12 days ago", "never"),
the rotation's suggestion checked, the sites of each route, the body map inlined beside the
radio list, the lot of the supply in use filled in, and a fixed number of queries."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import qrcode
import qrcode.image.svg
from django.core.exceptions import ValidationError
from django.urls import reverse

from doses import actions
from doses.models import DoseLog
from doses.sites import ago_text, site_chart
from regimens import reference
from tests import factories
from tests.clock import frozen
from tests.pages import attributes, by_testid, form_values, soup, text, texts

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
START = date(2026, 3, 2)  # a Monday
TODAY = date(2026, 3, 20)
IM_SITES = reference.sites_for_route("IM")
SC_SITES = reference.sites_for_route("SC")


class SitePage:
    """The site radios (by value, their attributes), the site-option item around each, their
    labels' text, the legends, the body map (its svg's and its regions' attributes, with each
    region's tooltip as "title"), the elements with a style attribute, the text of elements
    with a data-testid, and the values a browser would submit."""

    def __init__(self, response):
        page = soup(response)
        self.radios, self.items = {}, {}
        for radio in page.select('input[type="radio"][name="site"]'):
            item = radio.find_previous(attrs={"data-testid": "site-option"})
            self.radios[radio["value"]] = attributes(radio)
            self.items[radio["value"]] = attributes(item) if item else None
        self.labels = {label["for"]: text(label) for label in page.select("label[for]")}
        self.legends = texts(page, "legend")
        self.regions = {
            region["data-site"]: {**attributes(region), "title": text(region)}
            for region in page.select("[data-site]")
            if region["data-site"]
        }
        svgs = page.select("svg")
        self.svg = attributes(svgs[-1]) if svgs else None
        self.style_attributes = [node.name for node in page.select("[style]")]
        self.testids = by_testid(page)
        self.values = form_values(page)

    def label(self, code: str) -> str:
        return self.labels[self.radios[code]["id"]]

    @property
    def checked(self) -> list[str]:
        return [code for code, attrs in self.radios.items() if "checked" in attrs]


def read(response) -> SitePage:
    assert response.status_code == 200, response.status_code
    return SitePage(response)


def log_page(client) -> SitePage:
    return read(client.get(reverse("log_dose")))


def days_ago(patient, regimen, days: int, site: str, hour: int = 9):
    return factories.give(regimen, TODAY - timedelta(days=days), hour, site=site)


# --- the data: last use and suggestion -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (None, "never"),
        (TODAY, "today"),
        (TODAY - timedelta(days=1), "yesterday"),
        (TODAY - timedelta(days=2), "2 days ago"),
        (TODAY - timedelta(days=12), "12 days ago"),
    ],
)
def test_it_says_when_a_site_was_last_used_in_words(day, text):
    assert ago_text(day, TODAY) == text


def test_each_site_has_its_latest_given_injection_and_deleted_or_skipped_ones_do_not_count(
    patient,
):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START)
        days_ago(patient, regimen, 18, "LD")
        days_ago(patient, regimen, 12, "LD")
        days_ago(patient, regimen, 15, "RD")
        wrong = days_ago(patient, regimen, 3, "RD")
        actions.delete_dose(wrong, patient, "entered twice")
        actions.skip_dose(regimen, patient, "unwell")

        chart = site_chart(patient)

    left, right = chart.option("LD"), chart.option("RD")
    assert left.last_used == factories.at(patient, TODAY - timedelta(days=12))
    assert (left.last_used_text, left.used_text) == ("12 days ago", "Last used 12 days ago")
    assert right.used_text == "Last used 15 days ago"  # the deleted one 3 days ago is gone
    assert chart.option("LVL").used_text == "Never used"
    assert [o.code for o in chart.options] == [s["code"] for s in reference.clinical()["sites"]]


def test_last_use_is_counted_in_days_of_the_patients_own_zone(patient):
    patient.time_zone = "Asia/Tokyo"
    patient.save()
    # 10:00 on 20 March in Tokyo is still 19 March in New York and in UTC.
    with frozen(datetime(2026, 3, 20, 10, tzinfo=ZoneInfo("Asia/Tokyo"))):
        regimen = factories.regimen_for(patient, START)
        factories.give(regimen, date(2026, 3, 19), 23, site="LVG")  # 23:00 Tokyo, yesterday

        chart = site_chart(patient)

    assert chart.option("LVG").last_used_text == "yesterday"


def test_it_suggests_an_unused_site_first_then_the_least_recently_used_one(patient):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START)
        for days, site in zip(range(17, 11, -1), IM_SITES, strict=True):
            days_ago(patient, regimen, days, site)
        assert site_chart(patient).suggested["IM"] == IM_SITES[0]  # used 17 days ago
        days_ago(patient, regimen, 1, IM_SITES[0])

        chart = site_chart(patient)

    assert chart.suggested == {"IM": IM_SITES[1], "SC": SC_SITES[0]}
    assert chart.option(IM_SITES[1]).suggested_for == ("IM",)
    assert chart.option(IM_SITES[0]).suggested_for == ()


def test_an_injection_whose_site_was_not_recorded_counts_for_no_site(patient, patient_client):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START)
        for days, site in zip(range(17, 11, -1), IM_SITES, strict=True):
            days_ago(patient, regimen, days, site)
        # The latest injection, entered at set-up without its site.
        dose, _ = actions.log_dose(
            regimen,
            patient,
            administered_at=factories.at(patient, TODAY - timedelta(days=1)),
            dose_mcg=1000,
            route="IM",
            site="",
            site_not_recorded=True,
        )

        chart = site_chart(patient)
        page = log_page(patient_client)

    assert (dose.site, dose.site_not_recorded) == ("", True)
    # Every site keeps the last use it had (none was used yesterday), and the least recently
    # used one is still the suggestion, on the log form too.
    assert [o.used_text for o in chart.options if o.code in IM_SITES] == [
        f"Last used {days} days ago" for days in range(17, 11, -1)
    ]
    assert chart.suggested["IM"] == IM_SITES[0]
    assert page.checked == [IM_SITES[0]]


def test_a_given_injection_needs_a_site_unless_it_is_marked_not_recorded(patient):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START)
        dose = DoseLog(
            patient=patient,
            regimen=regimen,
            administered_at=factories.at(patient, TODAY),
            dose_mcg=1000,
            route="IM",
            site="",
            recorded_by=patient,
        )
        with pytest.raises(ValidationError) as refused:
            dose.full_clean()
        dose.site_not_recorded = True
        dose.full_clean()  # accepted

    assert refused.value.message_dict["site"] == ["Choose where it was injected."]


# --- the rendered radio list ----------------------------------------------------------------


def test_the_log_form_lists_every_site_with_its_last_use_and_checks_the_suggested_one(
    patient, patient_client
):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START)
        days_ago(patient, regimen, 12, "LD")
        days_ago(patient, regimen, 5, "RD")

        page = log_page(patient_client)

    assert page.legends[0] == "Injection site"
    assert list(page.radios) == IM_SITES + SC_SITES
    assert page.checked == ["LVL"]  # the first site of the route never used
    assert page.label("LD") == "Left deltoid · intramuscular Last used 12 days ago"
    assert page.label("RD") == "Right deltoid · intramuscular Last used 5 days ago"
    assert page.label("LVL") == (
        "Left thigh (vastus lateralis) · intramuscular Suggested Never used"
    )
    assert page.label("LLAQ") == "Abdomen, left side · subcutaneous (deep) Suggested Never used"
    assert page.label("RLAQ") == "Abdomen, right side · subcutaneous (deep) Never used"
    # Every radio has a label of its own.
    assert all(page.labels.get(attrs["id"]) for attrs in page.radios.values())


def test_each_listed_site_says_which_routes_it_is_for_so_the_route_filters_it(
    patient, patient_client
):
    with frozen(TODAY):
        factories.regimen_for(patient, START)

        page = log_page(patient_client)

    for site in reference.clinical()["sites"]:
        assert page.items[site["code"]]["data-routes"] == " ".join(site["routes"])
    suggested = {code for code, item in page.items.items() if item["data-suggested-for"]}
    assert suggested == {IM_SITES[0], SC_SITES[0]}


def test_a_subcutaneous_regimen_checks_the_suggested_subcutaneous_site(patient, patient_client):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START, route="SC")
        days_ago(patient, regimen, 4, "LLAQ")

        page = log_page(patient_client)

    assert page.values["route"] == "SC"
    assert page.checked == ["RLAQ"]
    assert page.values["site"] == "RLAQ"
    assert page.label("LLAQ").endswith("Last used 4 days ago")


def test_the_body_map_is_inlined_with_a_region_and_tooltip_for_every_site(patient, patient_client):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START)
        days_ago(patient, regimen, 12, "RVG")

        page = log_page(patient_client)

    assert page.svg["aria-hidden"] == "true"
    assert sorted(page.regions) == sorted(IM_SITES + SC_SITES)
    for site in reference.clinical()["sites"]:
        region = page.regions[site["code"]]
        assert region["data-routes"] == " ".join(site["routes"])
    assert page.regions["RVG"]["title"] == "Right hip (ventrogluteal): last used 12 days ago"
    assert page.regions["LUA"]["title"] == "Left upper arm (back): never used"
    assert page.regions["LD"]["data-suggested-for"] == "IM"
    assert page.regions["RD"]["data-suggested-for"] == ""
    # The strict CSP: nothing styled inline, the map included.
    assert page.style_attributes == []


def test_the_clinic_form_shows_the_patients_own_sites(patient, clinician, client):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START)
        days_ago(patient, regimen, 2, "LD")
        client.force_login(clinician)

        page = read(client.get(reverse("clinic_dose", args=[patient.pk])))

    assert page.label("LD") == "Left deltoid · intramuscular Last used 2 days ago"
    assert page.checked == ["RD"]


def test_a_site_refused_comes_back_checked_with_the_message_tied_to_it(patient, patient_client):
    with frozen(TODAY):
        factories.regimen_for(patient, START)
        data = log_page(patient_client).values
        data.update(administered_at="2026-03-20T09:00", site="LLAQ")  # an SC site, IM route

        page = read(patient_client.post(reverse("log_dose"), data))

    message = "Abdomen, left side is not a site for intramuscular injections."
    assert page.testids.get("site-picker") and message in page.testids["site-picker"][0]
    assert page.checked == ["LLAQ"]  # what was chosen stays chosen, to correct
    assert page.radios["LLAQ"]["aria-describedby"] == "site-errors"
    assert not DoseLog.objects.exists()


def test_the_posted_site_is_recorded(patient, patient_client):
    with frozen(TODAY):
        factories.regimen_for(patient, START)
        data = log_page(patient_client).values
        data.update(administered_at="2026-03-20T09:00", site="RVG")

        patient_client.post(reverse("log_dose"), data)

    assert DoseLog.objects.get(patient=patient).site == "RVG"


# --- one tap: the lot of the supply in use ---------------------------------------------------


def test_it_fills_in_the_lot_of_the_supply_the_next_injection_draws_from(patient, patient_client):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, START)
        assert (regimen.medication, regimen.concentration_mcg_per_ml) == ("cyanocobalamin", 1000)
        factories.add_supply(
            patient, lot_number="LATER-EXPIRY", expires_on=date(2027, 6, 1), received_on=START
        )
        factories.add_supply(
            patient,
            lot_number="OTHER-STRENGTH",
            expires_on=date(2026, 5, 1),
            received_on=START,
            concentration_mcg_per_ml=2000,
        )
        factories.add_supply(
            patient, lot_number="USED-UP", expires_on=date(2026, 4, 15), received_on=START, count=1
        )
        factories.give(regimen, START)  # uses up the single ampoule of USED-UP
        factories.add_supply(
            patient, lot_number="IN-USE", expires_on=date(2026, 5, 1), received_on=START
        )

        values = log_page(patient_client).values

    assert values["lot_number"] == "IN-USE"
    assert values["medication"] == "cyanocobalamin"
    assert values["dose_mcg"] == "1000"


def test_the_lot_is_left_blank_without_a_supply(patient, patient_client):
    factories.regimen_for(patient, START)

    assert log_page(patient_client).values["lot_number"] == ""


# --- a fixed number of queries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("injections", "boxes", "queries"), [(10, 0, 5), (1000, 0, 5), (10, 1, 6), (1000, 20, 6)]
)
def test_the_log_page_makes_the_same_number_of_queries_whatever_the_history(
    patient, patient_client, django_assert_num_queries, injections, boxes, queries
):
    with frozen(TODAY):
        regimen = factories.regimen_for(patient, date(2022, 1, 1))
        factories.add_injections(regimen, injections, date(2022, 1, 1))
        for n in range(boxes):
            factories.add_supply(
                patient, lot_number=f"LOT-{n}", expires_on=date(2027, 1, 1 + n), received_on=TODAY
            )
        log_page(patient_client)  # the first request of a session renews it: not counted

        # 1 the session; 2 the signed-in user; 3 the regimen with its current phase and
        # patient; 4 the supplies, and 5 once any is recorded, the injections since they are in
        # use (for the lot in use); 5 or 6 when each site was last used, grouped by site.
        with django_assert_num_queries(queries):
            page = log_page(patient_client)

    assert len(page.radios) == len(IM_SITES + SC_SITES)
    assert all("Last used" in page.label(code) for code in IM_SITES)
    assert page.values["lot_number"] == ("LOT-0" if boxes else "")  # earliest expiry first


def test_the_body_map_stays_plain_svg_after_an_authenticator_qr_code_is_drawn(
    patient, patient_client
):
    # qrcode registers an "svg" XML prefix for the whole process when it draws a set-up code;
    # the body map drawn later in the same worker must still be plain inline <svg>.
    qrcode.make("otpauth://totp/B12?secret=ABC", image_factory=qrcode.image.svg.SvgPathImage)
    with frozen(TODAY):
        factories.regimen_for(patient, START)
        page = log_page(patient_client)

    assert page.svg["aria-hidden"] == "true"
    assert sorted(page.regions) == sorted(IM_SITES + SC_SITES)
