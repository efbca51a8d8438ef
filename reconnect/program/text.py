"""Turns a stage's Markdown (with editor variables) into email HTML and plain text.

Stage text renders in Jinja2's immutable sandbox with strict undefined, so an editor's
template can neither reach Python internals nor silently print an empty variable.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, Template, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from reconnect.program.audience import AUDIENCES, Audience

# What {{ safety_line }} prints while a text is checked on its own (the program's
# partner-safety snippet is checked as a file of its own).
SAMPLE_SAFETY_LINE = "If it would not be safe to try this with your partner, do it alone."


def _sample(audience: Audience, partner_name: str) -> dict[str, object]:
    return {"first_name": "Sam", "partner_name": partner_name, "role": audience.role,
            "partner": audience.partner, "safety_line": SAMPLE_SAFETY_LINE, "week": 1,
            "previous": {}}


# Every reader a text may have: each audience, with the partner's name where the reader
# knows it (contract: "" when there is no partner), and a partner who left whose row is
# gone (erased) without it too.
SAMPLE_VARIABLES: tuple[dict[str, object], ...] = tuple(
    _sample(audience, "Alex" if audience.has_partner_name else "") for audience in AUDIENCES
) + tuple(_sample(audience, "") for audience in AUDIENCES if audience.partner == "left")


def stage_samples(previous_prompts: Iterable[str], multi: Iterable[str] = ()
                  ) -> tuple[dict[str, object], ...]:
    """What a stage text is checked with: every reader, and the previous stage's questions
    unanswered, answered low and answered high, so a condition on an earlier answer is
    tried every way and a question that does not exist is reported. A multi question's
    answer is a list."""
    keys, lists = list(previous_prompts), set(multi)

    def answers(answer: str) -> dict[str, object]:
        return {key: ([answer] if answer else []) if key in lists else answer
                for key in keys}

    return tuple({**sample, "previous": answers(answer)}
                 for sample in SAMPLE_VARIABLES for answer in ("", "1", "5"))

_env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                     keep_trailing_newline=True)
# Raw HTML in editor Markdown is escaped, not passed through: emails stay safe whatever
# a name or a stage file contains.
_markdown = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable("replacements")


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _env.from_string(source)


def template_tree(source: str) -> nodes.Template:
    """The parsed template; raises TemplateSyntaxError."""
    return _env.parse(source)


def render_source(source: str, variables: Mapping[str, object]) -> str:
    return str(_compile(source).render(**variables))


def markdown_to_html(markdown: str) -> str:
    return str(_markdown.render(markdown))


# Links. An email has no page to be relative to: a link with no scheme (/journey, a file
# name, ../path, #heading) leads nowhere from an inbox, and most inboxes drop in-page
# anchors. The partner's own pages (journey, help, preferences) are linked by the layout.
REFUSED_SCHEMES = ("javascript", "data", "vbscript", "file")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
ALLOWED_LINKS = "full https://… addresses and mailto: addresses"


class _AnyLink(MarkdownIt):
    """Finds every link as written; the renderer drops unsafe ones, the check reports them."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        return True


_link_finder = _AnyLink("commonmark", {"html": False})


def links_in(markdown: str) -> list[str]:
    """The link and image targets in a rendered text, as written."""
    targets: list[str] = []
    for token in _link_finder.parse(markdown):
        for child in token.children or ():
            target = child.attrGet("href") if child.type == "link_open" else \
                child.attrGet("src") if child.type == "image" else None
            if target is not None:
                targets.append(_link_finder.normalizeLinkText(str(target)))
    return targets


def link_problem(target: str) -> tuple[str, str] | None:
    """(what is wrong, the fix) for a link target a stage may not use, else None."""
    scheme = _SCHEME.match(target)
    if scheme is None:
        return (f"links to '{target}', which has no https:// in front, so it leads nowhere "
                f"from an inbox; a stage may link to {ALLOWED_LINKS}",
                "write the full address starting with https:// (the partner's own pages "
                "are linked at the foot of every email already)")
    name = scheme.group(1).lower()
    if name in REFUSED_SCHEMES:
        return (f"links to a {name}: address, which emails must not carry",
                f"remove the link; a stage may link to {ALLOWED_LINKS}")
    if name == "http":
        return (f"links to '{target}' over plain http://", "use https:// instead")
    return None


def visible_text(markdown: str) -> str:
    """The words a reader would see: the rendered HTML without tags."""
    return html.unescape(re.sub(r"<[^>]*>", "", markdown_to_html(markdown))).strip()


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def markdown_to_text(markdown: str) -> str:
    """Plain text that reads well on its own: headings underlined, markup removed."""
    text = _LINK.sub(r"\1 (\2)", markdown)
    text = _EMPHASIS.sub(r"\2", text)
    text = _HEADING.sub(lambda m: f"{m.group(2)}\n{'-' * len(m.group(2))}", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@dataclass(frozen=True)
class RenderedText:
    html: str
    text: str


# Private-use characters: Markdown treats them as plain text, and no stage file has them.
_OPEN, _CLOSE = "\ue000", "\ue001"
_ENCODED_OPEN = "%EE%80%80"  # _OPEN in a URL


def render_markdown(source: str, variables: Mapping[str, object]) -> RenderedText:
    """A stage text as HTML and plain text, with the partner's variables filled in.

    Parsing Markdown is most of the cost of an email, so a text whose only logic is
    printing variables and ``{% if name %}`` on them is parsed once per combination of
    empty and non-empty values, with a marker where each value goes; the values are put
    in afterwards (escaped for HTML as Markdown would). Names are therefore always shown
    as written, never read as Markdown. Texts with other logic are rendered in full."""
    names = _simple_variables(source)
    if names is not None and names <= variables.keys():
        given = frozenset(name for name in names if variables[name])
        template = _with_slots(source, given)
        if template is not None:
            return _fill(template, {name: str(variables[name]) for name in names})
    markdown = render_source(source, variables)
    return RenderedText(markdown_to_html(markdown), markdown_to_text(markdown))


@lru_cache(maxsize=1024)
def _with_slots(source: str, given: frozenset[str]) -> RenderedText | None:
    names = _simple_variables(source) or frozenset()
    markdown = render_source(source, {name: f"{_OPEN}{name}{_CLOSE}" if name in given else ""
                                      for name in names})
    html = markdown_to_html(markdown)
    if _ENCODED_OPEN in html.upper():
        # A marker inside a link target, percent-encoded: values there need a full render.
        return None
    return RenderedText(html, markdown_to_text(markdown))


@lru_cache(maxsize=512)
def _simple_variables(source: str) -> frozenset[str] | None:
    """The variables a template prints or tests, if that is all the logic it has."""
    names: set[str] = set()
    return frozenset(names) if _only_simple(_env.parse(source).body, names) else None


def _only_simple(body: Sequence[nodes.Node], names: set[str]) -> bool:
    for node in body:
        if isinstance(node, nodes.Output):
            if not _only_simple(node.nodes, names):
                return False
        elif isinstance(node, nodes.If) and isinstance(node.test, nodes.Name):
            names.add(node.test.name)
            if node.elif_ or not (_only_simple(node.body, names)
                                  and _only_simple(node.else_, names)):
                return False
        elif isinstance(node, nodes.Name):
            names.add(node.name)
        elif not isinstance(node, nodes.TemplateData):
            return False
    return True


def _fill(template: RenderedText, variables: dict[str, str]) -> RenderedText:
    html, text = template.html, template.text
    for name, value in variables.items():
        slot = f"{_OPEN}{name}{_CLOSE}"
        html, text = html.replace(slot, escapeHtml(value)), text.replace(slot, value)
    return RenderedText(html, text)
