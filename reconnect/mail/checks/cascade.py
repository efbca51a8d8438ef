"""Which colour and background each element of an email has, in light mode and in dark
mode: inline styles, ``bgcolor``, and the rules of the ``<style>`` block (the
``prefers-color-scheme: dark`` ones only in dark mode), by CSS's own precedence.

The block's selectors are kept simple on purpose (type, class, descendant and child);
one this module cannot evaluate is an error, never silently skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reconnect.mail.checks.css import AtRule, Declaration, Rule, stylesheet
from reconnect.mail.checks.html_tree import Document, Element

COLOUR_PROPERTIES = ("color", "background-color", "background")
_SIMPLE = re.compile(r"^(\*|[a-z][a-z0-9]*)?((?:\.[\w-]+)*)$", re.IGNORECASE)
# Origins, weakest first (CSS Cascade 4): attributes, rules, inline; then !important.
_ATTRIBUTE, _RULE, _INLINE, _IMPORTANT_RULE, _IMPORTANT_INLINE = range(5)


class UnreadableStyles(ValueError):
    """A style the check cannot evaluate (a selector or media query it does not know)."""


@dataclass(frozen=True)
class _Sheet:
    compounds: list[tuple[str, str]]
    specificity: tuple[int, int]
    order: int
    dark_only: bool
    declarations: tuple[Declaration, ...]


class Cascade:
    def __init__(self, doc: Document) -> None:
        self._rules: list[_Sheet] = []
        self._values: dict[tuple[int, tuple[str, ...], bool], str | None] = {}
        for css in doc.style_blocks():
            for item in stylesheet(css):
                if isinstance(item, Rule):
                    self._add(item, dark_only=False)
                elif _is_dark(item):
                    for rule in item.rules:
                        self._add(rule, dark_only=True)
                elif any(d.name in COLOUR_PROPERTIES for r in item.rules
                         for d in r.declarations):
                    raise UnreadableStyles(f"@{item.name} {item.prelude} sets colours; the "
                                           "contrast check reads colours only from "
                                           "prefers-color-scheme: dark")

    def _add(self, rule: Rule, *, dark_only: bool) -> None:
        colours = tuple(d for d in rule.declarations if d.name in COLOUR_PROPERTIES)
        for selector in rule.selectors if colours else ():
            self._rules.append(_Sheet(_compounds(selector), _specificity(selector),
                                      len(self._rules), dark_only, colours))

    def value(self, element: Element, names: tuple[str, ...], dark: bool) -> str | None:
        """The winning value among ``names`` declared on ``element`` itself."""
        key = (id(element), names, dark)
        if key not in self._values:
            self._values[key] = self._winner(element, names, dark)
        return self._values[key]

    def _winner(self, element: Element, names: tuple[str, ...], dark: bool) -> str | None:
        found: list[tuple[tuple[int, int, int, int], str]] = []
        if "background-color" in names and "bgcolor" in element.attrs:
            found.append(((_ATTRIBUTE, 0, 0, 0), element.attrs["bgcolor"]))
        for sheet in self._rules:
            if (dark or not sheet.dark_only) and _match_from(sheet.compounds,
                                                             len(sheet.compounds) - 1, element):
                for d in sheet.declarations:
                    if d.name in names:
                        origin = _IMPORTANT_RULE if d.important else _RULE
                        found.append(((origin, *sheet.specificity, sheet.order), d.value))
        for index, d in enumerate(element.style):
            if d.name in names:
                origin = _IMPORTANT_INLINE if d.important else _INLINE
                found.append(((origin, 0, 0, index), d.value))
        return max(found)[1] if found else None


def _is_dark(rule: AtRule) -> bool:
    if rule.name != "media":
        return False
    query = rule.prelude.replace(" ", "").lower()
    if "prefers-color-scheme" not in query:
        return False
    if query != "(prefers-color-scheme:dark)":
        raise UnreadableStyles(f"@media {rule.prelude}: write it as "
                               "(prefers-color-scheme: dark) alone")
    return True


def _compounds(selector: str) -> list[tuple[str, str]]:
    """(combinator before it, compound) pairs, left to right."""
    parts = re.split(r"\s*(>)\s*|\s+", selector.strip())
    result: list[tuple[str, str]] = []
    combinator = ""
    for part in parts:
        if part is None or part == "":
            continue
        if part == ">":
            combinator = ">"
            continue
        if not _SIMPLE.match(part):
            raise UnreadableStyles(f"selector '{selector}': the contrast check understands "
                                   "type, class, descendant and child selectors only")
        result.append((combinator or (" " if result else ""), part))
        combinator = ""
    return result


def _specificity(selector: str) -> tuple[int, int]:
    classes = types = 0
    for _, compound in _compounds(selector):
        found = _SIMPLE.match(compound)
        assert found is not None
        classes += found.group(2).count(".")
        types += 1 if found.group(1) not in (None, "*") else 0
    return classes, types


def _matches_compound(compound: str, element: Element) -> bool:
    found = _SIMPLE.match(compound)
    assert found is not None
    tag, classes = found.group(1), found.group(2).split(".")[1:]
    return (tag in (None, "*") or tag.lower() == element.tag) and \
        set(classes) <= element.classes


def _match_from(compounds: list[tuple[str, str]], index: int, element: Element) -> bool:
    combinator, compound = compounds[index]
    if not _matches_compound(compound, element):
        return False
    if index == 0:
        return True
    if combinator == ">":
        return element.parent is not None and _match_from(compounds, index - 1,
                                                           element.parent)
    return any(_match_from(compounds, index - 1, ancestor) for ancestor in element.ancestors())
