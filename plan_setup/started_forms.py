"""The "Have you already started?" step of "Set up my injections": where the patient is in the
plan now, their last injection and, if they like, the earlier ones, each with its time and
site. The plan itself is checked by the pure rules (plan_setup/plan.py)."""

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts import dates
from regimens import reference

from .forms import DATE_INPUT
from .plan import PlanError, plan_start

# The site answer for an injection whose site the patient does not remember.
SITE_NOT_RECORDED = "none"
EARLIER_ROWS = 12  # earlier injections listed at most (the latest ones; the rest need not be)
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def site_answers(route: str) -> list[tuple[str, str]]:
    """The sites of the route, then "not recorded": a site is never made up."""
    return [
        ("", _("Choose a site")),
        *((code, reference.site_name(code)) for code in reference.sites_for_route(route)),
        (SITE_NOT_RECORDED, _("I don't remember: site not recorded")),
    ]


class EarlierInjection(forms.Form):
    """One earlier injection: its date, time and site. A row left blank is not an injection."""

    day = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DATE_INPUT,
        validators=[dates.validate_bounded(dates.PAST)],
    )
    time = forms.TimeField(label=_("Time"), required=False, widget=TIME_INPUT)
    site = forms.ChoiceField(label=_("Site"), required=False)

    def __init__(self, *args, route, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = site_answers(route)
        # Twelve rows of "Date, Time, Site": each label says which row it is, for a screen
        # reader that reads a field's label alone.
        row = (self.prefix or "").rsplit("-", 1)[-1]
        if row.isdigit():
            number = int(row) + 1
            self.fields["day"].label = _("Earlier injection %(n)s: date") % {"n": number}
            self.fields["time"].label = _("Earlier injection %(n)s: time") % {"n": number}
            self.fields["site"].label = _("Earlier injection %(n)s: site") % {"n": number}

    def clean(self):
        data = super().clean()
        if self.errors or not any(data.get(name) for name in ("day", "time", "site")):
            return data
        if not data.get("day"):
            self.add_error("day", _("Enter the date of this injection."))
        if not data.get("time"):
            self.add_error("time", _("Enter the time of this injection."))
        if not data.get("site"):
            self.add_error("site", _("Choose the site, or say that you don't remember it."))
        return data


class BaseEarlierInjections(forms.BaseFormSet):
    """At most EARLIER_ROWS rows, as many as the page shows: a form that claims more rows, or
    sends fields for rows beyond them, is refused as a whole (the set-up's save then costs a
    bounded time, whatever is sent)."""

    default_error_messages = {
        "too_many_forms": _("List at most %(num)d earlier injections: the latest ones are enough."),
    }

    def clean(self):
        rows = re.compile(rf"^{re.escape(self.prefix)}-(\d+)-")
        for name in self.data:
            found = rows.match(name)
            if found and int(found.group(1)) >= self.total_form_count():
                raise ValidationError(
                    self.error_messages["too_many_forms"], params={"num": self.max_num}
                )


EarlierInjections = forms.formset_factory(
    EarlierInjection,
    formset=BaseEarlierInjections,
    extra=EARLIER_ROWS,
    max_num=EARLIER_ROWS,
    absolute_max=EARLIER_ROWS,
    validate_max=True,
)


class StartedStep(forms.Form):
    """Has the patient already started? If so: where they are now, when and where they last
    injected, and, if they like, their earlier injections, each with its time and site."""

    already_started = forms.ChoiceField(
        label=_("Have you already started these injections?"),
        choices=[
            ("no", _("No: my first injection of this plan is still to come")),
            ("yes", _("Yes: I have already had injections of this plan")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you have already started.")},
    )
    current_phase = forms.ChoiceField(label=_("Which phase are you in now?"), required=False)
    last_injection = forms.DateField(
        label=_("Date of your last injection"),
        required=False,
        widget=DATE_INPUT,
        validators=[dates.validate_bounded(dates.PAST)],
    )
    last_time = forms.TimeField(
        label=_("Time of your last injection"), required=False, widget=TIME_INPUT
    )
    site = forms.ChoiceField(label=_("Site of your last injection"), required=False)

    def __init__(self, *args, phase_values, phase_names, route, start, today, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.phase_values, self.start, self.today = phase_values, start, today
        self.now = now  # the patient's wall-clock time today: no injection after it
        self.plan = None
        self.fields["current_phase"].choices = [("", _("Choose a phase")), *phase_names]
        self.fields["current_phase"].error_messages["invalid_choice"] = _(
            "Choose one of the %(count)s phases of your plan."
        ) % {"count": len(phase_names)}
        self.fields["site"].choices = site_answers(route)
        # A client that sends no rows at all lists no earlier injection (unbound: no complaint
        # about a missing management form).
        sent_rows = self.is_bound and "earlier-TOTAL_FORMS" in self.data
        self.earlier = EarlierInjections(
            self.data if sent_rows else None,
            prefix="earlier",
            form_kwargs={"route": route},
        )

    def _past_date(self, day: date, at=None) -> str | None:
        """What is wrong with an injection date (and time), if anything."""
        if day > self.today or (
            day == self.today and at is not None and self.now is not None and at > self.now
        ):
            return _("%(day)s is in the future. Enter when it happened.")
        if day < self.start:
            return _("%(day)s is before the plan's start date (%(start)s).")
        return None

    def _words(self, problem: str, day: date) -> str:
        return problem % {
            "day": date_format(day, "j F Y"),
            "start": date_format(self.start, "j F Y"),
        }

    def _earlier_injections(self, last: date) -> dict | None:
        """{date: (time, site)} of the rows filled in, or None when a row is wrong (its
        errors are on the row)."""
        if f"{self.earlier.prefix}-TOTAL_FORMS" not in self.data:
            return {}  # no rows sent at all (a client that lists no earlier injection)
        if not self.earlier.is_valid():
            return None
        found, wrong = {}, False
        for row in self.earlier.forms:
            data = row.cleaned_data
            day = data.get("day")
            if not day:
                continue
            problem = self._past_date(day, data["time"])
            if problem is None and day in found:
                problem = _("%(day)s is listed twice.")
            elif problem is None and day == last:
                problem = _("%(day)s is your last injection: list only the ones before it.")
            elif problem is None and day > last:
                problem = _("%(day)s is after your last injection.")
            if problem:
                row.add_error("day", self._words(problem, day))
                wrong = True
            else:
                found[day] = (data["time"], _site(data["site"]))
        return None if wrong else found

    def clean(self):
        data = super().clean()
        if data.get("already_started") != "yes":
            return data
        for name, message in (
            ("current_phase", _("Choose the phase you are in now.")),
            ("last_injection", _("Enter the date of your last injection.")),
            ("last_time", _("Enter the time of your last injection.")),
            (
                "site",
                _("Choose the site of your last injection, or say that you don't remember it."),
            ),
        ):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        last = data.get("last_injection")
        if last is not None:
            problem = self._past_date(last, data.get("last_time"))
            if problem:
                self.add_error("last_injection", self._words(problem, last))
        earlier = self._earlier_injections(last) if last is not None else None
        if earlier is None and not self.errors:
            self.add_error(None, _("Check the earlier injections below."))
        if self.errors:
            return data
        try:
            self.plan = plan_start(
                self.start,
                self.phase_values,
                current=int(data["current_phase"]),
                last=last,
                earlier=list(earlier),
            )
        except PlanError as exc:
            self.add_error(None, str(exc))
            return data
        details = {**earlier, last: (data["last_time"], _site(data["site"]))}
        for injection in self.plan.injections:
            injection.at, injection.site = details[injection.on]
        return data


def _site(answer: str) -> str:
    """The site to store for an answer: "" when the patient does not remember it."""
    return "" if answer == SITE_NOT_RECORDED else answer
