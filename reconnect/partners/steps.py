"""How a step of the program is named to the person taking it, in one place: the
preferences page, the journey's archive links and the readable export all use it."""

from __future__ import annotations

from reconnect.program.model import Stage


def step_name(stage: Stage) -> str:
    return f"Step {stage.position + 1} · {stage.title}"
