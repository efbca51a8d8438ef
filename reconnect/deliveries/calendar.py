"""The couple's calendar: which program week a stage belongs to, and where a partner who
arrives late (joins after the other, or resumes after a long pause) picks it up.

Both partners count weeks from the couple's start (``couples.started_on``, copied into
each partner's ``program_start_date`` as they confirm). Week ``w`` of the program is the
seven local days from ``start + 7·w``; a stage of day ``d`` belongs to week ``d // 7``.
A stage is only sent within its week: a partner who arrives after a week has ended joins
at the couple's current week, and the weeks they missed show on their journey as
skipped, rather than arriving one a day to catch up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reconnect.deliveries.schedule import next_send_time, stage_due_at
from reconnect.program.model import Program, Stage

DAYS_PER_WEEK = 7


def week_of(stage: Stage) -> int:
    return stage.day // DAYS_PER_WEEK


# One name per step, everywhere it is shown (the journey, reminders, the preferences page,
# the data export): "Week N · <title>", N being the stage's program week; the welcome
# (week 0) is named by its title alone.

def step_week(stage: Stage) -> int:
    return week_of(stage)


def step_name(stage: Stage) -> str:
    week = step_week(stage)
    return f"Week {week} · {stage.title}" if week else stage.title


def week_ends(start: date, stage: Stage) -> date:
    """The first local date after the stage's program week."""
    return start + timedelta(days=DAYS_PER_WEEK * (week_of(stage) + 1))


@dataclass(frozen=True)
class Pickup:
    stage: Stage
    due_at: datetime


def pick_up(program: Program, position: int, start: date, hour: int, zone: str,
            now: datetime, quiet_days: frozenset[int]) -> Pickup | None:
    """From the stage at ``position`` on, the first that can still reach the partner
    within its own program week, with its due time. When every remaining week has ended,
    the last stage goes at the next send hour, so nobody is left without the closing
    step. None when there is no stage from ``position`` on."""
    last: Stage | None = None
    for stage in program.stages[position:]:
        last = stage
        due = stage_due_at(start, stage.day, hour, zone, now, quiet_days=quiet_days)
        if due.astimezone(ZoneInfo(zone)).date() < week_ends(start, stage):
            return Pickup(stage, due)
    if last is None:
        return None
    return Pickup(last, next_send_time(now, hour, zone, quiet_days=quiet_days))


def current_week(start: date | None, today: date) -> int | None:
    """The couple's program week on ``today`` (0 for the welcome week), or None before
    the couple has started."""
    if start is None:
        return None
    return max(0, (today - start).days) // DAYS_PER_WEEK
