"""What the patient's home shows, gathered in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max, Subquery
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from accounts.access import care_team
from regimens import reference, schedule
from regimens.models import EndRule, Phase, Regimen, RegimenChange, current_regimen
from symptoms.models import SymptomEntry

from .models import DoseLog

CHECKIN_EVERY = timedelta(days=7)


def site_last_used(patient, route: str) -> dict[str, object]:
    """When each site was last used for a given injection on this route. An injection with no
    site (an earlier one entered at set-up as "site not recorded") says nothing about rotation."""
    rows = (
        DoseLog.objects.filter(
            patient=patient, route=route, status=DoseLog.Status.GIVEN, deleted_at__isnull=True
        )
        .exclude(site="")
        .values("site")
        .annotate(last=Max("administered_at"))
    )
    return {row["site"]: row["last"] for row in rows}


def suggest_site(route: str, last_used: dict) -> str:
    """The least recently used site for the route: never-used sites first, in list order."""
    sites = reference.sites_for_route(route)
    if not sites:
        return ""
    never = [code for code in sites if code not in last_used]
    if never:
        return never[0]
    return min(sites, key=lambda code: last_used[code])


@dataclass
class PhaseProgress:
    phase: Phase
    text: str
    done: int = 0
    total: int | None = None

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))


def phase_progress(regimen: Regimen, today: date) -> PhaseProgress | None:
    phase = regimen.current_phase
    if phase is None:
        return None
    if phase.end_rule == EndRule.AFTER_DOSES:
        given = regimen.given_in_phase
        return PhaseProgress(
            phase,
            _("dose %(next)s of %(total)s next, %(given)s given")
            % {"next": min(given + 1, phase.end_value), "total": phase.end_value, "given": given},
            given,
            phase.end_value,
        )
    if phase.end_rule == EndRule.AFTER_DAYS:
        began = regimen.phase_first_event_on
        days = (today - began).days if began else 0
        text = _("day %(day)s of %(total)s") % {"day": days, "total": phase.end_value}
        return PhaseProgress(phase, text, days, phase.end_value)
    since = regimen.phase_first_event_on or regimen.phase_entered_on
    text = _("%(phase)s since %(day)s") % {
        "phase": phase.get_kind_display().lower(),
        "day": dateformat.format(since, "j F Y"),
    }
    return PhaseProgress(phase, text)


@dataclass
class Dashboard:
    today: date
    regimen: Regimen | None = None
    progress: PhaseProgress | None = None
    status: tuple[str, int] = ("none", 0)
    lab_review_status: tuple[str, int] = ("none", 0)
    upcoming: list = field(default_factory=list)
    last_dose: DoseLog | None = None
    suggested_site: str = ""
    site_last_used: dict = field(default_factory=dict)
    checkin_due: bool = True
    care_team: list = field(default_factory=list)
    last_checkin: SymptomEntry | None = None
    supplies: object = None  # the supplies' outlook (supplies.forecast), added by the home view
    label_checks: list = field(default_factory=list)  # checked label photos, ditto
    plan_notices: list = field(default_factory=list)

    @property
    def skip_ahead(self) -> bool:
        """The next dose is still to come: skipping it is planning ahead."""
        return self.status[0] == "upcoming"

    @property
    def suggested_site_name(self) -> str:
        return reference.site_name(self.suggested_site) if self.suggested_site else ""


def regimen_with_phases(patient) -> Regimen | None:
    """current_regimen(patient), its phases in order (`ordered_phases`, which upcoming() and
    the supplies' outlook walk) and its current phase among them, in one query: the phases of
    that regimen, each row with the regimen. The patient is the one given, not read again. A
    patient with no such regimen (or one with no phases) costs a second query, current_regimen's.
    """
    first = (
        Regimen.objects.filter(
            patient=patient, status__in=[Regimen.Status.ACTIVE, Regimen.Status.COMPLETED]
        )
        .order_by("status", "-created_at", "-pk")  # as current_regimen: "active" first
        .values("pk")[:1]
    )
    phases = list(
        Phase.objects.filter(regimen=Subquery(first)).select_related("regimen").order_by("order")
    )
    if not phases:
        return current_regimen(patient)
    regimen = phases[0].regimen
    for phase in phases:
        phase.regimen = regimen  # one regimen, not a copy per row
    regimen.patient = patient
    regimen.ordered_phases = phases  # the cached_property's value
    current = [phase for phase in phases if phase.pk == regimen.current_phase_id]
    if current or regimen.current_phase_id is None:
        regimen.current_phase = current[0] if current else None
    return regimen


def build_dashboard(patient) -> Dashboard:
    """Queries: the regimen with its phases (regimen_with_phases); the care team; the last
    dose; the last check-in; the plan changes to tell of; sites' last use: six, whatever the
    history's size. The home view adds the supplies (supplies.forecast.outlook: one query, and
    once any supply is recorded, the injections since it is in use)."""
    board = Dashboard(today=patient.today())
    board.regimen = regimen = regimen_with_phases(patient)
    board.care_team = list(care_team(patient))
    # The columns the page shows (fewer to write into the statement and to read back).
    board.last_dose = (
        DoseLog.objects.filter(
            patient=patient, status=DoseLog.Status.GIVEN, deleted_at__isnull=True
        )
        .only("administered_at", "dose_mcg", "site")
        .order_by("-administered_at")
        .first()
    )
    board.last_checkin = SymptomEntry.objects.filter(patient=patient).only("recorded_at").first()
    board.plan_notices = plan_notices(patient)
    # A patient with no plan yet is not asked about "this week": the prompt starts once there
    # is a regimen to check in against.
    board.checkin_due = regimen is not None and (
        board.last_checkin is None
        or board.last_checkin.recorded_at < timezone.now() - CHECKIN_EVERY
    )
    if regimen is None:
        return board
    board.progress = phase_progress(regimen, board.today)
    board.status = schedule.status(regimen.next_due, board.today)
    board.lab_review_status = schedule.status(regimen.next_lab_review, board.today)
    board.upcoming = regimen.upcoming(5)
    board.site_last_used = site_last_used(patient, regimen.route)
    board.suggested_site = suggest_site(regimen.route, board.site_last_used)
    return board


def skipped_next_due(regimen: Regimen) -> date | None:
    """When the next dose would be due if the one due next were skipped (rule 3 from the
    day it is due; a skip does not count toward an `after_doses` phase)."""
    if regimen.next_due is None:
        return None
    rules = regimen.phase_rules()
    state = schedule.apply(
        regimen.stored_state, schedule.Event(regimen.next_due, schedule.SKIPPED), rules
    )
    return state.next_due


@dataclass
class PlanNotice:
    """A change to the patient's plan made by someone else, until the patient dismisses it."""

    change: RegimenChange
    what: str


def plan_change_text(change: RegimenChange) -> str:
    """What changed, in the patient's words: "Every 4 weeks → Every 3 weeks; 1000 mcg → 500
    mcg", "moved on to the next phase"..."""
    old, new = change.old_values, change.new_values
    kind = RegimenChange.Kind
    if change.kind == kind.PHASE_CHANGED:
        parts = []
        if "label" in new:
            parts.append(f"{old.get('label', '')} → {new['label']}")
        if "dose_mcg" in new:
            parts.append(
                _("%(old)s mcg → %(new)s mcg per injection")
                % {"old": old.get("dose_mcg"), "new": new["dose_mcg"]}
            )
        return "; ".join(parts)
    if change.kind == kind.ADVANCED:
        return _("moved on to the next phase")
    if change.kind == kind.ENDED:
        return _("your injections were stopped")
    if change.kind == kind.SWITCHED:
        return _("switched to %(name)s") % {"name": change.regimen.name}
    return _("%(name)s prescribed") % {"name": change.regimen.name}


def plan_notices(patient, limit: int = 3) -> list[PlanNotice]:
    """The latest changes to the plan made by someone else and not yet dismissed: one query."""
    changes = (
        RegimenChange.objects.filter(
            patient=patient,
            kind__in=RegimenChange.TOLD_TO_PATIENT,
            dismissed_at__isnull=True,
        )
        .exclude(by=patient)
        .select_related("by", "regimen")
        # What the notice shows: who, when, why and what (the regimen's name for a switch).
        .only("at", "kind", "reason", "old_values", "new_values", "by__name", "regimen__name")
        .order_by("-at", "-pk")[:limit]
    )
    return [PlanNotice(change, plan_change_text(change)) for change in changes]
