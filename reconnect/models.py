"""The tables. Relationships are ``lazy="raise"`` so an accidental N+1 fails loudly."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from reconnect.column_types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# SQLite otherwise hands the highest id out again after that row is deleted; ids that
# come back would let a deleted row's id name a stranger's row (in a late job, a log or
# an old link), so every table's ids only ever grow, as Postgres sequences do.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


# Primary keys are INTEGER (32-bit on Postgres): a larger id names no row, and asking the
# database about one would fail rather than find nothing.
MAX_ROW_ID = 2**31 - 1


def new_public_id() -> str:
    """128 random bits: what a person's links carry instead of their row id."""
    return secrets.token_urlsafe(16)


class PartnerStatus(StrEnum):
    PENDING = "pending"  # signed up or invited, has not confirmed their own address
    ACTIVE = "active"
    COMPLETED = "completed"
    UNSUBSCRIBED = "unsubscribed"


class DeliveryKind(StrEnum):
    CONFIRMATION = "confirmation"
    STAGE = "stage"
    NUDGE = "nudge"  # at most one per stage: a question still open for its reader
    RESEND = "resend"  # an operator's extra copy of a stage already received
    # A one-off message about the person or their couple; its key says which
    # (reconnect/partners/notice_kinds.py): their links, welcome back, a new address to
    # confirm, the old one told, an invitation that expired.
    NOTICE = "notice"


class DeliveryStatus(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
    HELD = "held"  # the partner paused; resuming makes it scheduled again


def _enum(cls: type[StrEnum]) -> Enum:
    # Stored as plain strings (no database enum type), loaded back as the Python enum.
    return Enum(cls, native_enum=False, length=16, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


class ProgramVersion(Base):
    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("slug", "content_hash"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60))
    content_hash: Mapped[str] = mapped_column(String(64))
    # The program's files as they were, so in-flight partners keep their version even
    # after editors change program/ on disk.
    files: Mapped[dict[str, Any]] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Couple(Base):
    __tablename__ = "couples"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The couple's program start: the local date the first partner confirmed. Both
    # partners' weeks count from it, so a partner who joins late lines up with the other.
    started_on: Mapped[date | None] = mapped_column(Date)
    invitations_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the latest invitation went out, whether or not its address could be invited
    # (one that refuses invitations or is enrolled gets no row): the inviter sees pending
    # and then expired the same way for every address.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    # What every link of this person names (see reconnect/tokens.py); dies with them.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(60))
    timezone: Mapped[str] = mapped_column(String(64))
    send_hour: Mapped[int] = mapped_column(Integer)
    status: Mapped[PartnerStatus] = mapped_column(_enum(PartnerStatus))
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL")
    )
    program_slug: Mapped[str] = mapped_column(String(60))
    program_version_id: Mapped[int | None] = mapped_column(ForeignKey("program_versions.id"))
    # Random per signup; cleared on confirmation so a confirmation link works only once.
    confirm_nonce: Mapped[str | None] = mapped_column(String(32))
    confirmations_sent: Mapped[int] = mapped_column(Integer, default=0)
    program_start_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # While set, stage emails are held; resuming continues with the next unsent stage.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # ISO weekdays (1 = Monday … 7 = Sunday) on which nothing is sent, e.g. "6,7".
    quiet_days: Mapped[str] = mapped_column(String(13), default="", server_default="")
    # Consecutive permanent SMTP refusals; reset by a successful send. At the configured
    # limit the address is suppressed and no more mail is attempted.
    permanent_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    suppressed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why, in words an operator reads (a hard bounce and its status code, a complaint,
    # repeated refusals, an operator's note); never the address.
    suppressed_reason: Mapped[str | None] = mapped_column(String(200))
    # Whether to get the one gentle reminder per step when their partner has answered a
    # shared question and they have not.
    nudges: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # "inviter", "invitee" or "solo" (see reconnect/program/audience.py); None on rows
    # written before roles existed.
    role: Mapped[str | None] = mapped_column(String(10))
    # Set on the partner who stays when the other unsubscribes, erases or lets their
    # membership lapse; never says which.
    partner_left: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A neutral sender name, subject and preheader on every email to this person.
    discreet: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When a pause for a set time ends; None while paused means until resumed. The
    # periodic resume job picks partners whose time has come (the database decides).
    pause_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # A new address asked for on the preferences page, used once its owner confirms it
    # from a link sent there.
    pending_email: Mapped[str | None] = mapped_column(String(254))

    couple: Mapped[Couple] = relationship(lazy="raise")

    @property
    def quiet_weekdays(self) -> frozenset[int]:
        return frozenset(int(day) for day in self.quiet_days.split(",") if day)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("partner_id", "key"),
        # The claim reads due rows in the order it takes them (migration 0011).
        Index("ix_deliveries_status_due_at_id", "status", "due_at", "id"),
        # Late bounces and complaints find their email by its Message-ID. Only rows that
        # have one: claiming a row then writes no entry here.
        Index("ix_deliveries_message_id_set", "message_id",
              postgresql_where=text("message_id IS NOT NULL"),
              sqlite_where=text("message_id IS NOT NULL")),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    kind: Mapped[DeliveryKind] = mapped_column(_enum(DeliveryKind))
    # The stage key for stage emails; "_confirm-N" for the Nth confirmation email.
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(String(500))
    # When it ended failed: `reconnect admin retry-failed --since … --until …` picks by it.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Reflection(Base):
    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("partner_id", "stage_key", "prompt_key"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    stage_key: Mapped[str] = mapped_column(String(60))
    prompt_key: Mapped[str] = mapped_column(String(60))
    # One value, or several joined by commas for a multi-select question.
    answer: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    # The writer's choice, for prompts the program marks shared: their partner sees this
    # answer only once both have answered and both chose to share.
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BounceKind(StrEnum):
    HARD = "hard"  # the address does not exist or will never take mail
    SOFT = "soft"  # for now (mailbox full, greylisted); counted toward suppression
    COMPLAINT = "complaint"  # the reader marked it as spam


class Bounce(Base):
    """A late report about a sent email: a bounce or a complaint, from a relay's webhook
    or the bounce mailbox. Erased with the partner."""

    __tablename__ = "bounces"
    __table_args__ = (Index("ix_bounces_partner_id_received_at", "partner_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # ses, postmark, mailgun, sendgrid, imap
    kind: Mapped[BounceKind] = mapped_column(_enum(BounceKind))
    status: Mapped[str | None] = mapped_column(String(16))  # enhanced status code, 5.1.1
    detail: Mapped[str | None] = mapped_column(String(300))  # the reason, addresses removed
    # The provider's event id (or a digest of the report): a report delivered twice counts
    # once.
    event_key: Mapped[str] = mapped_column(String(128), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SchemaRevision(Base):
    """Each applied migration and whether the release before it runs on its schema, so an
    older release can tell whether a newer database is safe for it (docs/operating.md)."""

    __tablename__ = "schema_revisions"

    revision: Mapped[str] = mapped_column(String(32), primary_key=True)
    down_revision: Mapped[str | None] = mapped_column(String(32))
    backward_compatible: Mapped[bool] = mapped_column(Boolean)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClockOffset(Base):
    """A single row: how far the development clock has been fast-forwarded."""

    __tablename__ = "clock_offset"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class SignupRequest(Base):
    """A signup as it arrived, before anyone looked up its addresses. The request only
    writes this row, so a known and an unknown address cost the same (nothing about who
    is enrolled shows in the answer or its timing); processing it in a worker job, or by
    the sweep if that job was lost, deletes it."""

    __tablename__ = "signup_requests"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(60))
    timezone: Mapped[str] = mapped_column(String(64))
    send_hour: Mapped[int] = mapped_column(Integer)
    partner_email: Mapped[str | None] = mapped_column(String(254))
    partner_first_name: Mapped[str | None] = mapped_column(String(60))
    program: Mapped[str] = mapped_column(String(60))
    discreet: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class InviteBlock(Base):
    """An address whose owner asked never to be invited again: kept only as a keyed
    hash (``reconnect.keyed.address_digest``), so the table names no one."""

    __tablename__ = "invite_blocks"

    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkRequest(Base):
    """An "email me my links" request as it arrived, before anyone looked up the address:
    the request only writes this row, so a known and an unknown address cost the same.
    Processing it in a worker job, or by the sweep if that job was lost, deletes it."""

    __tablename__ = "link_requests"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LeavingReason(Base):
    """How many people gave each reason for stopping their emails: a count per reason
    from a fixed list, never linked to anyone."""

    __tablename__ = "leaving_reasons"

    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
