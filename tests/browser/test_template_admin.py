"""An admin edits a regimen template in a real browser: previews the due dates of the change
from a sample start without saving it, is refused a label that contradicts the schedule, and
saves the change with the label written from the schedule, keeping the earlier version.

The sample start is typed in (schedule.md's worked example, Monday 2 March 2026), so the dates
expected do not depend on today.
"""

from django.urls import reverse
from playwright.sync_api import expect

from regimens.models import RegimenTemplateVersion
from tests import factories


def sign_in_to_the_admin(page, live_server, admin) -> None:
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", admin.email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(live_server.url + reverse("admin:index"))


def test_an_admin_previews_a_change_is_refused_a_contradicting_label_then_saves(
    page, live_server, admin_user
):
    template = factories.template(factories.US_TEMPLATE)
    sign_in_to_the_admin(page, live_server, admin_user)
    page.get_by_role("link", name="Regimen templates").click()
    page.get_by_role("link", name=template.name).click()
    expect(page.locator("#id_phases-1-label")).to_have_value("Weekly for 4 weeks")

    # Stabilization every 2 weeks instead of weekly: preview from a sample start.
    page.fill("#id_phases-1-schedule_every", "2")
    page.fill("#id_phases-1-label", "Every 2 weeks, 4 doses")
    page.fill("#id__preview_start", "2026-03-02")
    page.get_by_role("button", name="Preview due dates").click()
    expect(page.get_by_test_id("preview-status")).to_contain_text("nothing is saved")
    dates = page.get_by_test_id("preview-dates").locator("tbody tr td:first-child")
    expect(dates).to_have_text(
        [
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
    )
    # The form keeps what was typed, and nothing is saved.
    expect(page.locator("#id_phases-1-schedule_every")).to_have_value("2")
    assert template.phases.get(order=1).schedule_every == 1

    # A label that says another frequency than the schedule is refused beside it.
    page.fill("#id_phases-1-label", "Daily")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_contain_text(
        "The label says “daily” but the schedule is every 2 weeks."
    )
    assert template.phases.get(order=1).label == "Weekly for 4 weeks"

    # Left empty, the label is written from the schedule; the earlier version is kept.
    page.fill("#id_phases-1-label", "")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    phase = template.phases.get(order=1)
    assert (phase.schedule_every, phase.label) == (2, "Every 2 weeks, 4 doses")
    version = RegimenTemplateVersion.objects.get(template=template)
    assert version.changed_by == admin_user
    assert version.previous["phases"][1]["label"] == "Weekly for 4 weeks"
