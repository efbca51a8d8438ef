"""What changed between two versions of a program, stage by stage, in words."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from reconnect.program.model import Program, Prompt, Stage

_MANIFEST_FIELDS = ("title", "description", "sender_name", "safety_note")
_STAGE_FIELDS = ("day", "title", "subject", "preheader", "sign_off")


def describe_changes(old: Program, new: Program) -> list[str]:
    """Lines an editor can read; empty when the two versions say the same thing."""
    lines: list[str] = []
    for name in _MANIFEST_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            lines.append(f"program {name}: {before!r} → {after!r}")
    old_keys = [s.key for s in old.stages]
    new_keys = [s.key for s in new.stages]
    if old_keys != new_keys:
        lines.append(f"order: {' → '.join(old_keys)}")
        lines.append(f"   now: {' → '.join(new_keys)}")
    for stage in new.stages:
        before = old.stage(stage.key)
        if before is None:
            lines.append(f"+ stage '{stage.key}' added at position {stage.position + 1} "
                         f"(day {stage.day}): {stage.subject!r}")
        else:
            changes = list(_stage_changes(before, stage))
            if changes:
                lines.append(f"~ stage '{stage.key}':")
                lines += [f"    {change}" for change in changes]
    lines += [f"- stage '{stage.key}' removed (was position {stage.position + 1}, "
              f"day {stage.day})" for stage in old.stages if new.stage(stage.key) is None]
    return lines


def _stage_changes(old: Stage, new: Stage) -> Iterator[str]:
    if old.position != new.position:
        yield f"moved from position {old.position + 1} to {new.position + 1}"
    for name in _STAGE_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            yield f"{name}: {before!r} → {after!r}"
    if old.exercise.title != new.exercise.title:
        yield f"exercise title: {old.exercise.title!r} → {new.exercise.title!r}"
    yield from _text_changes("exercise text", old.exercise.text, new.exercise.text)
    yield from _prompt_changes(old.prompts, new.prompts)
    yield from _text_changes("body", old.body, new.body)


def _prompt_changes(old: tuple[Prompt, ...], new: tuple[Prompt, ...]) -> Iterator[str]:
    before = {p.key: p for p in old}
    after = {p.key: p for p in new}
    for key, prompt in after.items():
        if key not in before:
            yield f"prompt '{key}' added: {prompt.question!r}"
        elif before[key] != prompt:
            fields = [name for name in type(prompt).model_fields
                      if getattr(before[key], name) != getattr(prompt, name)]
            yield f"prompt '{key}' changed: {', '.join(fields)}"
    for key in before.keys() - after.keys():
        yield f"prompt '{key}' removed"
    if [p.key for p in old if p.key in after] != [p.key for p in new if p.key in before]:
        yield "prompts reordered"


def _text_changes(name: str, old: str, new: str) -> Iterator[str]:
    if old == new:
        return
    yield f"{name}:"
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1)
    for line in list(diff)[2:]:  # the first two lines name the (unnamed) files
        yield f"  {line}"
