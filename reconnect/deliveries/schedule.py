"""When a partner's next email is due: their local send hour, in their own timezone.

Rules, all in the partner's IANA zone:
- A stage is planned for ``program start date + stage.day`` at the send hour.
- A send hour that does not exist that day (spring forward) lands on the first instant
  after the gap (02:30 becomes 03:30); one that happens twice (fall back) uses the first.
- A stage whose planned time has already passed (the worker was down, or the clock
  jumped) is due at the next send hour after now, so missed stages arrive one per day,
  never in a burst.
- Quiet days (ISO weekdays, 1 = Monday … 7 = Sunday) are judged by the local date: a time
  that would fall on one moves to the send hour of the next local day that is not quiet.
  The DST rules above apply to that day. At least one day of the week must stay open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NO_QUIET_DAYS: frozenset[int] = frozenset()
WEEKDAYS = range(1, 8)
# At most six quiet days in a row, plus the two days of slack the plain rule needs for a
# send hour that already passed today (or vanished in a DST gap).
_SEARCH_DAYS = 6 + 3


def check_quiet_days(days: Iterable[int]) -> frozenset[int]:
    """Returns the days as a set; ValueError if one is not a weekday or none is left."""
    found = frozenset(days)
    if not found <= frozenset(WEEKDAYS):
        raise ValueError("quiet days are ISO weekdays, 1 (Monday) to 7 (Sunday)")
    if len(found) == len(WEEKDAYS):
        raise ValueError("at least one day of the week must not be quiet")
    return found


def local_send_time(day: date, hour: int, zone: str) -> datetime:
    local = datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def next_send_time(after: datetime, hour: int, zone: str, *,
                   quiet_days: frozenset[int] = NO_QUIET_DAYS) -> datetime:
    """The first send hour strictly after ``after`` on a local day that is not quiet."""
    check_quiet_days(quiet_days)
    local_day = after.astimezone(ZoneInfo(zone)).date()
    for offset in range(_SEARCH_DAYS):
        day = local_day + timedelta(days=offset)
        if day.isoweekday() in quiet_days:
            continue
        candidate = local_send_time(day, hour, zone)
        if candidate > after:
            return candidate
    raise AssertionError("an open send hour always recurs within nine days")


def stage_due_at(start: date, day: int, hour: int, zone: str, now: datetime, *,
                 quiet_days: frozenset[int] = NO_QUIET_DAYS) -> datetime:
    check_quiet_days(quiet_days)
    planned_day = start + timedelta(days=day)
    while planned_day.isoweekday() in quiet_days:
        planned_day += timedelta(days=1)
    planned = local_send_time(planned_day, hour, zone)
    return planned if planned > now else next_send_time(now, hour, zone, quiet_days=quiet_days)
