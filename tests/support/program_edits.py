"""Editing a program copy the way an editor would, and reading what a partner got."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from tests.support.flows import ANA, enrol, send_due_now
from tests.support.smtp import SmtpSink

ACK = "stages/acknowledge.md"
OLD_SUBJECT = "Week 1: putting a name to it"
NEW_SUBJECT = "Week 1: finding the words"


def edit(program_dir: Path, rel: str, old: str, new: str) -> None:
    path = program_dir / "main" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def manifest_stages(program_dir: Path, keys: list[str]) -> None:
    path = program_dir / "main" / "program.yaml"
    head, _, _ = path.read_text(encoding="utf-8").partition("stages:\n")
    path.write_text(head + "stages:\n" + "".join(f"  - {k}\n" for k in keys), encoding="utf-8")


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
