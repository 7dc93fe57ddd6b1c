"""Every page each role can reach passes axe-core with no serious or critical violation, at a
phone's width and at a desktop's; on a phone every field a person fills in has a label and
nothing makes the page scroll sideways. The four checks share one visit of each page.

PAGES lists the pages by URL name, per role: adding a page is adding one line to it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from accounts.models import CareTeamMembership, User
from doses import actions
from doses.models import DoseLog
from labs import actions as lab_actions
from labs.models import LabResult
from regimens import actions as regimen_actions
from regimens.models import Regimen, RegimenTemplate
from supplies import actions as supply_actions
from supplies.models import Supply
from symptoms.models import SymptomEntry
from tests import factories
from tests.browser.a11y import axe_violations, describe_violations, unlabelled_fields
from tests.browser.conftest import login

VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


@dataclass
class Seed:
    """A patient with a realistic record (regimen, injections, a skip and a correction,
    check-ins, labs, a supply, a note, a lab review, a phase changed by the clinician, which
    the patient's home tells of), their care-team clinician, who also has a
    patient with nothing recorded (on their first run), a clinician with no patients yet, and
    an admin."""

    patient: User
    clinician: User
    admin: User
    new_patient: User
    new_clinician: User
    regimen: Regimen
    dose: DoseLog
    checkin: SymptomEntry
    supply: Supply
    lab: LabResult
    carer: User | None = None  # the patient's carer, who records for them
    pharmacist: User | None = None  # a pharmacist on the patient's care team

    @property
    def patient_id(self) -> list:
        return [self.patient.pk]


def build_seed(patient, clinician, admin) -> Seed:
    today = patient.today()
    regimen = factories.regimen_for(patient, today - timedelta(days=40))
    for days in (40, 39, 38):
        factories.give(regimen, today - timedelta(days=days), lot_number="LOT-12345")
    dose = factories.give(regimen, today - timedelta(days=37), lot_number="LOT-12346")
    dose = actions.correct_dose(dose, patient, "Wrong lot", lot_number="LOT-12347")
    actions.skip_dose(regimen, patient, "Out of stock at the pharmacy")
    for score in (6, 4):
        checkin, _ = actions.record_checkin(
            patient, patient, note="Less tired", **dict.fromkeys(SymptomEntry.SYMPTOMS, score)
        )
    for days, value in ((45, "148"), (5, "420")):
        lab, _ = lab_actions.record_lab(
            patient,
            clinician,
            analyte="b12",
            value=value,
            unit="pmol/L",
            taken_on=today - timedelta(days=days),
        )
    supply, _ = supply_actions.add_supply(
        patient,
        patient,
        medication=regimen.medication,
        concentration_mcg_per_ml=regimen.concentration_mcg_per_ml,
        container_ml=Decimal("1"),
        count=10,
        expires_on=today + timedelta(days=300),
        lot_number="BOX-1",
        received_on=today - timedelta(days=41),
    )
    actions.add_note(patient, clinician, "Discussed injection technique.")
    regimen.refresh_from_db()
    regimen_actions.change_phase(
        regimen.current_phase, clinician, "Symptoms return early", dose_mcg=1500
    )
    regimen.refresh_from_db()
    regimen = regimen_actions.set_lab_review(
        regimen, clinician, today + timedelta(days=30), "Check levels"
    )
    factories.RecordViewFactory(
        patient=patient, viewer=clinician, what="record", path=f"/patients/{patient.pk}/"
    )
    new_patient = factories.PatientFactory(name="Nell New", email="nell@example.org")
    factories.CareTeamFactory(patient=new_patient, clinician=clinician)
    new_clinician = factories.ClinicianFactory(name="Dr New", email="new@example.org")
    regimen.refresh_from_db()
    seed = Seed(
        patient, clinician, admin, new_patient, new_clinician, regimen, dose, checkin, supply, lab
    )
    seed.carer = factories.CarerFactory(name="Cara Giver", email="cara@example.org")
    factories.CareTeamFactory(patient=patient, clinician=seed.carer)
    seed.pharmacist = factories.PharmacistFactory(name="Phil Pharmacist", email="phil@example.org")
    factories.CareTeamFactory(patient=patient, clinician=seed.pharmacist)
    return seed


def reset_link_args(seed: Seed) -> list:
    user = seed.patient
    return [urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)]


def lock_out(page, base_url: str) -> None:
    """Fail to sign in until sign-in is paused: the lockout page."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(base_url + reverse("login"))
        page.fill("#id_username", "pat@example.org")
        page.fill("#id_password", "not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("locked-out")).to_be_visible()


@dataclass(frozen=True)
class Visit:
    """One page: its URL name and its URL's arguments from the seed; `query` is added to the
    URL; `open_with` replaces plain navigation for a page that has no URL of its own.
    `skip_rules`: axe rule ids not run on this page, and `labels_exempt`: a CSS selector for
    the part of the page whose fields the label check leaves out; each with a comment saying
    why."""

    name: str
    args: Callable[[Seed], list] = lambda seed: []
    query: Callable[[Seed], str] = lambda seed: ""
    open_with: Callable | None = None
    skip_rules: tuple = ()
    labels_exempt: str = ""

    def url(self, seed: Seed) -> str:
        return reverse(self.name, args=self.args(seed)) + self.query(seed)


def _membership(seed: Seed) -> list:
    return [CareTeamMembership.objects.get(patient=seed.patient, clinician=seed.clinician).pk]


def _template_id(seed: Seed) -> list:
    return [RegimenTemplate.objects.get(name=factories.US_TEMPLATE).pk]


def _choose_template(seed: Seed) -> str:
    return f"?template={_template_id(seed)[0]}"


PAGES: dict[str, list[Visit]] = {
    "patient": [
        Visit("home"),
        Visit("log_dose"),
        Visit("skip_dose"),
        Visit("dose_detail", lambda seed: [seed.dose.pk]),
        Visit("correct_dose", lambda seed: [seed.dose.pk]),
        Visit("checkin"),
        Visit("checkin_detail", lambda seed: [seed.checkin.pk]),
        Visit("labs"),
        Visit("lab_new"),
        Visit("lab_detail", lambda seed: [seed.lab.pk]),
        Visit("lab_correct", lambda seed: [seed.lab.pk]),
        Visit("history"),
        Visit("supplies"),
        Visit("supply_new"),
        Visit("supply_correct", lambda seed: [seed.supply.pk]),
        Visit("reminder_settings"),
        Visit("export_csv"),
        Visit("patient_record", lambda seed: seed.patient_id),
        Visit("patient_report", lambda seed: seed.patient_id),
        Visit("record_views"),
        Visit("password_change"),
        Visit("password_change_done"),
        Visit("account_settings"),
        Visit("two_factor_setup"),
        Visit("two_factor_off"),
        Visit("two_factor_codes"),
        Visit("delete_account"),
        Visit("care_team"),
        Visit("care_team_remove", _membership),
        Visit("regimen_setup"),  # they have a regimen: the page says so
    ],
    "clinician": [
        Visit("home"),
        Visit("patient_record", lambda seed: seed.patient_id),
        Visit("patient_record", lambda seed: [seed.new_patient.pk]),
        Visit("patient_report", lambda seed: seed.patient_id),
        Visit("dose_detail", lambda seed: [seed.dose.pk]),
        Visit("checkin_detail", lambda seed: [seed.checkin.pk]),
        Visit("clinic_dose", lambda seed: seed.patient_id),
        Visit("clinic_lab", lambda seed: seed.patient_id),
        Visit("lab_detail", lambda seed: [seed.lab.pk]),
        Visit("lab_correct", lambda seed: [seed.lab.pk]),
        Visit("prescribe", lambda seed: seed.patient_id),
        Visit("prescribe", lambda seed: seed.patient_id, query=_choose_template),
        Visit("prescribe", lambda seed: [seed.new_patient.pk]),
        Visit("change_phase", lambda seed: [seed.patient.pk, seed.regimen.current_phase.pk]),
        Visit("advance_phase", lambda seed: seed.patient_id),
        Visit("end_regimen", lambda seed: seed.patient_id),
        Visit("set_lab_review", lambda seed: seed.patient_id),
        Visit("patient_export_csv", lambda seed: seed.patient_id),
        Visit("password_change"),
        Visit("invite_patient"),
        Visit("share_code_enter"),
        Visit("account_settings"),
        Visit("delete_account"),
    ],
    # First runs: the empty states.
    "new patient": [
        Visit("home"),
        Visit("history"),
        Visit("labs"),
        Visit("supplies"),
        Visit("checkin"),
        Visit("record_views"),
        Visit("care_team"),
        # The steps after the first need the answers before them: the setup's browser test
        # (tests/browser/test_setup_flow.py) runs axe on each as it goes through them.
        Visit("regimen_setup"),
    ],
    "new clinician": [Visit("home")],
    "pharmacist": [
        Visit("home"),
        Visit("pharmacy_patient", lambda seed: seed.patient_id),
        Visit("patient_labels", lambda seed: seed.patient_id),
        Visit("invite_patient"),
        Visit("share_code_enter"),
        Visit("account_settings"),
    ],
    "carer": [
        Visit("home"),
        Visit("log_dose"),
        Visit("skip_dose"),
        Visit("checkin"),
        Visit("history"),
        Visit("labs"),
        Visit("lab_detail", lambda seed: [seed.lab.pk]),
        Visit("supplies"),
        Visit("dose_detail", lambda seed: [seed.dose.pk]),
        Visit("share_code_enter"),
        Visit("account_settings"),
    ],
    "admin": [
        Visit("admin:index"),
        # Django's admin templates: its breadcrumb links differ from the text around them by
        # colour alone (white on pale blue), in Django's CSS, which our templates do not reach.
        Visit("admin:regimens_regimentemplate_changelist", skip_rules=("link-in-text-block",)),
        Visit(
            "admin:regimens_regimentemplate_change",
            _template_id,
            skip_rules=("link-in-text-block",),
        ),
    ],
    "signed out": [
        Visit("login"),
        Visit("signup"),
        Visit("signup_sent"),
        Visit("signup_resend"),
        Visit("password_reset"),
        Visit("password_reset_done"),
        Visit("password_reset_confirm", reset_link_args),
        Visit("password_reset_confirm", lambda seed: ["MQ", "not-a-valid-token"]),
        Visit("password_reset_complete"),
        # Last: the lockout also pauses sign-in from this address.
        Visit("login", open_with=lock_out),
    ],
}


def sign_in(page, live_server, role: str, seed: Seed) -> None:
    user = {
        "patient": seed.patient,
        "clinician": seed.clinician,
        "new patient": seed.new_patient,
        "new clinician": seed.new_clinician,
        "carer": seed.carer,
        "pharmacist": seed.pharmacist,
        "admin": seed.admin,
    }.get(role)
    if user is None:
        return
    if role == "admin":  # the admin's home is the Django admin, not `/`
        page.goto(live_server.url + reverse("admin:login"))
        page.fill("#id_username", user.email)
        page.fill("#id_password", factories.PASSWORD)
        page.locator("input[type=submit]").click()
        expect(page).to_have_url(live_server.url + reverse("admin:index"))
    else:
        login(page, live_server, user.email)


def visit_all(page, live_server, role: str, seed: Seed, check: Callable) -> dict:
    """Open each of the role's pages and note what `check(page, visit)` finds on it."""
    found = {}
    for visit in PAGES[role]:
        if visit.open_with:
            visit.open_with(page, live_server.url)
            where = f"{visit.name} ({visit.open_with.__name__})"
        else:
            url = visit.url(seed)
            response = page.goto(live_server.url + url)
            assert response.ok, f"{url} answered {response.status}"
            where = url
        problems = check(page, visit)
        if problems:
            found[where] = problems
    return found


@pytest.fixture
def seed(patient, clinician, admin_user):
    return build_seed(patient, clinician, admin_user)


def sideways(page) -> list[str]:
    """Why the page would scroll sideways on a phone: the page's width, and what sticks out
    past the window's right edge, inside a table's own scrolling box too. Nothing may, for
    any role (issue 15: every action reachable; issue 18: patients' tables stack as cards)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    cut_off = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getClientRects().length)
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(el => el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40))"""
    )
    problems = [f"page {width} px wide"] if width > VIEWPORTS["phone"]["width"] else []
    return problems + cut_off[:5]


def on_a_phone(page, visit, role: str) -> list[str]:
    """What is wrong with the page on a phone: axe-core's serious and critical violations, the
    fields without a label, and (but in the admin, which is Django's own, drawn for desktops)
    what makes it scroll sideways or cuts anything off."""
    problems = []
    violations = axe_violations(page, visit.skip_rules)
    if violations:
        problems.append("axe-core found serious or critical violations:")
        problems.append(describe_violations(violations))
    unlabelled = unlabelled_fields(page, visit.labels_exempt)
    if unlabelled:
        problems.append(f"fields without a label: {', '.join(unlabelled)}")
    if role != "admin":
        too_wide = sideways(page)
        if too_wide:
            problems.append(f"wider than a 360 px phone: {', '.join(too_wide)}")
    return problems


def at_both_widths(page, visit, role: str) -> list[str]:
    """The phone's checks, then axe-core again on the same page at a desktop's width (the
    layout follows the window; nothing is loaded again), and back to the phone's width."""
    problems = on_a_phone(page, visit, role)
    page.set_viewport_size(VIEWPORTS["desktop"])
    violations = axe_violations(page, visit.skip_rules)
    if violations:
        problems.append("at a desktop's width, axe-core found serious or critical violations:")
        problems.append(describe_violations(violations))
    page.set_viewport_size(VIEWPORTS["phone"])
    return problems


@pytest.mark.parametrize("role", PAGES.keys())
def test_every_page_passes_axe_at_both_widths_labels_every_field_and_fits_a_phone(
    page, live_server, seed, role
):
    """One visit of each page for the four checks; each names what it found."""
    page.set_viewport_size(VIEWPORTS["phone"])
    sign_in(page, live_server, role, seed)

    found = visit_all(
        page, live_server, role, seed, lambda page, visit: at_both_widths(page, visit, role)
    )

    assert not found, "\n".join(
        f"{where}:\n" + "\n".join(problems) for where, problems in found.items()
    )
