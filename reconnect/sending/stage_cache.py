"""Stage emails rendered once per kind of reader, then filled in for each person.

Rendering a stage email (Jinja, Markdown, CSS inlining) is most of a worker's CPU per
email, yet two readers of the same stage with the same role, partner state, earlier
answers and discreet choice get the same email but for their names and the tokens in
their links. So the email is rendered once with markers where those go, kept, and each
person's copy is the kept one with their values put in, byte for byte what a full render
would give (tests/test_stage_cache.py compares them over every stage and reader).

A copy is rendered in full instead whenever filling in could differ from rendering:
  * a name that is not plain letters, single spaces and hyphens (Markdown's typography
    or HTML escaping could change other characters);
  * a stage text that does more with a name than print it or test whether it is empty
    (a filter, a comparison, an index: ``{{ partner_name|length }}``);
  * any marker left after filling (a text that changed one we did not foresee).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from threading import Lock

from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from reconnect.mail.plain_text import wrap_line
from reconnect.mail.render import RenderedEmail
from reconnect.program.model import Program, Stage

NAMES = ("first_name", "partner_name")
# Where names reach a stage's texts: directly, or inside the partner-safety line.
PERSONAL_VARIABLES = frozenset({*NAMES, "safety_line"})
_OPEN, _CLOSE = "\ue002", "\ue003"  # private use: in no text, kept by every step
_PLAIN_NAME = re.compile(r"[^\W\d_]+(?:[ -][^\W\d_]+)*")
# Tokens are URL-safe Base64 and dots: what quote() and every template leave as it is.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")
_PARSER = SandboxedEnvironment()
CACHE_SIZE = 4096

Draw = Callable[[Mapping[str, str], bool], RenderedEmail]


def _marker(name: str) -> str:
    # Mixed case, so a filter that changes case leaves a marker the fill cannot match.
    return f"{_OPEN}m{name}X{_CLOSE}"


def _token_marker(name: str) -> str:
    return f"RcnMark{name.title().replace('_', '')}Zq"


class StageCache:
    """Kept renders by key (program version, stage, reader); least recently used go."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0
        self.full_renders = 0

    def render(self, key: Hashable, program: Program, stage: Stage,
               names: Mapping[str, str], tokens: Mapping[str, str],
               draw: Draw) -> RenderedEmail:
        """``draw(values, wrap)`` renders the email with ``values`` (names and tokens)
        filled in; ``wrap=False`` leaves its text part unwrapped."""
        values = {**names, **tokens}
        if not (_fillable(program, stage) and all(_plain_name(v) for v in names.values())
                and all(_TOKEN.fullmatch(v) for v in tokens.values())):
            self.full_renders += 1
            return draw(values, True)
        # An empty name takes other branches ("your partner"), so it is part of the key.
        key = (key, tuple(sorted(n for n, v in names.items() if v)))
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is None:
            self.misses += 1
            marks = {n: _marker(n) if v else "" for n, v in names.items()}
            kept = _Kept.of(draw({**marks, **{n: _token_marker(n) for n in tokens}}, False))
            with self._lock:
                self._kept[key] = kept
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        else:
            self.hits += 1
        filled = _fill(kept, names, tokens)
        if filled is None:
            self.full_renders += 1
            return draw(values, True)
        return filled


@dataclass(frozen=True)
class _Kept:
    """A render with markers; its text part as lines, each wrapped already unless it holds
    a marker (wrapping is per line, and a value's length moves where a line breaks)."""

    email: RenderedEmail
    lines: tuple[tuple[str, bool], ...]  # (line, wrapped already)

    @classmethod
    def of(cls, email: RenderedEmail) -> _Kept:
        lines: list[tuple[str, bool]] = []
        for raw in email.text.split("\n"):
            if _has_marker(raw):
                lines.append((raw, False))
            else:
                lines.extend((line, True) for line in wrap_line(raw))
        return cls(email, tuple(lines))


def _has_marker(text: str) -> bool:
    return _OPEN in text or _CLOSE in text or "RcnMark" in text


def _fill(kept: _Kept, names: Mapping[str, str],
          tokens: Mapping[str, str]) -> RenderedEmail | None:
    pairs = [(_marker(n), v) for n, v in names.items() if v] + \
        [(_token_marker(n), v) for n, v in tokens.items()]

    def put(text: str) -> str:
        for mark, value in pairs:
            text = text.replace(mark, value)
        return text

    email = kept.email
    html, subject, preheader = put(email.html), put(email.subject), put(email.preheader)
    text_lines: list[str] = []
    for line, wrapped in kept.lines:
        if wrapped:
            text_lines.append(line)
        else:
            text_lines.extend(wrap_line(put(line)))
    text = "\n".join(text_lines)
    if any(_has_marker(part) for part in (html, text, subject, preheader)):
        return None
    return replace(email, html=html, text=text, subject=subject, preheader=preheader)


def _plain_name(value: str) -> bool:
    return value == "" or _PLAIN_NAME.fullmatch(value) is not None


def _fillable(program: Program, stage: Stage) -> bool:
    texts = [stage.body, stage.exercise.text, *program.snippets.values()]
    if stage.exercise.solo is not None:
        texts.append(stage.exercise.solo.text)
    return all(_names_only_printed(text) for text in texts)


@lru_cache(maxsize=2048)
def _names_only_printed(source: str) -> bool:
    """Whether ``source`` only prints the personal variables or tests them bare
    (``{% if partner_name %}``): then the marker stands for the value exactly."""
    tree = _PARSER.parse(source)
    for node in _users_of_personal(tree):
        if not isinstance(node, (nodes.Output, nodes.If, nodes.Not, nodes.And, nodes.Or,
                                 nodes.CondExpr)):
            return False
    return True


def _users_of_personal(tree: nodes.Node) -> Iterable[nodes.Node]:
    """The direct parent of every use of a personal variable."""
    for parent in tree.find_all(nodes.Node):
        for child in parent.iter_child_nodes():
            if isinstance(child, nodes.Name) and child.name in PERSONAL_VARIABLES:
                if isinstance(parent, nodes.CondExpr) and child is not parent.test:
                    continue  # printed as a branch's value: a plain print
                yield parent
