"""Reads a program directory, validates every file, and reports every problem at once:
each with its file, its line where there is one, and what the editor can do about it."""

from __future__ import annotations

import hashlib
import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

from reconnect.program.model import KEY_PATTERN, Manifest, Program, Stage
from reconnect.program.problems import Problem, ProgramError
from reconnect.program.snippets import SNIPPETS_DIR, check_snippets, snippet_texts
from reconnect.program.stage_file import ParsedStage, load_yaml, parse_model, parse_stage
from reconnect.program.text_checks import PreviousStage
from reconnect.program.yaml_lines import YamlText

__all__ = ["MANIFEST", "Problem", "ProgramError", "content_hash", "load_program_dir",
           "parse_program", "parse_program_dir", "read_program_files"]

MANIFEST = "program.yaml"
STAGES_DIR = "stages"
# Names the preview gallery gives its own pages (index.html, .../version, the page of
# the emails other than stages).
RESERVED_KEYS = frozenset({"index", "version", "other-emails"})
BOM = "\ufeff"


def read_program_files(directory: Path) -> dict[str, str]:
    """The program's files as ``{relative path: text}``: what is hashed and stored."""
    files, problems = _read(directory)
    if problems:
        raise ProgramError(problems)
    return files


def content_hash(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def load_program_dir(directory: Path) -> Program:
    """Reads and checks a program folder, reporting a file that is not UTF-8 together
    with every other problem (its text is checked as best it can be read)."""
    files, problems = _read(directory, lossy=True)
    try:
        program = parse_program_dir(directory, files)
    except ProgramError as exc:
        raise ProgramError(problems + exc.problems) from None
    if problems:
        raise ProgramError(problems)
    return program


def program_files(directory: Path) -> list[Path]:
    """The files a program is made of: its manifest, every stage file and every
    snippet."""
    return [directory / MANIFEST, *sorted((directory / STAGES_DIR).glob("*.md")),
            *sorted((directory / SNIPPETS_DIR).glob("*.md"))]


def program_dirs(root: Path) -> list[Path]:
    """The program folders in ``root`` (each holds a manifest), in the order of their
    slugs."""
    return sorted(manifest.parent for manifest in root.glob(f"*/{MANIFEST}"))


def parse_program_dir(directory: Path, files: dict[str, str]) -> Program:
    """Parses files read from ``directory``, whose name must be the program's slug, with
    every check an edited program must pass."""
    return _parse(files, directory.name, editorial=True)


def parse_program(files: dict[str, str], *, editorial: bool = False) -> Program:
    """Parses a program's files. By default, as a stored version is read back: checks
    added for editors since (links, visible words, repeated YAML keys) are left out, so
    a version partners are pinned to keeps loading. ``editorial=True`` applies them."""
    return _parse(files, None, editorial=editorial)


def _read(directory: Path, *, lossy: bool = False) -> tuple[dict[str, str], list[Problem]]:
    if not (directory / MANIFEST).is_file():
        raise ProgramError([Problem(str(directory), "", f"no {MANIFEST} in this folder",
                                    fix="check the program folder, e.g. program/main")])
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for path in program_files(directory):
        rel, raw = path.relative_to(directory).as_posix(), path.read_bytes()
        try:
            files[rel] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            problems.append(Problem(rel, "", f"is not UTF-8 text: byte {exc.start} "
                                             f"({raw[exc.start]:#04x}) cannot be read", line,
                                    "save the file as UTF-8 (most editors offer it under "
                                    "'Save as' or 'Encoding')"))
            if lossy:
                files[rel] = raw.decode("utf-8", errors="replace")
    return files, problems


def _parse(files: dict[str, str], folder: str | None, *, editorial: bool) -> Program:
    # Editors on Windows save CRLF, and some editors a byte order mark; the format is
    # defined on plain newlines, without one.
    files = {rel: text.removeprefix(BOM).replace("\r\n", "\n") for rel, text in files.items()}
    problems: list[Problem] = []
    doc = load_yaml(files.get(MANIFEST, ""), MANIFEST, 1, problems, editorial)
    manifest = parse_model(Manifest, doc, MANIFEST, problems, "the manifest")
    if doc is None:
        raise ProgramError(problems)
    fields = doc.data if isinstance(doc.data, dict) else {}
    slug = manifest.slug if manifest else fields.get("slug")
    if folder is not None and isinstance(slug, str) and slug != folder:
        problems.append(Problem(MANIFEST, "slug", f"is '{slug}' but the folder is "
                                f"'{folder}'", doc.line_of(("slug",)),
                                "make them the same: change the slug or rename the folder"))
    listed: dict[str, int | None] = {}
    parsed: list[tuple[str, ParsedStage]] = []
    previous: PreviousStage | None = None
    keys, all_listed = _stage_keys(manifest, fields)
    for position, key in enumerate(keys):
        rel, line = f"{STAGES_DIR}/{key}.md", doc.line_of(("stages", position))
        if key in listed:
            problems.append(Problem(MANIFEST, "stages", f"stage '{key}' is listed twice "
                                    f"(also on line {listed[key]})", line,
                                    "remove one of the two lines"))
            continue
        listed[key] = line
        if editorial and key in RESERVED_KEYS:
            problems.append(Problem(MANIFEST, "stages", f"'{key}' cannot be a stage key: the "
                                    "preview gallery uses that name for its own page", line,
                                    f"rename {rel} and its line here, e.g. to '{key}-stage'"))
            continue
        if rel not in files:
            problems.append(Problem(MANIFEST, "stages", f"'{key}' is listed but {rel} is "
                                    "missing", line, f"create {rel}, or remove '{key}' from "
                                    "the list (check the spelling of both)"))
            previous = PreviousStage(key, None)
            continue
        result = parse_stage(key, position, rel, files[rel], previous, problems, editorial)
        parsed.append((rel, result))
        previous = PreviousStage(key, result.questions, result.multi)
    for rel in sorted(files):
        if all_listed and rel.startswith(f"{STAGES_DIR}/") and Path(rel).stem not in listed:
            problems.append(Problem(rel, "", f"not listed under stages in {MANIFEST}",
                                    fix=f"add '  - {Path(rel).stem}' to stages in {MANIFEST} "
                                        "where it belongs, or move the file out of stages/"))
    checked = [(rel, p.stage, p.doc) for rel, p in parsed if p.stage is not None]
    _check_days(checked, problems)
    if editorial:
        _check_weeks(checked, manifest.follow_up if manifest else None, problems)
        if manifest is not None and manifest.follow_up is not None:
            _check_follow_up(checked, manifest.follow_up, problems)
    stages = tuple(p.stage for _, p in parsed if p.stage is not None)
    check_snippets(files, stages, problems, editorial=editorial)
    if problems or manifest is None:
        raise ProgramError(problems)
    return Program(slug=manifest.slug, title=manifest.title, description=manifest.description,
                   sender_name=manifest.sender_name, safety_note=manifest.safety_note,
                   content_hash=content_hash(files), stages=stages,
                   discreet=manifest.discreet, follow_up=manifest.follow_up,
                   snippets=snippet_texts(files))


def _stage_keys(manifest: Manifest | None, fields: dict[Any, Any]) -> tuple[list[str], bool]:
    """The stages to check, even when other manifest fields have problems, and whether
    that is the whole list (so a file missing from it is worth reporting). A listed key
    that is not valid is reported already, so it is left out."""
    if manifest is not None:
        return list(manifest.stages), True
    listed = fields.get("stages")
    if not isinstance(listed, list):
        return [], False
    keys = [key for key in listed if isinstance(key, str) and re.fullmatch(KEY_PATTERN, key)]
    return keys, len(keys) == len(listed)


def _check_days(stages: list[tuple[str, Stage, YamlText | None]],
                problems: list[Problem]) -> None:
    for (_, before, _), (rel, stage, doc) in pairwise(stages):
        if stage.day <= before.day:
            problems.append(Problem(rel, "day", f"day {stage.day} must come after "
                                    f"'{before.key}' (day {before.day})",
                                    doc.line_of(("day",)) if doc else None,
                                    f"use a day after {before.day}, or move the stage in the "
                                    f"stages list of {MANIFEST}"))


# A follow-up comes about a month after the last regular stage: "review them in a month".
FOLLOW_UP_GAP_DAYS = 28


def _check_weeks(stages: list[tuple[str, Stage, YamlText | None]], follow_up: str | None,
                 problems: list[Problem]) -> None:
    """Every stage after the first is named "Week N" everywhere, N = day // 7; its
    subject says so first. The follow-up, a month on, is not a program week."""
    for rel, stage, doc in stages:
        prefix = f"Week {stage.week}: "
        if stage.position == 0 or stage.key == follow_up or stage.subject.startswith(prefix):
            continue
        problems.append(Problem(rel, "subject", f"must start with '{prefix}' (day "
                                f"{stage.day} is in week {stage.week}: the day divided by "
                                "7), as the step is named everywhere else",
                                doc.line_of(("subject",)) if doc else None,
                                f"begin the subject with '{prefix}', or change the day"))


def _check_follow_up(stages: list[tuple[str, Stage, YamlText | None]], follow_up: str,
                     problems: list[Problem]) -> None:
    if len(stages) < 2 or stages[-1][1].key != follow_up:
        return  # not last, or has problems of its own: reported already
    (_, before, _), (rel, stage, doc) = stages[-2], stages[-1]
    if stage.day - before.day < FOLLOW_UP_GAP_DAYS:
        problems.append(Problem(rel, "day", f"the follow-up is on day {stage.day}, "
                                f"{stage.day - before.day} days after '{before.key}'; it "
                                f"comes at least {FOLLOW_UP_GAP_DAYS} days after the last "
                                "regular stage", doc.line_of(("day",)) if doc else None,
                                f"use day {before.day + FOLLOW_UP_GAP_DAYS} or later"))
