"""Reads a program directory, validates every file, and reports every problem at once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from reconnect.program.model import Manifest, Program, Stage, StageFrontMatter
from reconnect.program.text import TemplateProblem, check_body, stage_samples

M = TypeVar("M", bound=BaseModel)

MANIFEST = "program.yaml"
INVALID: Any = object()
STAGES_DIR = "stages"


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


class ProgramError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_program_files(directory: Path) -> dict[str, str]:
    """The program's files as ``{relative path: text}``: what is hashed and stored."""
    if not (directory / MANIFEST).is_file():
        raise ProgramError([Problem(str(directory), "", f"no {MANIFEST} in this directory")])
    files: dict[str, str] = {}
    problems: list[Problem] = []
    paths = [directory / MANIFEST, *sorted((directory / STAGES_DIR).glob("*.md"))]
    for path in paths:
        rel = path.relative_to(directory).as_posix()
        try:
            files[rel] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(rel, "", f"is not UTF-8 text (byte {exc.start}); "
                                             "save it as UTF-8"))
    if problems:
        raise ProgramError(problems)
    return files


def content_hash(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def load_program_dir(directory: Path) -> Program:
    return parse_program_dir(directory, read_program_files(directory))


def parse_program_dir(directory: Path, files: dict[str, str]) -> Program:
    """Parses files read from ``directory``, whose name must be the program's slug."""
    program = parse_program(files)
    if program.slug != directory.name:
        raise ProgramError([Problem(MANIFEST, "slug", f"is '{program.slug}' but the folder is "
                                    f"'{directory.name}'; make them the same")])
    return program


def parse_program(files: dict[str, str]) -> Program:
    # Editors on Windows save CRLF; the format is defined on plain newlines.
    files = {rel: text.replace("\r\n", "\n") for rel, text in files.items()}
    problems: list[Problem] = []
    manifest = _parse_model(Manifest, _load_yaml(files.get(MANIFEST, ""), MANIFEST, problems),
                            MANIFEST, problems)
    if manifest is None:
        raise ProgramError(problems)
    seen: set[str] = set()
    stages: list[Stage] = []
    for position, key in enumerate(manifest.stages):
        rel = f"{STAGES_DIR}/{key}.md"
        if key in seen:
            problems.append(Problem(MANIFEST, "stages", f"stage '{key}' is listed twice"))
            continue
        seen.add(key)
        if rel not in files:
            problems.append(Problem(MANIFEST, "stages", f"'{key}' is listed but {rel} is missing"))
            continue
        previous = [p.key for p in stages[-1].prompts] if stages else []
        stage = _parse_stage(key, position, rel, files[rel], problems, previous)
        if stage is not None:
            stages.append(stage)
    for rel in sorted(files):
        if rel.startswith(f"{STAGES_DIR}/") and Path(rel).stem not in seen:
            problems.append(Problem(rel, "", f"not listed under stages in {MANIFEST}"))
    for earlier, later in pairwise(stages):
        if later.day <= earlier.day:
            problems.append(Problem(f"{STAGES_DIR}/{later.key}.md", "day",
                                    f"day {later.day} must come after '{earlier.key}' "
                                    f"(day {earlier.day})"))
    if problems:
        raise ProgramError(problems)
    return Program(slug=manifest.slug, title=manifest.title, description=manifest.description,
                   sender_name=manifest.sender_name, safety_note=manifest.safety_note,
                   content_hash=content_hash(files), stages=tuple(stages))


def _parse_stage(key: str, position: int, rel: str, text: str,
                 problems: list[Problem], previous_prompts: list[str]) -> Stage | None:
    if not text.startswith("---\n"):
        problems.append(Problem(rel, "", "must start with a '---' line opening the front matter"))
        return None
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        problems.append(Problem(rel, "", "front matter is not closed by a '---' line"))
        return None
    front = _parse_model(StageFrontMatter, _load_yaml(head, rel, problems, line_offset=1),
                         rel, problems)
    samples = stage_samples(previous_prompts)
    for problem in check_body(body, samples):
        # File line 1 is the opening "---", then the front matter, then the closing "---".
        problems.append(_template_problem(rel, "body", problem, head.count("\n") + 3))
    if front is None:
        return None
    for problem in check_body(front.exercise.text, samples):
        problems.append(_template_problem(rel, "exercise.text", problem, 0))
    return Stage(key=key, position=position, body=body, **front.model_dump(mode="python"))


def _template_problem(rel: str, field: str, problem: TemplateProblem, offset: int) -> Problem:
    where = f"{field} line {problem.line + offset}" if problem.line and offset else field
    return Problem(rel, where, problem.message)


def _load_yaml(text: str, rel: str, problems: list[Problem], line_offset: int = 0) -> Any:
    """The parsed YAML, or ``INVALID`` once the problem has been recorded."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1 + line_offset}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or "is not valid YAML"
        problems.append(Problem(rel, line, f"{reason} (check indentation and quoting)"))
        return INVALID
    if data is None:
        problems.append(Problem(rel, "", "has no fields; fill in the fields the guide lists"))
        return INVALID
    return data


def _parse_model(model: type[M], data: Any, rel: str,
                               problems: list[Problem]) -> M | None:
    if data is INVALID:
        return None
    if not isinstance(data, dict):
        problems.append(Problem(rel, "", "front matter must be a set of 'field: value' lines"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field; check its spelling or remove it"
            elif err["type"] == "missing":
                message = "is required"
            problems.append(Problem(rel, field, message))
        return None
