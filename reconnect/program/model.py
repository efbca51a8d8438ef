"""The shape of a program, as editors write it in YAML front matter."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# Validation context key: the rules that came after programs were first stored apply.
EDITORIAL = "editorial"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN, max_length=40)]
SCALE_VALUES = ("1", "2", "3", "4", "5")
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _single_line(max_length: int) -> object:
    return StringConstraints(min_length=1, max_length=max_length, pattern=r"^[^\x00-\x1f\x7f]*$")


def _no_encoded_words(value: str) -> str:
    if "=?" in value:
        raise PydanticCustomError(
            "encoded_word", "must not contain '=?' (it could be read as an encoded header word)")
    return value


def _mistake(kind: str, message: str, at: str = "", **context: object) -> PydanticCustomError:
    """A rule broken across several fields. ``at`` is the dotted path, below the object
    being checked, of the field to point the editor at (the loader turns it into a line);
    ``kind`` names the rule, so the loader can add what to do about it."""
    return PydanticCustomError(kind, message, {"at": at, **context})


HEADER_TEXT = AfterValidator(_no_encoded_words)  # text that goes into an email header
SIGN_OFF_LINES = 3
SIGN_OFF_LINE_LENGTH = 60


def _sign_off_lines(value: str) -> str:
    """A sign-off is a few short lines ("Warmly," / "The Reconnect team"), each shown on
    its own line after the questions; trailing blank lines from YAML are dropped."""
    lines = value.strip("\n").split("\n")
    if not 1 <= len(lines) <= SIGN_OFF_LINES or not all(
            0 < len(line.strip()) <= SIGN_OFF_LINE_LENGTH and not CONTROL_CHARS.search(line)
            for line in lines):
        raise PydanticCustomError(
            "sign_off_lines", "must be 1 to {lines} lines of up to {length} characters each, "
            "with no blank line between them",
            {"lines": SIGN_OFF_LINES, "length": SIGN_OFF_LINE_LENGTH})
    return "\n".join(line.strip() for line in lines)


SignOff = Annotated[str, AfterValidator(_sign_off_lines)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    value: Key
    label: Annotated[str, _single_line(40)]


class Prompt(_Strict):
    key: Key
    question: Annotated[str, _single_line(140)]
    kind: Literal["scale", "choice"]
    low_label: Annotated[str, _single_line(30)] | None = None
    high_label: Annotated[str, _single_line(30)] | None = None
    choices: tuple[Choice, ...] = ()
    free_text: bool = False
    shared: bool = False

    @model_validator(mode="after")
    def _answers_fit_kind(self) -> Self:
        if self.kind == "scale":
            if self.choices:
                raise _mistake("choices_on_scale",
                               "a scale prompt takes low_label/high_label, not choices", "choices")
            if not (self.low_label and self.high_label):
                raise _mistake("scale_without_labels",
                               "a scale prompt needs low_label and high_label", "kind")
        else:
            if not 2 <= len(self.choices) <= 5:
                raise _mistake("choice_count", "a choice prompt needs 2 to 5 choices; "
                               "it has {count}", "choices" if self.choices else "kind",
                               count=len(self.choices) or "none")
            values = [c.value for c in self.choices]
            for index, value in enumerate(values):
                if value in values[:index]:
                    raise _mistake("duplicate_choice_value",
                                   "choice value '{value}' is used twice in this prompt",
                                   f"choices.{index}.value", value=value)
            if self.low_label or self.high_label:
                raise _mistake("labels_on_choice",
                               "low_label/high_label belong to scale prompts only",
                               "low_label" if self.low_label else "high_label")
        return self

    @property
    def answers(self) -> tuple[tuple[str, str], ...]:
        """(value, label) pairs in the order they are offered."""
        if self.kind == "scale":
            return tuple((v, v) for v in SCALE_VALUES)
        return tuple((c.value, c.label) for c in self.choices)

    def label_for(self, value: str) -> str | None:
        return dict(self.answers).get(value)


class Exercise(_Strict):
    title: Annotated[str, _single_line(60)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class StageFrontMatter(_Strict):
    day: Annotated[int, Field(ge=0, le=730)]
    title: Annotated[str, _single_line(60)]
    subject: Annotated[str, _single_line(70), HEADER_TEXT]
    preheader: Annotated[str, _single_line(110)]
    exercise: Exercise
    prompts: Annotated[tuple[Prompt, ...], Field(min_length=1, max_length=3)]
    sign_off: SignOff | None = None

    @field_validator("day", mode="before")
    @classmethod
    def _whole_number(cls, value: object, info: ValidationInfo) -> object:
        # YAML gives whole numbers as int: in files an editor writes, "7", 7.5 or yes are
        # mistakes, not days. Versions stored before this rule still load as they did.
        if EDITORIAL in (info.context or {}) and (isinstance(value, bool)
                                                   or not isinstance(value, int)):
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return value

    @model_validator(mode="after")
    def _unique_prompt_keys(self) -> Self:
        keys = [p.key for p in self.prompts]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                raise _mistake("duplicate_prompt_key",
                               "prompt key '{key}' is used by two prompts in this stage",
                               f"prompts.{index}.key", key=key)
        return self


class Stage(_Strict):
    key: Key
    position: int
    day: int
    title: str
    subject: str
    preheader: str
    exercise: Exercise
    prompts: tuple[Prompt, ...]
    body: str
    # Stored versions written before sign-offs had their own field have none.
    sign_off: str | None = None

    def prompt(self, key: str) -> Prompt | None:
        return next((p for p in self.prompts if p.key == key), None)


class Manifest(_Strict):
    slug: Key
    title: Annotated[str, _single_line(80)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    sender_name: Annotated[str, _single_line(40), HEADER_TEXT]
    safety_note: Annotated[str, _single_line(200)]
    stages: Annotated[tuple[Key, ...], Field(min_length=1, max_length=60)]


class Program(_Strict):
    slug: str
    title: str
    description: str
    sender_name: str
    safety_note: str
    content_hash: str
    stages: tuple[Stage, ...]

    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def stage_at(self, position: int) -> Stage | None:
        return self.stages[position] if 0 <= position < len(self.stages) else None
