"""The dates the app accepts, in one place.

No B12 record holds a date before 1900 or after 2100: anything else is a typing error (or a
row written around the forms), and Python's dates overflow near years 1 and 9999 as soon as a
day is added or a time zone applied. So:

- every model's `clean_fields()` checks each date and datetime field against these bounds
  (`BoundedDates`), with a tighter top for past events, planned things and expiry dates;
- forms' date fields and date query parameters use `bounded_date_error()` / `parse_day()`;
- a stored date outside the bounds is clamped to them when a row is loaded (`clamp()`), and
  `add_days()` never overflows, so a page still renders around a bad row.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
EARLIEST_MOMENT = datetime.combine(EARLIEST, time(), tzinfo=UTC)
LATEST_MOMENT = datetime.combine(LATEST, time(23, 59, 59), tzinfo=UTC)

# What a field holds decides how far ahead it may be.
ANY = "any"  # only the app's bounds
PAST = "past"  # something that happened: a dose given, a check-in, a sample, a delivery
PLANNED = "planned"  # a start, a scheduled day
EXPIRY = "expiry"  # a product's expiry date

AHEAD = {
    # Time zones: "today" somewhere is already the day after tomorrow in UTC terms at most.
    PAST: timedelta(days=2),
    PLANNED: timedelta(days=366),
    EXPIRY: timedelta(days=3653),
}


def latest_for(kind: str, today: date | None = None) -> date:
    """The last day a value of this kind may have."""
    if kind not in AHEAD:
        return LATEST
    today = today or timezone.now().date()
    return min(LATEST, add_days(today, AHEAD[kind].days))


def bounded_date_error(value, kind: str = ANY, today: date | None = None) -> str | None:
    """Why `value` (a date or an aware datetime) is out of bounds for its kind, or None."""
    if value is None:
        return None
    day = value
    if isinstance(value, datetime):
        try:
            day = value.date() if timezone.is_naive(value) else value.astimezone(UTC).date()
        except OverflowError:  # a local time in year 1 or 9999 that UTC cannot hold
            day = date.min if value.year < EARLIEST.year else date.max
    latest = latest_for(kind, today)
    if EARLIEST <= day <= latest:
        return None
    if day > LATEST or day < EARLIEST or kind == ANY:
        return gettext("Enter a date between %(first)s and %(last)s.") % {
            "first": date_format(EARLIEST, "j M Y"),
            "last": date_format(latest, "j M Y"),
        }
    if kind == PAST:
        return gettext("This date is in the future. Enter when it happened.")
    return gettext("Enter a date no later than %(last)s.") % {"last": date_format(latest, "j M Y")}


def validate_bounded(kind: str = ANY):
    """A form or model field validator for dates of this kind."""

    def validate(value):
        error = bounded_date_error(value, kind)
        if error:
            raise ValidationError(error, code="date_bounds")

    return validate


def parse_day(raw: str | None) -> tuple[date | None, str | None]:
    """A date query parameter: (the day, None), (None, None) when absent, or (None, why)."""
    if not raw:
        return None, None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None, gettext("Enter a date as YYYY-MM-DD.")
    error = bounded_date_error(day)
    return (None, error) if error else (day, None)


def clamp(value):
    """A date or datetime pulled within the app's bounds (for stored values only: what a person
    enters is refused instead)."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            return value
        if value < EARLIEST_MOMENT:
            return EARLIEST_MOMENT
        if value > LATEST_MOMENT:
            return LATEST_MOMENT
        return value
    if isinstance(value, date):
        return min(max(value, EARLIEST), LATEST)
    return value


def add_days(day: date, days: int) -> date:
    """`day + days`, stopping at the bounds instead of overflowing."""
    try:
        return clamp(day + timedelta(days=days))
    except OverflowError:
        return LATEST if days > 0 else EARLIEST


def fields_out_of_bounds(instance) -> list[str]:
    """The names of the instance's date and datetime fields outside the app's bounds."""
    return [
        field.name
        for field in instance._meta.concrete_fields
        if field.get_internal_type() in ("DateField", "DateTimeField")
        and bounded_date_error(getattr(instance, field.attname))
    ]


class BoundedDates:
    """Mixed into every model with a date or datetime field (before models.Model).

    `DATE_KINDS` names the kind of each field that is not ANY. `clean_fields()` refuses a value
    out of bounds with a message on its field; `from_db()` clamps a stored one, so that a row
    written around the forms (admin SQL, an old import) never makes a page fail.
    """

    DATE_KINDS: dict[str, str] = {}

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if field.get_internal_type() not in ("DateField", "DateTimeField"):
                continue
            if (exclude and field.name in exclude) or field.name in errors:
                continue
            error = bounded_date_error(
                getattr(self, field.attname), self.DATE_KINDS.get(field.name, ANY)
            )
            if error:
                errors[field.name] = [error]
        if errors:
            raise ValidationError(errors)

    @classmethod
    def from_db(cls, db, field_names, values):
        return super().from_db(db, field_names, [clamp(value) for value in values])


def day_bounds(patient, first: date | None, last: date | None):
    """[start of `first`, start of the day after `last`) in the patient's zone."""
    zone = patient.zone
    since = timezone.make_aware(datetime.combine(first, time()), zone) if first else None
    until = timezone.make_aware(datetime.combine(add_days(last, 1), time()), zone) if last else None
    return since, until
