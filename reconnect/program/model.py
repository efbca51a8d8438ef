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
    # "I don't feel safe doing this": once saved, the page shows help and the exercise's
    # version to do alone, and nothing of it reaches the partner.
    safety: bool = False


# How many answers each kind of prompt offers. A multi prompt lists more, since several
# may apply; more than six is a form, not a question.
CHOICE_COUNTS = {"choice": (2, 5), "multi": (2, 6)}
REPLY_LENGTH = 300
LOW_RATINGS = ("1", "2")  # a scale answer that brings the low-rating block next week
Reply = Annotated[str, StringConstraints(min_length=1, max_length=REPLY_LENGTH)]


class Prompt(_Strict):
    key: Key
    question: Annotated[str, _single_line(140)]
    kind: Literal["scale", "choice", "multi"]
    # last-week: asked first, under "A look back", about the previous week's exercise.
    about: Literal["last-week", "this-week"] = "this-week"
    low_label: Annotated[str, _single_line(30)] | None = None
    high_label: Annotated[str, _single_line(30)] | None = None
    choices: tuple[Choice, ...] = ()
    free_text: bool = False
    shared: bool = False
    # Answers that, once saved, bring the program's support snippet and the help link.
    worrying: tuple[Key, ...] = ()
    # A short word shown after saving an answer, by its value.
    replies: dict[Key, Reply] = Field(default_factory=dict)

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
            low, high = CHOICE_COUNTS[self.kind]
            if not low <= len(self.choices) <= high:
                raise _mistake("choice_count", "a {what} prompt needs {low} to {high} "
                               "choices; it has {count}", "choices" if self.choices else "kind",
                               what=self.kind, low=low, high=high,
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

    @model_validator(mode="after")
    def _answers_named_exist(self) -> Self:
        values = [value for value, _ in self.answers]
        for field, named in (("worrying", list(self.worrying)),
                             ("replies", list(self.replies))):
            for index, value in enumerate(named):
                if value not in values:
                    raise _mistake("unknown_answer", "'{value}' is not one of this prompt's "
                                   "answers ({answers})",
                                   f"{field}.{index}" if field == "worrying" else field,
                                   value=value, answers=", ".join(values))
        return self

    @property
    def answers(self) -> tuple[tuple[str, str], ...]:
        """(value, label) pairs in the order they are offered."""
        if self.kind == "scale":
            return tuple((v, v) for v in SCALE_VALUES)
        return tuple((c.value, c.label) for c in self.choices)

    def label_for(self, value: str) -> str | None:
        return dict(self.answers).get(value)

    @property
    def looks_back(self) -> bool:
        return self.about == "last-week"

    def values_of(self, stored: str) -> tuple[str, ...]:
        """The answer values a stored answer holds: a multi answer is stored comma-joined
        (values are keys, so they hold no commas)."""
        if not stored:
            return ()
        return tuple(stored.split(",")) if self.kind == "multi" else (stored,)

    def template_value(self, stored: str) -> str | list[str]:
        """A stored answer as stage texts see it in ``previous``: a list for multi."""
        return list(self.values_of(stored)) if self.kind == "multi" else stored

    def labels_of(self, stored: str) -> tuple[str, ...]:
        labels = dict(self.answers)
        return tuple(labels.get(value, value) for value in self.values_of(stored))

    def is_safety(self, stored: str) -> bool:
        """Whether the answer says the reader does not feel safe."""
        unsafe = {c.value for c in self.choices if c.safety}
        return any(value in unsafe for value in self.values_of(stored))

    def is_worrying(self, stored: str) -> bool:
        return any(value in self.worrying for value in self.values_of(stored))

    def reply_for(self, stored: str) -> tuple[str, ...]:
        """The replies written for the answer's values, in the order of the answers."""
        return tuple(self.replies[value] for value in self.values_of(stored)
                     if value in self.replies)


class SoloExercise(_Strict):
    """The version of an exercise to do alone."""

    title: Annotated[str, _single_line(60)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class Exercise(_Strict):
    title: Annotated[str, _single_line(60)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    solo: SoloExercise | None = None


# ``{{ safety_line }}`` as an editor may write it: with or without spaces and trims.
SAFETY_LINE = re.compile(r"\{\{-?\s*safety_line\s*-?\}\}")


class StageFrontMatter(_Strict):
    day: Annotated[int, Field(ge=0, le=730)]
    title: Annotated[str, _single_line(60)]
    subject: Annotated[str, _single_line(70), HEADER_TEXT]
    preheader: Annotated[str, _single_line(110)]
    exercise: Exercise
    prompts: Annotated[tuple[Prompt, ...], Field(min_length=1, max_length=3)]
    sign_off: SignOff | None = None
    # The exercise asks the reader to do something with their partner: it then carries
    # the program's safety line and a version to do alone.
    involves_partner: bool = False

    @model_validator(mode="after")
    def _partner_exercise_is_safe(self) -> Self:
        if not self.involves_partner:
            return self
        if self.exercise.solo is None:
            raise _mistake("partner_exercise_without_solo",
                           "the exercise involves the partner but has no solo version",
                           "exercise")
        if not SAFETY_LINE.search(self.exercise.text):
            raise _mistake("partner_exercise_without_safety_line",
                           "the exercise involves the partner but its text has no "
                           "{{ safety_line }}", "exercise.text")
        return self

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
    involves_partner: bool = False

    def prompt(self, key: str) -> Prompt | None:
        return next((p for p in self.prompts if p.key == key), None)

    @property
    def week(self) -> int:
        """The program week the stage falls in, as every place names it."""
        return self.day // 7

    @property
    def look_back(self) -> tuple[Prompt, ...]:
        return tuple(p for p in self.prompts if p.looks_back)

    @property
    def this_week(self) -> tuple[Prompt, ...]:
        return tuple(p for p in self.prompts if not p.looks_back)


class Discreet(_Strict):
    """What every email shows where others may see it (sender, subject, preheader) for a
    reader who chose discreet mode."""

    sender_name: Annotated[str, _single_line(40), HEADER_TEXT]
    subject: Annotated[str, _single_line(70), HEADER_TEXT]
    preheader: Annotated[str, _single_line(110)]


# For programs written before discreet mode: neutral words no one would look twice at.
DEFAULT_DISCREET = Discreet(sender_name="Weekly notes", subject="Your note for this week",
                            preheader="A short note is waiting for you.")


class Manifest(_Strict):
    slug: Key
    title: Annotated[str, _single_line(80)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    sender_name: Annotated[str, _single_line(40), HEADER_TEXT]
    safety_note: Annotated[str, _single_line(200)]
    stages: Annotated[tuple[Key, ...], Field(min_length=1, max_length=60)]
    discreet: Discreet | None = None
    # The stage sent about a month after the last regular one: listed last in stages.
    follow_up: Key | None = None

    @model_validator(mode="after")
    def _follow_up_is_last(self) -> Self:
        if self.follow_up is not None and (len(self.stages) < 2
                                           or self.stages[-1] != self.follow_up):
            raise _mistake("follow_up_not_last", "follow_up is '{key}', which is not the "
                           "last of at least two stages", "follow_up", key=self.follow_up)
        return self


class Program(_Strict):
    slug: str
    title: str
    description: str
    sender_name: str
    safety_note: str
    content_hash: str
    stages: tuple[Stage, ...]
    discreet: Discreet | None = None
    follow_up: str | None = None
    # Shared texts by name (snippets/<name>.md): partner-safety, low-rating, support,
    # reveal, reveal-far-apart. Versions stored before snippets have none.
    snippets: dict[str, str] = Field(default_factory=dict)

    @property
    def discreet_envelope(self) -> Discreet:
        return self.discreet or DEFAULT_DISCREET

    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def stage_at(self, position: int) -> Stage | None:
        return self.stages[position] if 0 <= position < len(self.stages) else None
