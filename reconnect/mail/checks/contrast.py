"""Every piece of visible text in an email against the background behind it, in four
colour modes, each held to WCAG's 4.5:1:

- light: the email as designed (inline styles);
- dark: with the ``prefers-color-scheme: dark`` rules (Apple Mail, Outlook for macOS and
  iOS, Outlook.com);
- full inversion: every colour's lightness mirrored, as Gmail for iOS and Outlook for
  Windows recolour an email in dark mode;
- partial inversion: light backgrounds darkened and dark text lightened, the rest left,
  as Gmail for Android recolours.

The two inversions are applied to the light design, as those clients ignore our dark
rules (see :mod:`.colors` for the model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from reconnect.mail.checks.cascade import Cascade, UnreadableStyles
from reconnect.mail.checks.colors import (
    RGB,
    contrast_ratio,
    invert_lightness,
    lightness,
    parse_color,
    to_hex,
)
from reconnect.mail.checks.html_tree import Document, Element

MIN_RATIO = 4.5  # WCAG 2 AA for body text
CANVAS: RGB = (1.0, 1.0, 1.0)  # what shows where nothing sets a background
LINK_BLUE: RGB = (0.0, 0.0, 0.933)  # a browser's link colour, where a link sets none
_INVISIBLE = "\u034f\u200b\u200c\u200d\u00a0\ufeff \t\r\n"
_NOT_SHOWN = {"head", "style", "title", "script"}


class Mode(StrEnum):
    LIGHT = "light"
    DARK = "dark"
    INVERTED = "full inversion"
    PARTLY_INVERTED = "partial inversion"


@dataclass(frozen=True)
class Pair:
    where: str
    text: str
    color: str
    background: str
    ratio: float


@dataclass(frozen=True)
class ModeResult:
    mode: Mode
    pairs: tuple[Pair, ...]  # lowest ratio first

    @property
    def lowest(self) -> Pair | None:
        return self.pairs[0] if self.pairs else None

    @property
    def failing(self) -> tuple[Pair, ...]:
        return tuple(p for p in self.pairs if p.ratio < MIN_RATIO)


@dataclass(frozen=True)
class ContrastReport:
    modes: tuple[ModeResult, ...]

    @property
    def ok(self) -> bool:
        return not any(result.failing for result in self.modes)

    def problems(self) -> list[str]:
        return [f"{r.mode}: {p.text!r} in {p.where} is {p.color} on {p.background}, "
                f"{p.ratio:.2f}:1 (at least {MIN_RATIO}:1 needed)"
                for r in self.modes for p in r.failing]


def check_contrast(doc: Document) -> ContrastReport:
    cascade = Cascade(doc)
    light = list(_pairs(doc, cascade, dark=False))
    dark = list(_pairs(doc, cascade, dark=True))
    return ContrastReport((
        _result(Mode.LIGHT, light, lambda fg, bg: (fg, bg)),
        _result(Mode.DARK, dark, lambda fg, bg: (fg, bg)),
        _result(Mode.INVERTED, light,
                lambda fg, bg: (invert_lightness(fg), invert_lightness(bg))),
        _result(Mode.PARTLY_INVERTED, light, _partly_inverted),
    ))


def _partly_inverted(fg: RGB, bg: RGB) -> tuple[RGB, RGB]:
    return (invert_lightness(fg) if lightness(fg) < 50 else fg,
            invert_lightness(bg) if lightness(bg) > 50 else bg)


def _result(mode: Mode, pairs: list[tuple[Element, str, RGB, RGB]],
            recolour: Callable[[RGB, RGB], tuple[RGB, RGB]]) -> ModeResult:
    seen: dict[tuple[str, str, str, str], Pair] = {}
    for element, text, fg, bg in pairs:
        fg, bg = recolour(fg, bg)
        pair = Pair(element.describe(), text[:60], to_hex(fg), to_hex(bg),
                    contrast_ratio(fg, bg))
        seen.setdefault((pair.where, pair.text, pair.color, pair.background), pair)
    return ModeResult(mode, tuple(sorted(seen.values(), key=lambda p: p.ratio)))


def _pairs(doc: Document, cascade: Cascade, *, dark: bool
           ) -> Iterator[tuple[Element, str, RGB, RGB]]:
    for element in doc.elements():
        text = " ".join(element.own_text().split()).strip(_INVISIBLE)
        if not text or not _shown(element):
            continue
        yield element, text, _colour(cascade, element, dark), _background(cascade, element,
                                                                           dark)


def _shown(element: Element) -> bool:
    for node in (element, *element.ancestors()):
        if node.tag in _NOT_SHOWN:
            return False
        if any(d.name == "display" and d.value.strip().lower() == "none" for d in node.style):
            return False
    return True


def _colour(cascade: Cascade, element: Element, dark: bool) -> RGB:
    for node in (element, *element.ancestors()):
        value = cascade.value(node, ("color",), dark)
        if value is not None:
            return _read(value, node)
        if node.tag == "a":
            return LINK_BLUE  # a link shows the browser's colour unless it sets its own
    return (0.0, 0.0, 0.0)


def _background(cascade: Cascade, element: Element, dark: bool) -> RGB:
    for node in (element, *element.ancestors()):
        value = cascade.value(node, ("background-color", "background"), dark)
        if value is not None and value.strip().lower() != "transparent":
            return _read(value, node)
    return CANVAS


def _read(value: str, node: Element) -> RGB:
    colour = parse_color(value)
    if colour is None:
        raise UnreadableStyles(f"{node.describe()}: cannot read the colour '{value}' "
                               "(write #rrggbb)")
    return colour
