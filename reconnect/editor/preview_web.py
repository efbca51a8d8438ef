"""What the web app's preview adds to the gallery: links that carry the chosen sample
reader and answers in the query string, the form that chooses them, and a fingerprint
of a program's files so a page can reload itself when an editor saves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from reconnect.editor.preview import (
    HARMLESS_LINK,
    SAMPLES,
    AnswerLink,
    Sample,
    View,
    describe_answer,
    previous_prompts,
)
from reconnect.editor.preview_emails import PAGE_KEY
from reconnect.program.loader import ProgramError, content_hash, read_program_files
from reconnect.program.model import Program, Stage

PREFIX = "/admin/program"
PREVIOUS = "previous."  # query parameters "previous.<question key>=<answer>"


@dataclass(frozen=True)
class WebLinks:
    slug: str = ""
    program: Program | None = None
    who: Sample = SAMPLES[0]

    def programs(self) -> str | None:
        return PREFIX

    def index(self) -> str:
        return f"{PREFIX}/{quote(self.slug)}/"

    def stage(self, stage: Stage) -> str:
        return self._url(stage, self.who, {})

    def other_emails(self) -> str:
        return f"{PREFIX}/{quote(self.slug)}/{PAGE_KEY}"

    def view(self, stage: Stage, view: View) -> str:
        return self._url(stage, view.sample, view.previous)

    def answer_link(self, stage: Stage) -> AnswerLink:
        after = self.program.stage_at(stage.position + 1) if self.program else None
        if after is None:
            return lambda _key, _value: HARMLESS_LINK
        return lambda key, value: self._url(after, self.who, {key: value})

    def _url(self, stage: Stage, who: Sample, previous: Mapping[str, str]) -> str:
        query = {} if who == SAMPLES[0] else {"partner": who.key}
        query.update((f"{PREVIOUS}{key}", value) for key, value in previous.items() if value)
        path = f"{PREFIX}/{quote(self.slug)}/{quote(stage.key)}"
        return f"{path}?{urlencode(query)}" if query else path


def chosen_answers(query: Mapping[str, str]) -> dict[str, str]:
    return {name.removeprefix(PREVIOUS): value for name, value in query.items()
            if name.startswith(PREVIOUS)}


@dataclass(frozen=True)
class AnswerField:
    key: str
    question: str
    options: tuple[tuple[str, str], ...]  # (value, label), "" first for no answer
    selected: str


@dataclass(frozen=True)
class ChoiceForm:
    action: str
    samples: tuple[Sample, ...]
    sample: Sample
    fields: tuple[AnswerField, ...]


def choice_form(program: Program, stage: Stage, who: Sample,
                previous: Mapping[str, str]) -> ChoiceForm:
    fields = tuple(
        AnswerField(p.key, p.question,
                    (("", "No answer"), *((v, describe_answer(p, v)) for v, _ in p.answers)),
                    previous.get(p.key, ""))
        for p in previous_prompts(program, stage))
    return ChoiceForm(f"{PREFIX}/{quote(program.slug)}/{quote(stage.key)}", SAMPLES, who,
                      fields)


def fingerprint(directory: Path) -> str:
    """The hash of the program's files; if they cannot be read as a program (no manifest,
    not UTF-8), a hash of every file's name, size and modification time instead."""
    try:
        return content_hash(read_program_files(directory))
    except ProgramError:
        pass
    stats: list[tuple[str, int, int]] = []
    for path in sorted(directory.rglob("*")):
        try:
            if path.is_file():
                stat = path.stat()
                stats.append((path.relative_to(directory).as_posix(), stat.st_size,
                              stat.st_mtime_ns))
        except OSError:
            continue  # removed while we looked; the next look sees the change
    return "files-" + hashlib.sha256(json.dumps(stats).encode()).hexdigest()
