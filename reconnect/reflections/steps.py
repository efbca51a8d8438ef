"""One name per step, everywhere it is shown: "Week N · <title>", where N is the
stage's program week (its day // 7); the welcome (week 0) is named by its title alone.
The journey, reminders, the preferences page and the data export all use this."""

from __future__ import annotations

from reconnect.program.model import Stage


def step_week(stage: Stage) -> int:
    return stage.day // 7


def step_name(stage: Stage) -> str:
    week = step_week(stage)
    return f"Week {week} · {stage.title}" if week else stage.title
