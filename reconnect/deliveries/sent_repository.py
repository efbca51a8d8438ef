"""The SQL of the hottest path: marking an email sent and adding the partner's next stage.

On Postgres it is one statement (data-modifying CTEs), so with an autocommit connection
recording a send costs one round trip and is atomic: the email is never marked sent
without its successor being added (or the program completed). SQLite runs the same steps
one by one inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from reconnect.db.types import UTCDateTime
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner, PartnerStatus

S = DeliveryStatus
_DELIVERIES = cast(Table, Delivery.__table__)
_PARTNERS = cast(Table, Partner.__table__)
_COLUMNS = ["partner_id", "kind", "key", "position", "due_at", "status", "attempts",
            "created_at"]


@dataclass(frozen=True)
class Basis:
    """The partner's schedule a plan was computed from."""

    program_version_id: int
    program_start_date: date
    send_hour: int
    timezone: str
    quiet_days: str


@dataclass(frozen=True)
class NextStage:
    key: str
    position: int
    due_at: datetime


@dataclass(frozen=True)
class Plan:
    basis: Basis
    following: NextStage | None  # None: the stage just sent was the last one


@dataclass(frozen=True)
class Recorded:
    marked: bool  # sending -> sent happened (False: the row was no longer ours)
    added: int | None  # the id of the next stage's row, if one was added
    completed: bool  # the partner completed the program
    on_plan: bool  # the partner's schedule was still the plan's basis


class SentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, delivery_id: int, attempt: int, message_id: str, now: datetime,
               partner_id: int, plan: Plan | None) -> Recorded:
        """sending -> sent (only on this attempt), and with a plan: the next stage added
        (held if the partner paused) or the program completed, provided the partner is
        still enrolled."""
        mark = (update(_DELIVERIES)
                .where(_DELIVERIES.c.id == delivery_id, _DELIVERIES.c.attempts == attempt,
                       _DELIVERIES.c.status == S.SENDING.value)
                .values(status=S.SENT.value, sent_at=now, message_id=message_id,
                        last_error=None))
        if plan is None:
            marked = self.session.execute(mark).rowcount == 1  # type: ignore[attr-defined]
            return Recorded(marked, None, False, True)
        if self.session.get_bind().dialect.name == "postgresql":
            return self._in_one_statement(mark, now, partner_id, plan)
        # SQLite: writers take turns (BEGIN IMMEDIATE), so the partner cannot change
        # between these statements.
        if self.session.execute(mark).rowcount != 1:  # type: ignore[attr-defined]
            return Recorded(False, None, False, True)
        partner = select(_PARTNERS).where(_PARTNERS.c.id == partner_id).subquery()
        on_plan = bool(self.session.execute(select(_on_plan(partner, plan))).scalar())
        if plan.following is None:
            done = self.session.execute(_complete(partner)).rowcount == 1  # type: ignore[attr-defined]
            return Recorded(True, None, done, on_plan)
        added = self.session.execute(insert(_DELIVERIES).from_select(
            _COLUMNS, _next_row(partner, plan.following, now)
        ).returning(_DELIVERIES.c.id)).scalar()
        return Recorded(True, added, False, on_plan)

    def _in_one_statement(self, mark: Any, now: datetime, partner_id: int,
                          plan: Plan) -> Recorded:
        sent = mark.returning(_DELIVERIES.c.partner_id).cte("sent")
        # The partner row is locked and read as it is once any change to it (a pause, a
        # resume, a new send hour) has committed, never from an earlier snapshot.
        partner = (select(_PARTNERS)
                   .where(_PARTNERS.c.id == partner_id,
                          _PARTNERS.c.id.in_(select(sent.c.partner_id)))
                   .with_for_update(key_share=True).cte("partner"))
        if plan.following is None:
            follow: CTE = _complete(partner).returning(_PARTNERS.c.id).cte("done")
        else:
            follow = insert(_DELIVERIES).from_select(
                _COLUMNS, _next_row(partner, plan.following, now)
            ).returning(_DELIVERIES.c.id).cte("added")
        row = self.session.execute(select(
            select(func.count()).select_from(sent).scalar_subquery(),
            select(func.max(follow.c.id)).scalar_subquery(),
            _on_plan(partner, plan))).one()
        marked, follow_id, on_plan = bool(row[0]), row[1], bool(row[2])
        if plan.following is None:
            return Recorded(marked, None, follow_id is not None, on_plan)
        return Recorded(marked, follow_id, False, on_plan)


def _enrolled(partner: Any) -> ColumnElement[bool]:
    return and_(partner.c.status == PartnerStatus.ACTIVE.value,
                partner.c.suppressed_at.is_(None))


def _on_plan(partner: Any, plan: Plan) -> ColumnElement[bool]:
    b = plan.basis
    return exists().where(
        partner.c.program_version_id == b.program_version_id,
        partner.c.program_start_date == b.program_start_date,
        partner.c.send_hour == b.send_hour, partner.c.timezone == b.timezone,
        partner.c.quiet_days == b.quiet_days)


def _complete(partner: Any) -> Any:
    enrolled = select(partner.c.id).where(_enrolled(partner))
    return update(_PARTNERS).where(_PARTNERS.c.id.in_(enrolled)) \
        .values(status=PartnerStatus.COMPLETED.value)


def _next_row(partner: Any, following: NextStage, now: datetime) -> Select[Any]:
    status = case((partner.c.paused_at.is_(None), literal(S.SCHEDULED.value)),
                  else_=literal(S.HELD.value))
    return select(
        partner.c.id, literal(DeliveryKind.STAGE.value), literal(following.key),
        literal(following.position), literal(following.due_at, UTCDateTime()), status,
        literal(0), literal(now, UTCDateTime()),
    ).where(_enrolled(partner))
