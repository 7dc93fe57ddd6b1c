"""The injection-site picker in a real browser: a tap on the body map chooses that site's
radio and highlights the region, the route swaps the sites, an injection logged from the home
with the keyboard alone, and the one-tap path on a phone: one tap to the prefilled form, one
tap on Save, and the history shows the injection at the suggested site."""

from datetime import timedelta

from playwright.sync_api import expect

from doses.models import DoseLog
from regimens import reference
from supplies import actions as supplies
from tests import factories
from tests.browser.conftest import login

PHONE = {"width": 360, "height": 740}
IM_SITES = reference.sites_for_route("IM")
SC_SITES = reference.sites_for_route("SC")


def region(page, code: str):
    return page.locator(f".body-map [data-site={code}]")


def radio(page, code: str):
    return page.locator(f"#id_site_{code}")


def listed_sites(page) -> list[str]:
    """The sites the radio list shows, in order."""
    return page.locator(".site-option:visible input[type=radio]").evaluate_all(
        "radios => radios.map(r => r.value)"
    )


def shown_regions(page) -> list[str]:
    return page.locator(".body-map .site-region:visible").evaluate_all(
        "regions => regions.map(r => r.dataset.site)"
    )


def regimen_with_history(patient):
    """Started two weeks ago, one injection a day on the first IM sites in turn: the next
    site never used is the suggestion."""
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=14))
    for n, site in enumerate(IM_SITES[:3]):
        factories.give(regimen, today - timedelta(days=12 - n), site=site)
    return regimen


def test_tapping_a_region_of_the_body_map_checks_its_radio_and_highlights_it(
    page, live_server, patient
):
    regimen_with_history(patient)
    suggested = IM_SITES[3]
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/injections/log/")

    expect(page.locator(".body-map")).to_be_visible()
    expect(radio(page, suggested)).to_be_checked()
    expect(region(page, suggested)).to_have_class("site-region is-suggested is-selected")
    # The region's tooltip says when the site was last used.
    expect(region(page, "LD").locator("title")).to_have_text("Left deltoid: last used 12 days ago")

    region(page, "RVG").click()

    expect(radio(page, "RVG")).to_be_checked()
    expect(radio(page, suggested)).not_to_be_checked()
    expect(region(page, "RVG")).to_have_class("site-region is-selected")
    expect(region(page, suggested)).to_have_class("site-region is-suggested")
    expect(page.locator("[data-site-map-choice]")).to_have_text(
        "Right hip (ventrogluteal) · Never used"
    )

    # And the other way round: the list's radio lights up its region.
    page.get_by_label("Right deltoid").check()
    expect(region(page, "RD")).to_have_class("site-region is-selected")
    expect(region(page, "RVG")).to_have_class("site-region")

    page.get_by_role("button", name="Save injection").click()
    expect(page).to_have_url(f"{live_server.url}/")
    assert DoseLog.objects.filter(patient=patient).latest("administered_at").site == "RD"


def test_changing_the_route_swaps_the_sites_on_the_list_and_the_map(page, live_server, patient):
    regimen_with_history(patient)
    login(page, live_server, patient.email)
    page.goto(f"{live_server.url}/injections/log/")
    assert listed_sites(page) == IM_SITES
    assert sorted(shown_regions(page)) == sorted(IM_SITES)

    page.select_option("#id_route", "SC")

    assert listed_sites(page) == SC_SITES
    assert sorted(shown_regions(page)) == sorted(SC_SITES)
    # The deltoid no longer fits: the route's own suggestion is chosen instead.
    expect(radio(page, SC_SITES[0])).to_be_checked()
    expect(region(page, SC_SITES[0])).to_have_class("site-region is-suggested is-selected")
    expect(page.locator(".site-option:visible .site-suggested")).to_have_count(1)
    region(page, "RUA").click()
    expect(radio(page, "RUA")).to_be_checked()

    page.select_option("#id_route", "IM")

    assert listed_sites(page) == IM_SITES
    expect(radio(page, IM_SITES[3])).to_be_checked()
    page.get_by_role("button", name="Save injection").click()
    expect(page).to_have_url(f"{live_server.url}/")
    dose = DoseLog.objects.filter(patient=patient).latest("administered_at")
    assert (dose.route, dose.site) == ("IM", IM_SITES[3])


def tab_to(page, is_target: str, limit: int = 60) -> None:
    """Press Tab until the focused element passes the JavaScript test `is_target(el)`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {is_target}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {is_target}")


def test_logging_an_injection_with_the_keyboard_alone(page, live_server, patient):
    regimen_with_history(patient)
    login(page, live_server, patient.email)

    tab_to(page, "el.closest('main') && el.textContent.trim() === 'Log injection'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/injections/log/")

    tab_to(page, "el.name === 'site'")
    focused = page.evaluate("document.activeElement.value")
    assert focused == IM_SITES[3]  # the group is entered at the suggested, checked site
    page.keyboard.press("ArrowDown")  # the next site of the route
    expect(radio(page, IM_SITES[4])).to_be_checked()
    expect(region(page, IM_SITES[4])).to_have_class("site-region is-selected")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(radio(page, IM_SITES[2])).to_be_checked()
    page.keyboard.press("Space")  # stays chosen
    expect(radio(page, IM_SITES[2])).to_be_checked()

    tab_to(page, "el.textContent.trim() === 'Save injection'")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("status")).to_contain_text("Injection recorded.")
    expect(page.get_by_test_id("last-dose")).to_contain_text(reference.site_name(IM_SITES[2]))
    dose = DoseLog.objects.filter(patient=patient).latest("administered_at")
    assert dose.site == IM_SITES[2]


def test_one_tap_to_the_prefilled_form_and_one_tap_to_save_on_a_phone(page, live_server, patient):
    regimen = regimen_with_history(patient)
    supplies.add_supply(
        patient,
        patient,
        medication=regimen.medication,
        concentration_mcg_per_ml=regimen.concentration_mcg_per_ml,
        container_ml=1,
        count=10,
        lot_number="LOT-4711",
        expires_on=patient.today() + timedelta(days=300),
        received_on=patient.today() - timedelta(days=13),
    )
    suggested = reference.site_name(IM_SITES[3])
    page.set_viewport_size(PHONE)
    login(page, live_server, patient.email)
    expect(page.get_by_test_id("suggested-site")).to_have_text(suggested)
    log_button = page.locator("main").get_by_role("link", name="Log injection")
    expect(log_button).to_be_in_viewport()

    log_button.click()  # tap one

    expect(page).to_have_url(f"{live_server.url}/injections/log/")
    expect(page.locator("#id_dose_mcg")).to_have_value(str(regimen.current_phase.dose_mcg))
    expect(page.locator("#id_route")).to_have_value(regimen.route)
    expect(page.locator("#id_medication")).to_have_value(regimen.medication)
    expect(page.locator("#id_lot_number")).to_have_value("LOT-4711")
    expect(radio(page, IM_SITES[3])).to_be_checked()
    save = page.get_by_role("button", name="Save injection")
    expect(save).to_be_in_viewport(ratio=1)  # on screen without scrolling (it is sticky)
    height = save.bounding_box()["height"]
    assert height >= 44, height

    save.click()  # tap two

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("status")).to_contain_text("Injection recorded.")
    page.goto(f"{live_server.url}/history/")
    newest = page.get_by_test_id("timeline").locator("li").first
    expect(newest).to_contain_text(
        f"Injection · {regimen.current_phase.dose_mcg} mcg · {suggested}"
    )
    dose = DoseLog.objects.filter(patient=patient).latest("administered_at")
    assert (dose.site, dose.lot_number) == (IM_SITES[3], "LOT-4711")


def test_without_javascript_the_radio_list_alone_logs_the_site(browser, live_server, patient):
    regimen_with_history(patient)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    context.set_default_timeout(5_000)
    page = context.new_page()
    try:
        login(page, live_server, patient.email)
        page.goto(f"{live_server.url}/injections/log/")

        expect(page.locator(".site-map")).to_be_hidden()  # the map needs the script
        # Every site is listed, each saying its route, with the suggestion checked.
        assert listed_sites(page) == IM_SITES + SC_SITES
        expect(page.get_by_label("Left deltoid")).not_to_be_checked()
        expect(radio(page, IM_SITES[3])).to_be_checked()
        expect(page.locator(".site-option").first).to_contain_text(
            "Left deltoid · intramuscular Last used 12 days ago"
        )
        page.get_by_label("Left hip (ventrogluteal)").check()
        page.get_by_role("button", name="Save injection").click()

        expect(page).to_have_url(f"{live_server.url}/")
        dose = DoseLog.objects.filter(patient=patient).latest("administered_at")
        assert dose.site == "LVG"
    finally:
        context.close()
