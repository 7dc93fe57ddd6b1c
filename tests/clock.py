"""The test clock: freezing time at a chosen moment, the one way the suite travels."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine

NEW_YORK = ZoneInfo("America/New_York")  # the patients' zone in the suite


def frozen(when: date | datetime, hour: int = 12, minute: int = 0, second: int = 0, zone=NEW_YORK):
    """A context manager (or decorator) that stops the clock, so it does not tick, at `when`
    if it is an aware datetime, or else at the wall-clock time hour:minute:second of the day
    `when` in `zone` (noon in New York unless told)."""
    if isinstance(when, datetime):
        if (hour, minute, second, zone) != (12, 0, 0, NEW_YORK):
            raise TypeError("give either a datetime or a day with a time of day, not both")
        return time_machine.travel(when, tick=False)
    moment = datetime.combine(when, time(hour, minute, second), tzinfo=zone)
    return time_machine.travel(moment, tick=False)
