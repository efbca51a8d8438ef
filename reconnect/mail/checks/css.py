"""Just enough of CSS to read what an email's styles say: declarations (from style
attributes and rules), rules with their selectors, and at-rules (``@media``) with the
rules inside them. Quotes and parentheses are respected when splitting."""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_IMPORTANT = re.compile(r"\s*!\s*important\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Declaration:
    name: str  # lower case
    value: str  # without "!important"
    important: bool


@dataclass(frozen=True)
class Rule:
    selectors: tuple[str, ...]
    declarations: tuple[Declaration, ...]


@dataclass(frozen=True)
class AtRule:
    name: str  # "media", "font-face", …
    prelude: str  # "(prefers-color-scheme: dark)"
    rules: tuple[Rule, ...]


def has_comments(css: str) -> bool:
    return bool(_COMMENT.search(css))


def split_top_level(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` where it is outside quotes and parentheses."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def declarations(block: str) -> tuple[Declaration, ...]:
    """The declarations of a style attribute or a rule's body, in order."""
    found = []
    for part in split_top_level(_COMMENT.sub("", block), ";"):
        name, colon, value = part.partition(":")
        if not colon or not name.strip():
            continue
        important = bool(_IMPORTANT.search(value))
        found.append(Declaration(name.strip().lower(), _IMPORTANT.sub("", value).strip(),
                                 important))
    return tuple(found)


def stylesheet(css: str) -> tuple[Rule | AtRule, ...]:
    items, _ = _block(_COMMENT.sub("", css), 0)
    return tuple(items)


def _block(css: str, start: int) -> tuple[list[Rule | AtRule], int]:
    """The rules from ``start`` up to the ``}`` closing this block (or the end)."""
    items: list[Rule | AtRule] = []
    index = start
    while index < len(css):
        end = _next(css, index, "{;}")
        prelude = css[index:end].strip()
        if end == len(css) or css[end] == "}":
            return items, end + 1
        if css[end] == ";":  # an at-rule without a block (@import …;)
            if prelude.startswith("@"):
                name, _, rest = prelude[1:].partition(" ")
                items.append(AtRule(name.lower(), rest.strip(), ()))
            index = end + 1
        elif prelude.startswith("@"):
            name, _, rest = prelude[1:].partition(" ")
            inner, index = _block(css, end + 1)
            items.append(AtRule(name.lower(), rest.strip(),
                                tuple(item for item in inner if isinstance(item, Rule))))
        else:
            close = _next(css, end + 1, "}")
            items.append(Rule(tuple(s.strip() for s in split_top_level(prelude, ",")),
                              declarations(css[end + 1:close])))
            index = close + 1
    return items, index


def _next(css: str, start: int, stops: str) -> int:
    """The index of the first of ``stops`` outside quotes at or after ``start``."""
    quote = ""
    for index in range(start, len(css)):
        char = css[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in stops:
            return index
    return len(css)
