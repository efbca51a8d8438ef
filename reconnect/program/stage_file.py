"""Reads one stage file: its front matter (YAML with line numbers) and its texts, and
records each problem with the line of the file it is on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from reconnect.program import yaml_lines
from reconnect.program.mistakes import explain
from reconnect.program.model import EDITORIAL, SIGN_OFF_LINES, Stage, StageFrontMatter
from reconnect.program.problems import Problem
from reconnect.program.text_checks import PreviousStage, TemplateProblem, check_text
from reconnect.program.yaml_lines import YamlSyntaxError, YamlText

M = TypeVar("M", bound=BaseModel)
# Sign-off lines are short ("Until next week,"); a longer last line is a sentence.
SIGN_OFF_SHAPE = 40


@dataclass(frozen=True)
class ParsedStage:
    """A stage file as far as it could be read."""

    stage: Stage | None
    questions: tuple[str, ...] | None  # None when the front matter has problems
    doc: YamlText | None
    multi: tuple[str, ...] = ()  # the questions answered with several choices


def parse_stage(key: str, position: int, rel: str, text: str, previous: PreviousStage | None,
                problems: list[Problem], editorial: bool) -> ParsedStage:
    """Reads the stage file at ``rel``; ``previous`` is the stage before it (None for the
    first), whose questions its texts may read."""
    if not text.startswith("---\n"):
        problems.append(Problem(rel, "", "must start with a '---' line opening the front "
                                "matter", 1, "make the first line of the file '---' alone"))
        return ParsedStage(None, None, None)
    rest = text[4:]
    if rest.startswith("---\n"):  # no front matter at all
        head, closed, body = "", True, rest[4:]
    elif rest.endswith("\n---") and "\n---\n" not in rest:  # no body, no last newline
        head, closed, body = rest[:-4], True, ""
    else:
        head, sep, body = rest.partition("\n---\n")
        closed = bool(sep)
    if not closed:
        problems.append(Problem(rel, "", "front matter is not closed by a '---' line", 1,
                                "add a line with only '---' after the last front matter "
                                "field, before the letter"))
        return ParsedStage(None, None, None)
    # File line 1 is the opening "---", then the front matter, then the closing "---".
    body_offset = (head.count("\n") + 1 if head else 0) + 2
    doc = load_yaml(head, rel, 2, problems, editorial)
    front = parse_model(StageFrontMatter, doc, rel, problems, editorial=editorial)
    for problem in check_text(body, previous, editorial=editorial):
        problems.append(_text_problem(rel, "body", problem,
                                      problem.line + body_offset if problem.line else None))
    if editorial:
        _check_sign_off_in_body(rel, body, body_offset, problems)
    if front is None or doc is None:
        return ParsedStage(None, None, doc)
    for problem in check_text(front.exercise.text, previous, editorial=editorial):
        problems.append(_text_problem(rel, "exercise.text", problem,
                                      _exercise_line(doc, problem.line)))
    if front.exercise.solo is not None:
        for problem in check_text(front.exercise.solo.text, previous, editorial=editorial):
            problems.append(_text_problem(rel, "exercise.solo.text", problem,
                                          _exercise_line(doc, problem.line, "solo")))
    if previous is None:
        _check_no_look_back(rel, front, doc, problems)
    stage = Stage(key=key, position=position, body=body, **front.model_dump(mode="python"))
    return ParsedStage(stage, tuple(p.key for p in front.prompts), doc,
                       tuple(p.key for p in front.prompts if p.kind == "multi"))


def _check_no_look_back(rel: str, front: StageFrontMatter, doc: YamlText,
                        problems: list[Problem]) -> None:
    """The first stage has no week before it to look back on."""
    for index, prompt in enumerate(front.prompts):
        if prompt.looks_back:
            problems.append(Problem(
                rel, f"prompts.{index}.about", "is last-week, but this is the first stage: "
                "there is no earlier exercise to look back on",
                doc.line_of(("prompts", index, "about")),
                "remove the 'about: last-week' line (the question is then about this week), "
                "or move the question to the next stage"))


def _check_sign_off_in_body(rel: str, body: str, body_offset: int,
                            problems: list[Problem]) -> None:
    """A body that ends like a letter ("Warmly," / "The Reconnect team"): in the email
    those lines would come before the exercise and the questions, run into one line."""
    text = body.rstrip()
    last = text.rpartition("\n\n")[2]
    lines = last.split("\n")
    if not (2 <= len(lines) <= SIGN_OFF_LINES and lines[0].rstrip().endswith(",")
            and all(0 < len(line.strip()) <= SIGN_OFF_SHAPE and "{" not in line
                    for line in lines)):
        return
    line = text[:len(text) - len(last)].count("\n") + 1 + body_offset
    shown = " / ".join(repr(line.strip()) for line in lines)
    problems.append(Problem(
        rel, "body", f"its last lines ({shown}) look like a sign-off; in the body they would "
        "come before the exercise and the questions, run together on one line", line,
        "move them into the front matter as 'sign_off: |' with each line indented below it "
        "(the email shows them after the questions, each on its own line)"))


def _exercise_line(doc: YamlText, line: int | None, *within: str) -> int | None:
    """The file line of a line of exercise.text (or exercise.solo.text): exact for a
    ``text: |`` block, whose lines are written as they are; otherwise the line of
    ``text:``."""
    path = ("exercise", *within, "text")
    node = doc.node_at(path)
    if line and isinstance(node, yaml.ScalarNode) and node.style == "|":
        return doc.line_of_node(node) + line
    return doc.line_of(path)


def _text_problem(rel: str, field: str, problem: TemplateProblem, line: int | None
                  ) -> Problem:
    return Problem(rel, field, problem.message, line, problem.fix)


def load_yaml(text: str, rel: str, first_line: int, problems: list[Problem],
              editorial: bool) -> YamlText | None:
    """The parsed YAML, or None once its problem has been recorded."""
    try:
        doc = yaml_lines.load(text, first_line)
    except YamlSyntaxError as exc:
        problems.append(Problem(rel, "", exc.message, exc.line, exc.fix))
        return None
    if doc.data is None:
        problems.append(Problem(rel, "", "has no fields",
                                fix="fill in the fields the guide lists"))
        return None
    if editorial:
        for repeat in yaml_lines.duplicate_keys(doc):
            problems.append(Problem(rel, repeat.field, f"is written twice, on lines "
                                    f"{repeat.first_line} and {repeat.line}; only the last "
                                    "would count", repeat.line,
                                    "keep one of the two and delete the other"))
    return doc


def parse_model(model: type[M], doc: YamlText | None, rel: str, problems: list[Problem],
                what: str = "front matter", *, editorial: bool = True) -> M | None:
    """The model, or None once every problem with its fields has been recorded."""
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.append(Problem(rel, "", f"{what} must be a set of 'field: value' lines",
                                doc.first_line, "write one 'field: value' per line, as the "
                                                "guide shows"))
        return None
    try:
        return model.model_validate(doc.data,
                                    context={EDITORIAL: True} if editorial else None)
    except ValidationError as exc:
        for err in exc.errors():
            mistake = explain(err)
            if mistake is not None:
                problems.append(Problem(rel, mistake.field, mistake.message,
                                        doc.line_of(mistake.loc), mistake.fix))
        return None
