"""Admins edit templates (phases inline, validated) and prescribe a template to a patient."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from accounts.models import RecordView
from regimens.models import (
    PHASE_FIELDS,
    Phase,
    PhaseTemplate,
    Regimen,
    RegimenTemplate,
    RegimenTemplateVersion,
)
from tests import factories, pages
from tests.clock import frozen

pytestmark = pytest.mark.django_db


def template_form(phases, name="Custom methylcobalamin", **template):
    data = {
        "name": name,
        "medication": "methylcobalamin",
        "default_route": "IM",
        "source": "Local protocol",
        "is_example": "on",
        "active": "on",
        "status": "published",
        "phases-TOTAL_FORMS": str(len(phases)),
        "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "1",
        "phases-MAX_NUM_FORMS": "1000",
        **template,
    }
    for i, phase in enumerate(phases):
        for field in [*PHASE_FIELDS, "dose_intended", "id"]:
            if field in phase:
                data[f"phases-{i}-{field}"] = phase[field]
            elif field in PHASE_FIELDS:
                data[f"phases-{i}-{field}"] = ""
    return {key: value for key, value in data.items() if value is not False}


LOADING = {
    "order": 0,
    "kind": "repletion",
    "label": "Daily",
    "dose_mcg": 5000,
    "schedule_unit": "day",
    "schedule_every": 1,
    "end_rule": "after_doses",
    "end_value": 5,
}
MONTHLY = {
    "order": 1,
    "kind": "maintenance",
    "label": "Monthly",
    "dose_mcg": 5000,
    "schedule_unit": "month",
    "schedule_every": 1,
    "end_rule": "open",
}


def test_an_admin_creates_a_template_with_phases_inline(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:regimens_regimentemplate_add"), template_form([LOADING, MONTHLY])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template = RegimenTemplate.objects.get(name="Custom methylcobalamin")
    assert [p.label for p in template.phases.all()] == ["Daily", "Monthly"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dose_mcg": 0}, "Enter a dose from 1 to 10,000 mcg."),
        ({"schedule_every": ""}, "Say how often"),
        ({"end_value": ""}, "Say after how many doses or days"),
        (
            {"schedule_unit": "weekdays", "schedule_every": "", "schedule_weekdays": "XX"},
            "weekdays are written as",
        ),
    ],
)
def test_the_admin_rejects_a_phase_that_makes_no_sense(client, admin_user, change, message):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:regimens_regimentemplate_add"),
        template_form([{**LOADING, **change}, MONTHLY]),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RegimenTemplate.objects.filter(name="Custom methylcobalamin").exists()


def test_an_admin_prescribes_a_template_and_the_phases_are_copied(client, admin_user, patient):
    client.force_login(admin_user)
    template = factories.template(factories.UK_TEMPLATE)
    response = client.post(
        reverse("admin:regimens_regimen_add"),
        {
            "patient": patient.pk,
            "template": template.pk,
            "start_date": "2026-01-01",
            "concentration_mcg_per_ml": "",
            "route": "",
            "prescriber_note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    regimen = Regimen.objects.get(patient=patient)
    assert regimen.name == template.name
    assert regimen.concentration_mcg_per_ml == 1000
    assert [p.label for p in regimen.phases.all()] == [p.label for p in template.phases.all()]
    # Schedule rule 2: the first listed weekday on or after Thursday 1 January is Friday 2nd.
    assert regimen.next_due == date(2026, 1, 2)
    template.phases.update(dose_mcg=1)
    assert set(Phase.objects.filter(regimen=regimen).values_list("dose_mcg", flat=True)) == {1000}


def test_a_regimen_s_phases_are_read_only_in_the_admin(client, admin_user, patient):
    regimen = factories.regimen_for(patient, date(2026, 3, 2))
    client.force_login(admin_user)
    page = client.get(reverse("admin:regimens_regimen_change", args=[regimen.pk]))
    assert b"Daily for 1 week" in page.content
    assert b'name="phases-0-dose_mcg"' not in page.content


def test_admins_read_regimen_changes_but_cannot_alter_them(client, admin_user, patient, clinician):
    from regimens import actions
    from regimens.models import RegimenChange

    regimen = factories.regimen_for(patient, date(2026, 3, 2))
    actions.change_phase(regimen.current_phase, clinician, "closer follow-up", dose_mcg=500)
    change = RegimenChange.objects.get()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:regimens_regimenchange_changelist")).content.decode()
    assert "closer follow-up" in listing
    client.post(
        reverse("admin:regimens_regimenchange_change", args=[change.pk]), {"reason": "tampered"}
    )
    client.post(reverse("admin:regimens_regimenchange_delete", args=[change.pk]), {"post": "yes"})
    change.refresh_from_db()
    assert change.reason == "closer follow-up"
    assert client.get(reverse("admin:regimens_regimenchange_add")).status_code == 403


# --- templates admins cannot break by accident (issue 14, section 3) ---------------------------

ISSUE_EXAMPLE = [
    {
        "order": 0,
        "kind": "maintenance",
        "label": "Daily for 1 week",
        "dose_mcg": 10000,
        "schedule_unit": "week",
        "schedule_every": 2,
        "end_rule": "open",
    },
    {**LOADING, "order": 1, "label": "Loading", "dose_mcg": 1000},
]
FROZEN = datetime(2026, 3, 1, 15, tzinfo=UTC)


def errors_on(response) -> list[str]:
    """The error messages shown on the admin's page, in order."""
    soup = pages.soup(response)
    return [li.get_text(" ", strip=True) for li in soup.select(".errorlist li")]


def test_the_admin_refuses_the_issue_s_template_with_every_reason_and_saves_nothing(
    client, admin_user
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:regimens_regimentemplate_add"),
        template_form(ISSUE_EXAMPLE, medication="cyanocobalamin"),
    )
    assert response.status_code == 200
    errors = errors_on(response)
    assert (
        "The label says “daily” but the schedule is every 2 weeks. Change the label to match, "
        "or leave it empty to have it written from the schedule."
    ) in errors
    assert any("“for 1 week” but the phase is open-ended" in e for e in errors)
    assert (
        "10,000 mcg is outside the usual dose of cyanocobalamin (100 to 1,000 mcg per "
        "injection). Tick “this dose is intended” if it is."
    ) in errors
    assert (
        "Phases go in this order: repletion, then stabilization, then maintenance. Phase 2 "
        "(repletion) cannot come after a maintenance phase."
    ) in errors
    assert any(e.startswith("Phase 1 is open-ended, so the phases after it") for e in errors)
    assert not RegimenTemplate.objects.filter(name="Custom methylcobalamin").exists()
    assert not PhaseTemplate.objects.exists()


def test_an_open_phase_before_the_last_is_allowed_when_a_clinician_advances_it(client, admin_user):
    client.force_login(admin_user)
    open_loading = {**LOADING, "end_rule": "open", "end_value": ""}
    refused = client.post(
        reverse("admin:regimens_regimentemplate_add"), template_form([open_loading, MONTHLY])
    )
    assert refused.status_code == 200
    assert not RegimenTemplate.objects.exists()
    saved = client.post(
        reverse("admin:regimens_regimentemplate_add"),
        template_form([open_loading, MONTHLY], clinician_advances="on"),
    )
    assert saved.status_code == 302, errors_on(saved)
    assert RegimenTemplate.objects.get().clinician_advances


def test_an_empty_template_is_refused(client, admin_user):
    client.force_login(admin_user)
    data = template_form([])
    data["phases-MIN_NUM_FORMS"] = "0"
    response = client.post(reverse("admin:regimens_regimentemplate_add"), data)
    assert response.status_code == 200
    assert not RegimenTemplate.objects.exists()


def test_an_empty_label_is_written_from_the_schedule(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:regimens_regimentemplate_add"),
        template_form([{**LOADING, "label": ""}, {**MONTHLY, "label": ""}]),
    )
    assert response.status_code == 302, errors_on(response)
    labels = [p.label for p in RegimenTemplate.objects.get().phases.all()]
    assert labels == ["Daily for 5 days", "Monthly"]


def test_an_unusual_dose_is_kept_only_when_ticked_intended_with_who_and_when(client, admin_user):
    client.force_login(admin_user)
    high = {**LOADING, "dose_mcg": 10000}
    refused = client.post(
        reverse("admin:regimens_regimentemplate_add"), template_form([high, MONTHLY])
    )
    assert (
        "10,000 mcg is outside the usual dose of methylcobalamin (500 to 5,000 mcg per "
        "injection). Tick “this dose is intended” if it is."
    ) in errors_on(refused)
    assert not RegimenTemplate.objects.exists()
    with frozen(FROZEN):
        saved = client.post(
            reverse("admin:regimens_regimentemplate_add"),
            template_form([{**high, "dose_intended": "on"}, MONTHLY]),
        )
    assert saved.status_code == 302, errors_on(saved)
    first, second = RegimenTemplate.objects.get().phases.all()
    assert (first.dose_mcg, first.dose_intended) == (10000, True)
    assert (first.dose_intended_by, first.dose_intended_at) == (admin_user, FROZEN)
    assert (second.dose_intended, second.dose_intended_by) == (False, None)


def change_form(template, phase_changes=None, **changes) -> dict:
    """The template's change form as the admin page fills it in, with changes."""
    phases = [
        {
            **p.phase_values(),
            "id": p.pk,
            "schedule_every": p.schedule_every or "",
            "end_value": p.end_value or "",
            "dose_intended": "on" if p.dose_intended else False,
            **(phase_changes or {}).get(i, {}),
        }
        for i, p in enumerate(template.phases.all())
    ]
    values = {
        "medication": template.medication,
        "default_route": template.default_route,
        "source": template.source,
        "status": template.status,
        "clinician_advances": "on" if template.clinician_advances else False,
        **changes,
    }
    data = template_form(phases, name=template.name, **values)
    data["phases-INITIAL_FORMS"] = str(len(phases))
    return data


def test_a_change_keeps_the_earlier_version_with_who_and_when(client, admin_user):
    template = factories.template(factories.US_TEMPLATE)
    client.force_login(admin_user)
    url = reverse("admin:regimens_regimentemplate_change", args=[template.pk])
    with frozen(FROZEN):
        response = client.post(url, change_form(template, {0: {"dose_mcg": 500}}))
    assert response.status_code == 302, errors_on(response)
    version = RegimenTemplateVersion.objects.get(template=template)
    assert (version.changed_by, version.changed_at) == (admin_user, FROZEN)
    assert version.previous["phases"][0]["dose_mcg"] == 1000
    assert version.previous["status"] == "published"
    assert template.phases.get(order=0).dose_mcg == 500
    page = pages.soup(client.get(url))
    shown = page.select_one('[data-testid="template-versions"]').get_text(" ", strip=True)
    assert "Ada Admin" in shown or admin_user.email in shown
    assert "“Daily for 1 week” 1000 mcg" in shown


def test_saving_without_a_change_keeps_no_version(client, admin_user):
    template = factories.template(factories.US_TEMPLATE)
    client.force_login(admin_user)
    url = reverse("admin:regimens_regimentemplate_change", args=[template.pk])
    assert client.post(url, change_form(template)).status_code == 302
    assert not RegimenTemplateVersion.objects.exists()


def preview_dates(response) -> list[str]:
    soup = pages.soup(response)
    table = soup.select_one('[data-testid="preview-dates"]')
    return [] if table is None else [tr.td.get_text(strip=True) for tr in table.tbody.select("tr")]


def test_preview_shows_the_due_dates_and_saves_nothing(client, admin_user):
    template = factories.template(factories.US_TEMPLATE)
    client.force_login(admin_user)
    url = reverse("admin:regimens_regimentemplate_change", args=[template.pk])
    data = change_form(template, {1: {"schedule_every": 2, "label": "Every 2 weeks, 4 doses"}})
    # schedule.md's worked example starts on Monday 2 March 2026: daily for 7 days, then
    # (changed here) every 2 weeks.
    data.update({"_preview": "Preview due dates", "_preview_start": "2026-03-02"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert preview_dates(response) == [
        "Mon 2 Mar 2026",
        "Tue 3 Mar 2026",
        "Wed 4 Mar 2026",
        "Thu 5 Mar 2026",
        "Fri 6 Mar 2026",
        "Sat 7 Mar 2026",
        "Sun 8 Mar 2026",
        "Sun 22 Mar 2026",
        "Sun 5 Apr 2026",
        "Sun 19 Apr 2026",
    ]
    assert "nothing is saved until you press Save" in response.content.decode()
    phase = template.phases.get(order=1)
    assert (phase.schedule_every, phase.label) == (1, "Weekly for 4 weeks")
    assert not RegimenTemplateVersion.objects.exists()


def test_preview_of_a_wrong_template_shows_the_errors_and_no_dates(client, admin_user):
    client.force_login(admin_user)
    data = template_form(ISSUE_EXAMPLE, _preview="Preview due dates", _preview_start="2026-03-02")
    response = client.post(reverse("admin:regimens_regimentemplate_add"), data)
    assert response.status_code == 200
    assert preview_dates(response) == []
    assert "Correct the errors above to see the due dates." in response.content.decode()
    assert not RegimenTemplate.objects.exists()


def test_a_saved_template_s_page_previews_its_dates_from_today(client, admin_user):
    template = factories.template(factories.UK_TEMPLATE)
    client.force_login(admin_user)
    with frozen(datetime(2026, 1, 1, 12, tzinfo=UTC)):
        response = client.get(reverse("admin:regimens_regimentemplate_change", args=[template.pk]))
    # schedule.md: from Thursday 1 January 2026, Fri 2, Mon 5, Wed 7, Fri 9, Mon 12, Wed 14
    # January, then every 3 months: 14 April, 14 July...
    assert preview_dates(response)[:8] == [
        "Fri 2 Jan 2026",
        "Mon 5 Jan 2026",
        "Wed 7 Jan 2026",
        "Fri 9 Jan 2026",
        "Mon 12 Jan 2026",
        "Wed 14 Jan 2026",
        "Tue 14 Apr 2026",
        "Tue 14 Jul 2026",
    ]


def offered_in_setup(client) -> set[str]:
    page = pages.soup(client.get(reverse("regimen_setup")))
    return {label.get_text(strip=True) for label in page.select(".setup-choice label")}


def test_a_draft_is_not_offered_until_published_and_publishing_keeps_who_and_when(
    client, admin_user, patient
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:regimens_regimentemplate_add"),
        template_form([LOADING, MONTHLY], status="draft"),
    )
    assert response.status_code == 302, errors_on(response)
    template = RegimenTemplate.objects.get()
    assert template.published_at is None
    assert template not in RegimenTemplate.objects.available()
    client.force_login(patient)
    assert template.name not in offered_in_setup(client)
    client.force_login(admin_user)
    url = reverse("admin:regimens_regimentemplate_change", args=[template.pk])
    with frozen(FROZEN):
        response = client.post(url, change_form(template, status="published"))
    assert response.status_code == 302, errors_on(response)
    template.refresh_from_db()
    assert (template.published_by, template.published_at) == (admin_user, FROZEN)
    client.force_login(patient)
    assert template.name in offered_in_setup(client)


def test_the_admin_speaks_the_domain(client, admin_user):
    client.force_login(admin_user)
    page = pages.soup(client.get(reverse("admin:index")))
    assert page.select_one("#site-name").get_text(strip=True) == "B12 log administration"
    models = {a.get_text(strip=True) for a in page.select("th[scope=row] a")}
    assert {"Calendar feeds", "Reminders sent", "Calendar entries", "Regimen templates"} <= models


def test_an_admin_reading_patients_health_data_is_logged_for_the_patient(
    client, admin_user, patient
):
    regimen = factories.regimen_for(patient, date(2026, 3, 2))
    client.force_login(admin_user)
    client.get(reverse("admin:regimens_regimen_changelist"))
    client.get(reverse("admin:regimens_regimen_change", args=[regimen.pk]))
    views = RecordView.objects.filter(patient=patient, viewer=admin_user).order_by("pk")
    assert [v.what for v in views] == ["admin list of regimens", "admin record of regimens"]
    # Templates are not patients' data: reading them is not logged.
    client.get(reverse("admin:regimens_regimentemplate_changelist"))
    assert RecordView.objects.count() == 2


def test_two_phases_in_the_same_place_are_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:regimens_regimentemplate_add"),
        template_form([LOADING, {**MONTHLY, "order": 0}]),
    )
    assert response.status_code == 200
    assert not RegimenTemplate.objects.exists()


def test_an_admin_listing_injections_is_logged_for_each_patient_shown(
    client, admin_user, patient, other_patient
):
    for person in (patient, other_patient):
        factories.give(factories.regimen_for(person, date(2026, 3, 2)), date(2026, 3, 2))
    client.force_login(admin_user)
    client.get(reverse("admin:doses_doselog_changelist"))
    logged = RecordView.objects.filter(viewer=admin_user, what="admin list of dose logs")
    assert sorted(logged.values_list("patient__email", flat=True)) == [
        "olga@example.org",
        "pat@example.org",
    ]
