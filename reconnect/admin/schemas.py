"""What the admin API answers and accepts. Partner summaries carry no reflection text and
no address: how many answers a partner gave, never what they were."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from reconnect.program.model import KEY_PATTERN


class ProgramRef(BaseModel):
    slug: str
    version: int | None  # the registered version (``reconnect program versions``)
    content_hash: str | None


class SentEmail(BaseModel):
    kind: str  # confirmation, stage, nudge or resend
    stage: str | None  # the stage it is about; None for a confirmation
    sent_at: datetime | None


class FailedEmail(BaseModel):
    kind: str
    stage: str | None
    # Whose problem (recipient, message or relay) and the relay's reply, never the address.
    reason: str | None
    failed_at: datetime | None


class WaitingEmail(BaseModel):
    delivery_id: int
    kind: str
    stage: str | None
    status: str  # scheduled, held (paused), claimed or sending
    due_at: datetime


class PartnerSummary(BaseModel):
    id: int
    status: str
    program: ProgramRef
    signed_up_at: datetime
    confirmed_at: datetime | None
    paused_at: datetime | None
    suppressed_at: datetime | None
    suppressed_reason: str | None
    unsubscribed_at: datetime | None
    permanent_failures: int
    sent: list[SentEmail]
    failed: list[FailedEmail]
    waiting: list[WaitingEmail]
    reflections: int = Field(description="How many answers they gave; never what.")


class ResendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str = Field(pattern=KEY_PATTERN, max_length=40)


class Resent(BaseModel):
    delivery_id: int
    key: str
    stage: str
    status: str
    due_at: datetime


class FunnelStep(BaseModel):
    step: str  # signed_up, confirmed, stage or completed
    label: str
    stage: str | None = None
    partners: int


class RatingAverage(BaseModel):
    stage: str
    step: int  # the stage's place in the program, from 1
    prompt: str
    question: str
    answers: int
    average: float | None  # None when hidden: fewer than MIN_ANSWERS answers


class ProgramFunnel(BaseModel):
    program: str
    title: str
    version: int
    funnel: list[FunnelStep]
    now_paused: int
    unsubscribed: int
    suppressed: int
    ratings: list[RatingAverage]


class FunnelReport(BaseModel):
    min_answers: int
    privacy: str
    programs: list[ProgramFunnel]
    # How many people gave each reason when they stopped (every program together);
    # bare counts, never linked to anyone.
    leaving_reasons: dict[str, int] = {}


class QueueReport(BaseModel):
    counts: dict[str, int]  # deliveries in every state, zero included
    oldest_due_at: datetime | None  # of the emails that are due and not yet sent
    lag_seconds: float  # how long that one has waited; 0 when nothing due is waiting


class Suppressed(BaseModel):
    partner_id: int
    status: str
    suppressed_at: datetime
    reason: str | None


class UnsuppressRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field(min_length=1, max_length=200)


class RetryFailedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    since: datetime
    until: datetime
    dry_run: bool = True


class RetryItem(BaseModel):
    delivery_id: int
    partner_id: int
    kind: str
    stage: str | None
    action: str  # requeue, copy, suppressed, unsubscribed, no_longer_needed


class RetryReport(BaseModel):
    dry_run: bool
    counts: dict[str, int]
    emails: list[RetryItem]
