"""Checks one stage text (a body, or an exercise's text) the way it will be sent: it is a
template that compiles, reads only questions the previous stage asked, prints only what
a stage may print, and renders for every kind of reader to words with working links."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError

from reconnect.program.text import (
    SAMPLE_VARIABLES,
    link_problem,
    links_in,
    render_source,
    stage_samples,
    template_tree,
    visible_text,
)

NAMES = ", ".join(sorted(SAMPLE_VARIABLES[0]))
SYNTAX_FIX = ("close every '{{' with '}}' and every '{%' with '%}', and end each {% if %} "
              "with {% endif %}")
NAMES_FIX = (f"a stage can print {NAMES.replace(', previous', '')} and previous.<question>, "
             "and test them with {% if %} … {% else %} … {% endif %}")


@dataclass(frozen=True)
class TemplateProblem:
    line: int | None  # a line of the text itself, counting from 1
    message: str
    fix: str = ""


@dataclass(frozen=True)
class PreviousStage:
    """The stage before the one being checked: what ``previous.<question>`` may name."""
    key: str
    questions: tuple[str, ...] | None  # None: not known, that stage has problems itself
    multi: tuple[str, ...] = ()  # the questions answered with a list of choices


def check_text(source: str, previous: PreviousStage | None, *, editorial: bool = True,
               snippet: bool = False) -> list[TemplateProblem]:
    """Every problem of one text. ``editorial`` adds the checks that came after programs
    were first stored (visible words, links), which stored versions are not held to.
    A ``snippet`` is shown in many stages, so it reads no stage's answers."""
    try:
        tree = template_tree(source)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(exc.lineno, f"template error: {exc.message}", SYNTAX_FIX)]
    problems = _unknown_questions(tree, previous, snippet)
    if problems:
        return problems
    found: dict[str, TemplateProblem] = {}
    for variables in _samples(previous):
        try:
            rendered = render_source(source, variables)
        except Exception as exc:  # an editor's template may fail in any way
            problem = _render_problem(exc, previous)
            found.setdefault(problem.message, problem)
            break
        if not rendered.strip() or (editorial and not visible_text(rendered)):
            problem = _no_words(rendered, variables)
            found.setdefault(problem.message, problem)
            break
        if editorial:
            for problem in _link_problems(source, rendered):
                found.setdefault(problem.message, problem)
    return list(found.values())


def _samples(previous: PreviousStage | None) -> tuple[dict[str, object], ...]:
    if previous is not None and previous.questions is None:
        # Any question reads as unanswered until the previous stage is fixed.
        return tuple({**s, "previous": defaultdict(str)} for s in SAMPLE_VARIABLES)
    return stage_samples(previous.questions or () if previous else (),
                         previous.multi if previous else ())


def _unknown_questions(tree: nodes.Template, previous: PreviousStage | None,
                       snippet: bool = False) -> list[TemplateProblem]:
    problems: dict[str, TemplateProblem] = {}
    for question, line in _previous_reads(tree):
        if snippet:
            problems.setdefault(question, TemplateProblem(
                line, f"uses previous.{question}, but a snippet is shown in many stages, "
                      "so it cannot read one stage's answers",
                "remove the condition, or put the block in the stage file itself"))
        elif previous is None:
            problems.setdefault(question, TemplateProblem(
                line, f"uses previous.{question}, but this is the first stage: there is no "
                      "previous stage whose answers it could read",
                "remove the condition, or move the block to a later stage"))
        elif previous.questions is not None and question not in previous.questions:
            asked = ", ".join(previous.questions)
            problems.setdefault(question, TemplateProblem(
                line, f"previous.{question} is not a question of the previous stage, "
                      f"'{previous.key}'; its questions are: {asked}",
                "use one of those question keys (check the spelling), or remove the "
                "condition"))
    return list(problems.values())


def _previous_reads(tree: nodes.Template) -> Iterator[tuple[str, int]]:
    """(question, line) for each ``previous.question`` or ``previous["question"]``."""
    called = {id(call.node) for call in tree.find_all(nodes.Call)}  # previous.get(…)
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if id(node) in called:
            continue
        if isinstance(node, nodes.Getattr) and _is_previous(node.node):
            yield node.attr, node.lineno
        elif isinstance(node, nodes.Getitem) and _is_previous(node.node) \
                and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            yield node.arg.value, node.lineno


def _is_previous(node: nodes.Expr) -> bool:
    return isinstance(node, nodes.Name) and node.name == "previous"


def _render_problem(exc: Exception, previous: PreviousStage | None) -> TemplateProblem:
    line = _template_line(exc)
    if isinstance(exc, SecurityError):
        reason = str(exc.message or exc).rstrip(".")
        return TemplateProblem(line, f"uses something a stage may not use ({reason}): "
                                     "stages can only print the "
                                     "listed variables", f"remove it; {NAMES_FIX}")
    if isinstance(exc, TemplateError):
        reason = (exc.message or "template error").rstrip(".")
        if previous is None:
            asked = "none: this is the first stage"
        else:
            asked = ", ".join(previous.questions) if previous.questions is not None \
                else f"not known until '{previous.key}' is fixed"
        return TemplateProblem(line, f"{reason}; the variables a stage may use are: {NAMES} "
                                     f"(previous.<question>, for the previous stage's "
                                     f"questions: {asked})",
                               "check the spelling of the name, or remove it")
    return TemplateProblem(line, f"cannot be filled in: {type(exc).__name__}: {exc}",
                           f"simplify it; {NAMES_FIX}")


def _template_line(exc: BaseException) -> int | None:
    """The template line the error happened on: Jinja rewrites tracebacks so a frame
    for the template carries its line."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _no_words(rendered: str, variables: dict[str, object]) -> TemplateProblem:
    fix = "write some words, outside any {% if %} block or in both its branches"
    if not rendered.strip():
        return TemplateProblem(None, f"renders to an empty text {_reader(variables)}", fix)
    return TemplateProblem(None, f"shows no words {_reader(variables)}: it has only markup, "
                                 "such as a '---' line or a '[//]: # (…)' note", fix)


def _link_problems(source: str, rendered: str) -> Iterator[TemplateProblem]:
    targets = links_in(rendered)
    for target in targets:
        problem = link_problem(target)
        if problem is not None:
            yield TemplateProblem(_line_of_link(source, target), *problem)


def _line_of_link(source: str, target: str) -> int | None:
    escaped = re.escape(target)
    written = re.search(rf"\]\(\s*<?{escaped}|^\s*\[[^\]]+\]:\s*<?{escaped}|<{escaped}>",
                        source, re.MULTILINE)
    return source.count("\n", 0, written.start()) + 1 if written else None


def _reader(variables: dict[str, object]) -> str:
    """Which sample reader a problem showed up for, in the editor's words."""
    partner = f"role is {variables.get('role')}, partner is {variables.get('partner')}, " + \
        ("partner_name is empty" if not variables.get("partner_name")
         else "partner_name is given")
    answers = variables.get("previous")
    if isinstance(answers, dict) and answers and not isinstance(answers, defaultdict):
        answer = next(iter(answers.values()))
        partner += ", previous questions " + (f"answered {answer}" if answer
                                              else "unanswered")
    return f"(for a reader when {partner})"
