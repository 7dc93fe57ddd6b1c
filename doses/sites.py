"""The injection sites a patient chooses from: for each site of clinical.json, which routes it
is for, when it was last used and whether rotation suggests it next (the least recently used
site of its route, as doses.dashboard.suggest_site says).

Every site's last use comes from one query, grouped by route and site, whatever the history's
size; the log form, the clinic form and the correction form all draw their site picker from it.
An injection without a site (entered at set-up with its site marked "not recorded") is left out:
it tells nothing about which site was used.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regimens import reference, schedule

from .dashboard import suggest_site
from .models import DoseLog


def last_used(patient) -> dict[str, dict[str, datetime]]:
    """{route: {site: when it was last given}} over the patient's given, undeleted injections
    with a recorded site: one query."""
    rows = (
        DoseLog.objects.filter(
            patient=patient, status=DoseLog.Status.GIVEN, deleted_at__isnull=True
        )
        .exclude(site="")
        .values("route", "site")
        .annotate(last=Max("administered_at"))
        .order_by()
    )
    by_route: dict[str, dict[str, datetime]] = {}
    for row in rows:
        by_route.setdefault(row["route"], {})[row["site"]] = row["last"]
    return by_route


def ago_text(day: date | None, today: date) -> str:
    """When a site was last used, in words: "never", "today", "yesterday", "12 days ago"."""
    if day is None:
        return _("never")
    days = (today - day).days
    if days <= 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return ngettext("%(days)d day ago", "%(days)d days ago", days) % {"days": days}


@dataclass(frozen=True)
class SiteOption:
    code: str
    name: str
    routes: tuple[str, ...]
    last_used: datetime | None
    last_used_text: str
    suggested_for: tuple[str, ...] = ()  # the routes for which rotation suggests it next

    @property
    def routes_attr(self) -> str:
        return " ".join(self.routes)

    @property
    def suggested_attr(self) -> str:
        return " ".join(self.suggested_for)

    @property
    def route_names(self) -> str:
        names = dict(reference.route_choices())
        return ", ".join(names[code].lower() for code in self.routes)

    @property
    def used_text(self) -> str:
        """The list's line under the site's name: "Last used 12 days ago", "Never used"."""
        if self.last_used is None:
            return _("Never used")
        return _("Last used %(when)s") % {"when": self.last_used_text}

    @property
    def title(self) -> str:
        """The site and its last use in one line: the body map's tooltip."""
        if self.last_used is None:
            return _("%(site)s: never used") % {"site": self.name}
        return _("%(site)s: last used %(when)s") % {"site": self.name, "when": self.last_used_text}


@dataclass
class SiteChart:
    """All sites with their last use; `suggested` is the next site for each route."""

    options: list[SiteOption] = field(default_factory=list)
    suggested: dict[str, str] = field(default_factory=dict)

    def for_route(self, route: str) -> list[SiteOption]:
        return [option for option in self.options if route in option.routes]

    def option(self, code: str) -> SiteOption | None:
        return next((option for option in self.options if option.code == code), None)


def site_chart(patient) -> SiteChart:
    """The patient's sites with their last use and each route's suggestion: one query."""
    by_route = last_used(patient)
    today = patient.today()
    chart = SiteChart()
    chart.suggested = {
        route: suggest_site(route, by_route.get(route, {}))
        for route, _name in reference.route_choices()
        if reference.sites_for_route(route)
    }
    for site in reference.clinical()["sites"]:
        code = site["code"]
        uses = [by_route[r][code] for r in site["routes"] if code in by_route.get(r, {})]
        last = max(uses) if uses else None
        day = schedule.local_date(last, patient.zone) if last else None
        chart.options.append(
            SiteOption(
                code=code,
                name=reference.site_name(code),
                routes=tuple(site["routes"]),
                last_used=last,
                last_used_text=ago_text(day, today),
                suggested_for=tuple(r for r in site["routes"] if chart.suggested.get(r) == code),
            )
        )
    return chart
