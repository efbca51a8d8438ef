"""The CSS features a style attribute or ``<style>`` block uses, named as caniemail
names them: properties (``padding-left`` is "css-padding"), values (units, functions,
``!important``), selectors and at-rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reconnect.mail.checks.css import AtRule, Declaration, Rule, has_comments, stylesheet


@dataclass(frozen=True)
class Use:
    feature: str  # caniemail's slug
    where: str


_SILENT_PROPERTIES = {"color", "font-family"}
_BOX = {"border": "css-border", "padding": "css-padding", "margin": "css-margin"}
_UNITS = {"%": "percent"}
_VALUE_TOKEN = re.compile(r"[-+]?\d*\.?\d+(%|[a-z]+)?|[a-z-]+\(|#[0-9a-f]+|[a-z-]+",
                          re.IGNORECASE)
_SELECTOR_TOKEN = re.compile(r"\s*([>+~])\s*|\s+|::?[\w-]+|[.#][\w-]+|\[[^\]]*\]|\*|[\w-]+")
_MEDIA_FEATURES = {"prefers-color-scheme": "css-at-media-prefers-color-scheme",
                   "prefers-reduced-motion": "css-at-media-prefers-reduced-motion",
                   "orientation": "css-at-media-orientation", "hover": "css-at-media-hover",
                   "any-hover": "css-at-media-hover",
                   "-webkit-device-pixel-ratio": "css-at-media-device-pixel-ratio"}


def stylesheet_uses(css: str) -> Iterator[Use]:
    if has_comments(css):
        yield Use("css-comments", "<style>")
    for item in stylesheet(css):
        if isinstance(item, AtRule):
            where = f"@{item.name} {item.prelude}".strip()
            yield Use(f"css-at-{item.name}", where)
            for feature, slug in _MEDIA_FEATURES.items():
                if item.name == "media" and re.search(rf"\(\s*{feature}\b", item.prelude):
                    yield Use(slug, where)
            for rule in item.rules:
                yield from _rule_uses(rule, f"{where} {{ {', '.join(rule.selectors)} }}")
        else:
            yield from _rule_uses(item, f"<style> {', '.join(item.selectors)}")


def _rule_uses(rule: Rule, where: str) -> Iterator[Use]:
    if len(rule.selectors) > 1:
        yield Use("css-selector-grouping", where)
    for selector in rule.selectors:
        for feature in selector_features(selector):
            yield Use(feature, where)
    for declaration in rule.declarations:
        yield from declaration_uses(declaration, where)


def selector_features(selector: str) -> list[str]:
    found: list[str] = []
    simple_in_compound = 0
    for match in _SELECTOR_TOKEN.finditer(selector.strip()):
        token = match.group(0)
        if not token.strip() or match.group(1):
            combinator = match.group(1) or " "
            found.append({" ": "css-selector-descendant", ">": "css-selector-child",
                          "+": "css-selector-adjacent-sibling",
                          "~": "css-selector-general-sibling"}[combinator])
            simple_in_compound = 0
            continue
        simple_in_compound += 1
        if simple_in_compound == 2:
            found.append("css-selector-chaining")
        found.append(_simple_selector(token))
    return found


def _simple_selector(token: str) -> str:
    if token.startswith("::"):
        return f"css-pseudo-element-{token[2:]}"
    if token.startswith(":"):
        return f"css-pseudo-class-{token[1:]}"
    return {".": "css-selector-class", "#": "css-selector-id", "[": "css-selector-attribute",
            "*": "css-selector-universal"}.get(token[0], "css-selector-type")


def declaration_uses(declaration: Declaration, where: str) -> Iterator[Use]:
    name, value = declaration.name, declaration.value
    where = f"{where}: {name}"
    if name.startswith("mso-"):
        return
    if name not in _SILENT_PROPERTIES:
        yield Use(property_feature(name, value), where)
    if declaration.important:
        yield Use("css-important", where)
    for token in _VALUE_TOKEN.finditer(value):
        text, unit = token.group(0), token.group(1)
        if text.endswith("("):
            yield Use(_function_feature(text[:-1].lower()), where)
        elif unit and text[0] != "#":
            yield Use(f"css-unit-{_UNITS.get(unit, unit.lower())}", where)
        elif text.lower() == "initial":
            yield Use("css-unit-initial", where)


def property_feature(name: str, value: str) -> str:
    if name == "display":
        kind = value.strip().lower()
        return {"none": "css-display-none", "flex": "css-display-flex",
                "grid": "css-display-grid"}.get(kind, "css-display")
    base, _, side = name.partition("-")
    if base in _BOX and (side in ("top", "right", "bottom", "left", "color", "width", "style")
                         or re.fullmatch(r"(top|right|bottom|left)-(color|width|style)", side)):
        return _BOX[base]
    return f"css-{name}"


def _function_feature(name: str) -> str:
    return {"calc": "css-unit-calc", "var": "css-variables", "min": "css-function-min",
            "max": "css-function-max", "clamp": "css-function-clamp",
            "light-dark": "css-function-light-dark", "lab": "css-modern-color",
            "lch": "css-modern-color", "oklab": "css-modern-color",
            "oklch": "css-modern-color"}.get(name, f"css-{name}")
