"""Editing a program copy the way an editor would, and reading what a partner got."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from tests.support.flows import ANA, enrol, send_due_now
from tests.support.smtp import SmtpSink

ACK = "stages/acknowledge.md"
OLD_SUBJECT = "Week 1: Acknowledge what is happening"
NEW_SUBJECT = "Week 1: Finding the words for it"


def edit(program_dir: Path, rel: str, old: str, new: str) -> None:
    path = program_dir / "main" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# A stage's words may depend on the answers to the stage before it; the check refuses a
# condition on a question the new previous stage does not ask.
LOOK_BACK_CONDITION = re.compile(r"\{%-?\s*if\b[^%]*\bprevious\b.*?\{%-?\s*endif\s*-?%\}\n?",
                                 re.DOTALL)


def manifest_stages(program_dir: Path, keys: list[str]) -> None:
    """Lists the stages in a new order as an editor would: a stage that now follows a
    different stage loses its conditions on the old previous stage's answers, and a
    follow-up no longer listed is no longer named."""
    path = program_dir / "main" / "program.yaml"
    head, _, listed = path.read_text(encoding="utf-8").partition("stages:\n")
    before = [line.removeprefix("  - ") for line in listed.splitlines()]
    follow_up = re.search(r"^follow_up: (\S+)\n", head, re.MULTILINE)
    if follow_up and follow_up.group(1) not in keys:
        head = head.replace(follow_up.group(0), "", 1)
    path.write_text(head + "stages:\n" + "".join(f"  - {k}\n" for k in keys), encoding="utf-8")
    was_after = {key: previous for previous, key in pairwise(before)}
    for previous, key in pairwise(keys):
        if was_after.get(key) != previous:
            forget_look_backs(program_dir, key)


def forget_look_backs(program_dir: Path, key: str) -> None:
    path = program_dir / "main" / "stages" / f"{key}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(LOOK_BACK_CONDITION.sub("", text), encoding="utf-8")


def next_stage_email_subject(rt: Runtime, sink: SmtpSink, clock: ManualClock,
                             email: str) -> str:
    clock.advance(timedelta(days=8))
    send_due_now(rt)
    return str(sink.to(email)[-1].message["Subject"])


def enrolled_past_welcome(client: TestClient, rt: Runtime, sink: SmtpSink,
                          clock: ManualClock, email: str = ANA) -> int:
    enrol(client, rt, sink, email)
    clock.advance(timedelta(days=1))
    send_due_now(rt)
    return current_version(rt)


def current_version(rt: Runtime) -> int:
    rt.programs.refresh()
    return rt.programs.current("main")[0]


def swap_days(program_dir: Path, first: str, second: str) -> None:
    a, b = (program_dir / "main" / "stages" / f"{k}.md" for k in (first, second))
    day_a, day_b = (re_day(p) for p in (a, b))
    for path, old, new in ((a, day_a, day_b), (b, day_b, day_a)):
        # A stage's subject names its program week (day // 7), so it moves with the day.
        text = path.read_text(encoding="utf-8").replace(f"day: {old}\n", f"day: {new}\n", 1)
        text = text.replace(f'subject: "Week {old // 7}: ', f'subject: "Week {new // 7}: ', 1)
        path.write_text(text, encoding="utf-8")


def re_day(path: Path) -> int:
    line = next(x for x in path.read_text(encoding="utf-8").splitlines()
                if x.startswith("day: "))
    return int(line.removeprefix("day: "))


def swapped_order(rt: Runtime, first: str, second: str) -> list[str]:
    keys = [s.key for s in rt.programs.current("main")[1].stages]
    i, j = keys.index(first), keys.index(second)
    keys[i], keys[j] = keys[j], keys[i]
    return keys
