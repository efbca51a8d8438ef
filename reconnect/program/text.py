"""Turns a stage's Markdown (with editor variables) into email HTML and plain text.

Stage text renders in Jinja2's immutable sandbox with strict undefined, so an editor's
template can neither reach Python internals nor silently print an empty variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markdown_it import MarkdownIt

SAMPLE_VARIABLES: tuple[dict[str, str], ...] = (
    {"first_name": "Sam", "partner_name": "Alex"},
    {"first_name": "Sam", "partner_name": ""},
)

_env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                     keep_trailing_newline=True)
# Raw HTML in editor Markdown is escaped, not passed through: emails stay safe whatever
# a name or a stage file contains.
_markdown = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable("replacements")


@dataclass(frozen=True)
class TemplateProblem:
    line: int | None
    message: str


def check_body(source: str, samples: tuple[dict[str, str], ...]) -> list[TemplateProblem]:
    problems: list[TemplateProblem] = []
    try:
        _compile(source)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(exc.lineno, f"template error: {exc.message}")]
    for variables in samples:
        try:
            rendered = render_source(source, variables)
        except TemplateError as exc:
            names = ", ".join(sorted(SAMPLE_VARIABLES[0]))
            reason = (exc.message or "template error").rstrip(".")
            problems.append(TemplateProblem(None, f"{reason}; the variables a stage may use "
                                                  f"are: {names}"))
            break
        if not rendered.strip():
            problems.append(TemplateProblem(None, "renders to an empty text; write some words"))
            break
    return problems


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _env.from_string(source)


def render_source(source: str, variables: dict[str, str]) -> str:
    return str(_compile(source).render(**variables))


def markdown_to_html(markdown: str) -> str:
    return str(_markdown.render(markdown))


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def markdown_to_text(markdown: str) -> str:
    """Plain text that reads well on its own: headings underlined, markup removed."""
    text = _LINK.sub(r"\1 (\2)", markdown)
    text = _EMPHASIS.sub(r"\2", text)
    text = _HEADING.sub(lambda m: f"{m.group(2)}\n{'-' * len(m.group(2))}", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
