from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

NOTE_LIMIT = 1000
ANSWER_LIMIT = 40
MAX_VALUES = 6  # a multi question offers at most six answers


class ReflectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # One value; for a question where several answers may apply, a list of values.
    answer: str | list[str]
    note: Annotated[str | None, Field(max_length=NOTE_LIMIT)] = None
    # Only for prompts the program marks shared; ignored elsewhere.
    share: bool = False

    @field_validator("answer", mode="before")
    @classmethod
    def _answer_shape(cls, value: object) -> object:
        # Checked here, not by the union's own rules, so a mistake is reported once, on
        # "answer", in words (whether each value is offered is the service's to say).
        if isinstance(value, str):
            if not 1 <= len(value) <= ANSWER_LIMIT:
                raise ValueError(f"must be 1 to {ANSWER_LIMIT} characters")
            return value
        if isinstance(value, list):
            if not 1 <= len(value) <= MAX_VALUES or not all(
                    isinstance(v, str) and 1 <= len(v) <= ANSWER_LIMIT for v in value):
                raise ValueError(f"must list 1 to {MAX_VALUES} answer values")
            return value
        raise ValueError("must be an answer's value, or a list of values where several "
                         "answers may apply")


class ReflectionOut(BaseModel):
    stage: str
    prompt: str
    question: str
    answer: str | None
    answer_label: str | None
    # The answer's values: one, or several for a multi question.
    answer_values: list[str]
    note: str | None
    shared: bool
    editable: bool
    updated_at: datetime | None
