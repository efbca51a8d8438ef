"""A field mistake in plain words, and what the editor can do about it.

Pydantic names the rule that failed ("string_too_long"); an editor needs what it means
and the fix ("is 82 characters; inboxes cut subjects after about 70", "shorten it").
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches

from pydantic_core import ErrorDetails

from reconnect.program.model import (
    KEY_PATTERN,
    Choice,
    Discreet,
    Exercise,
    Manifest,
    Prompt,
    SoloExercise,
    StageFrontMatter,
)

Loc = tuple[str | int, ...]

FIELD_NAMES = sorted({name for model in (Manifest, StageFrontMatter, Exercise, Prompt, Choice,
                                              SoloExercise, Discreet)
                      for name in model.model_fields})

# The rules model.py checks across several fields, by the kind it raises them with.
FIXES = {
    "encoded_word": "remove the '=?' (for example write '= ?' instead)",
    "choices_on_scale": "remove the choices, or change kind to choice",
    "scale_without_labels": "add low_label and high_label (the words shown for 1 and 5), or "
                            "change kind to choice",
    "choice_count": "give it 2 to 5 choices (a multi prompt 2 to 6), each a '- value: …' "
                    "line with a 'label: …' line under it",
    "duplicate_choice_value": "give each choice its own value",
    "labels_on_choice": "remove low_label and high_label, or change kind to scale",
    "duplicate_prompt_key": "give each prompt its own key (answers are stored under it)",
    "partner_exercise_without_solo":
        "add 'solo:' under exercise, with its own 'title:' and 'text: |', the version to do "
        "alone (people whose partner has not joined, or who would rather, get it), or set "
        "involves_partner to false",
    "partner_exercise_without_safety_line":
        "add a line with {{ safety_line }} to the exercise text where the reader first "
        "meets the partner part (it prints the program's snippets/partner-safety.md), or "
        "set involves_partner to false",
    "unknown_answer": "use the value of one of the prompt's answers (for a scale, \"1\" to "
                      "\"5\" in quotes), and check the spelling",
    "follow_up_not_last": "list the follow-up stage last under stages, after the last "
                          "regular stage, or remove follow_up",
    "sign_off_lines": "write it as 'sign_off: |' with each line indented below it, e.g. "
                      "'Warmly,' then 'The Reconnect team'",
}

LISTS = {  # what a list field holds, and how one item is written
    "prompts": ("prompts", "'- key: …' (the prompt's other fields lined up under 'key')"),
    "stages": ("stage keys", "'- ' and the key, like '- welcome'"),
    "choices": ("choices", "'- value: …' ('label: …' lined up under 'value')"),
}
RANGES = {"prompts": "a stage asks 1 to 3 questions", "stages": "a program has 1 to 60 stages",
          "choices": "a choice prompt offers 2 to 5 answers, a multi prompt 2 to 6"}


@dataclass(frozen=True)
class FieldMistake:
    loc: Loc  # where in the YAML, e.g. ("prompts", 0, "kind")
    message: str
    fix: str

    @property
    def field(self) -> str:
        return ".".join(str(part) for part in self.loc)


def explain(err: ErrorDetails) -> FieldMistake | None:
    """The mistake, or None for an error that only repeats another (a list reported
    "too short" because its items failed)."""
    ctx = err.get("ctx") or {}
    loc: Loc = tuple(err["loc"]) + _parts(str(ctx.get("at", "")))
    kind, value = err["type"], err["input"]
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if kind in ("too_short", "too_long") and isinstance(value, list | tuple) \
            and ctx.get("actual_length") != len(value):
        return None
    if kind in FIXES:
        return FieldMistake(loc, err["msg"], FIXES[kind])
    message, fix = _plain(kind, name, loc, value, ctx)
    return FieldMistake(loc, message, fix) if message else \
        FieldMistake(loc, err["msg"], "see the guide for what this field holds")


def _plain(kind: str, name: str, loc: Loc, value: object,
           ctx: dict[str, object]) -> tuple[str, str]:
    if kind == "missing":
        parent = ".".join(str(p) for p in loc[:-1])
        where = f" to {parent}, lined up with its other fields" if parent else ""
        return "is required", f"add a '{name}: …' line{where} (the guide says what it holds)"
    if kind == "extra_forbidden":
        close = get_close_matches(name, FIELD_NAMES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown field '{name}'", f"{hint}check its spelling against the guide, " \
                                          "or remove it"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number, not {_show(value)}", \
            "write a whole number such as 7, without quotes"
    if kind == "greater_than_equal":
        return f"is {value}; it must be {ctx['ge']} or more", f"use {ctx['ge']} or more"
    if kind == "less_than_equal":
        return f"is {value}; it must be {ctx['le']} or less", f"use {ctx['le']} or less"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false, not {_show(value)}", "write true or false"
    if kind == "literal_error":
        return f"is {_show(value)}; it must be {ctx['expected']}", \
            f"write {ctx['expected']}"
    if kind == "string_type":
        return _not_text(value)
    if kind == "string_too_short":
        return "is empty", "write something here, or remove the field if it is optional"
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "too many"
        if loc == ("subject",):
            return f"is {length} characters; inboxes cut subjects after about 70", \
                "shorten it to 70 characters or fewer"
        return f"is {length} characters; at most {ctx['max_length']} fit here", \
            f"shorten it to {ctx['max_length']} characters or fewer"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == KEY_PATTERN:
            return f"{_show(value)} is not a valid key", \
                "use only lower-case letters, digits and hyphens, starting with a letter " \
                "or digit (like 'time-together')"
        return "must be a single line without tabs or line breaks", \
            "write it on one line (use '>-' only on fields the guide says may be long)"
    if kind in ("tuple_type", "list_type"):
        what, item = LISTS.get(name, ("items", "'- …'"))
        return f"must be a list of {what}", f"put each on its own line below '{name}:', " \
                                            f"indented, starting with {item}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be a group of fields", \
            f"put its fields on the lines below '{name}:', indented by two spaces"
    if kind in ("too_short", "too_long"):
        count = ctx.get("actual_length")
        allowed = RANGES.get(name, f"from {ctx.get('min_length', 0)} to "
                                   f"{ctx.get('max_length', 'any number of')} items")
        change = "add" if kind == "too_short" else "remove"
        return f"has {count} {LISTS.get(name, ('items',))[0]}; {allowed}", \
            f"{change} {LISTS.get(name, ('items',))[0]} to fit"
    return "", ""


def _not_text(value: object) -> tuple[str, str]:
    if isinstance(value, bool):
        return f"reads as {str(value).lower()}, not as text (YAML turns unquoted yes, no, " \
               "on and off into true/false)", "put the text in double quotes"
    if isinstance(value, int | float):
        return f"reads as the number {value}, not as text", "put it in double quotes"
    if value is None:
        return "is empty", "write the text after the colon"
    return "must be text", "write the text after the colon on the same line, in double " \
                           "quotes if it contains a colon"


def _show(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else f"{text[:37]}…'"


def _parts(dotted: str) -> Loc:
    return tuple(int(p) if p.isdigit() else p for p in dotted.split(".") if p)
