from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NOTE_LIMIT = 1000


class ReflectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Annotated[str, Field(min_length=1, max_length=40)]
    note: Annotated[str | None, Field(max_length=NOTE_LIMIT)] = None
    # Only for prompts the program marks shared; ignored elsewhere.
    share: bool = False


class ReflectionOut(BaseModel):
    stage: str
    prompt: str
    question: str
    answer: str | None
    answer_label: str | None
    note: str | None
    shared: bool
    editable: bool
    updated_at: datetime | None
