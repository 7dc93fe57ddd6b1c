"""Admins edit templates (phases inline, validated) and prescribe a template to a patient."""

from datetime import date

import pytest
from django.urls import reverse

from regimens.models import PHASE_FIELDS, Phase, Regimen, RegimenTemplate
from tests import factories

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
