"""When a partner's next email is due: their local send hour, in their own timezone.

Rules, all in the partner's IANA zone:
- A stage is planned for ``program start date + stage.day`` at the send hour.
- A send hour that does not exist that day (spring forward) lands on the first instant
  after the gap (02:30 becomes 03:30); one that happens twice (fall back) uses the first.
- A stage whose planned time has already passed (the partner paused, or the clock jumped)
  is due at the next send hour after now, so missed stages arrive one per day, never in a
  burst.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_send_time(day: date, hour: int, zone: str) -> datetime:
    local = datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def next_send_time(after: datetime, hour: int, zone: str) -> datetime:
    local_day = after.astimezone(ZoneInfo(zone)).date()
    for offset in range(3):
        candidate = local_send_time(local_day + timedelta(days=offset), hour, zone)
        if candidate > after:
            return candidate
    raise AssertionError("a send hour always recurs within three days")


def stage_due_at(start: date, day: int, hour: int, zone: str, now: datetime) -> datetime:
    planned = local_send_time(start + timedelta(days=day), hour, zone)
    return planned if planned > now else next_send_time(now, hour, zone)
