"""The SQL of the hottest path: marking an email sent and adding the partner's next stage.

On Postgres it is one statement (data-modifying CTEs), so with an autocommit connection
recording a send costs one round trip and is atomic: the email is never marked sent
without its successor being added (or the program completed). SQLite runs the same steps
one by one inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from reconnect.column_types import UTCDateTime
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.rules import enrolled_clause

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
        # Core statements on the session's connection: the ORM's path adds nothing to them
        # and costs more than the statement itself, once per email sent.
        conn = self.session.connection()
        # Parameter names must not be column names: an UPDATE would take those as SET.
        params: dict[str, Any] = {"p_delivery_id": delivery_id, "p_attempt": attempt,
                                  "p_message_id": message_id, "p_now": now,
                                  "p_partner_id": partner_id}
        if plan is None:
            marked = conn.execute(_MARK, params).rowcount == 1
            return Recorded(marked, None, False, True)
        b = plan.basis
        params.update(p_version=b.program_version_id, p_start=b.program_start_date,
                      p_hour=b.send_hour, p_zone=b.timezone, p_quiet=b.quiet_days)
        if plan.following is not None:
            params.update(p_key=plan.following.key, p_position=plan.following.position,
                          p_due_at=plan.following.due_at)
        completes = plan.following is None
        if self.session.get_bind().dialect.name == "postgresql":
            marked, follow_id, on_plan = conn.execute(_one_statement(completes), params).one()
            return Recorded(bool(marked), None if completes else follow_id,
                            completes and follow_id is not None, bool(on_plan))
        # SQLite: writers take turns (BEGIN IMMEDIATE), so the partner cannot change
        # between these statements.
        if self.session.execute(_MARK, params).rowcount != 1:  # type: ignore[attr-defined]
            return Recorded(False, None, False, True)
        on_plan = bool(self.session.execute(select(_on_plan(_PARTNER)), params).scalar())
        if completes:
            done = self.session.execute(_complete(_PARTNER), params).rowcount == 1  # type: ignore[attr-defined]
            return Recorded(True, None, done, on_plan)
        added = self.session.execute(_add_next(_PARTNER), params).scalar()
        return Recorded(True, added, False, on_plan)


# The statements are built once, with bound parameters: building and hashing them anew
# for every email costs more CPU than the database spends running them.
_MARK = (update(_DELIVERIES)
         .where(_DELIVERIES.c.id == bindparam("p_delivery_id"),
                _DELIVERIES.c.attempts == bindparam("p_attempt"),
                _DELIVERIES.c.status == S.SENDING.value)
         .values(status=S.SENT.value, sent_at=bindparam("p_now"),
                 message_id=bindparam("p_message_id"), last_error=None))
_PARTNER = select(_PARTNERS).where(_PARTNERS.c.id == bindparam("p_partner_id")).subquery()


@lru_cache(maxsize=2)
def _one_statement(completes: bool) -> Select[Any]:
    sent = _MARK.returning(_DELIVERIES.c.partner_id).cte("sent")
    # The partner row is locked and read as it is once any change to it (a pause, a
    # resume, a new send hour) has committed, never from an earlier snapshot.
    partner = (select(_PARTNERS)
               .where(_PARTNERS.c.id == bindparam("p_partner_id"),
                      _PARTNERS.c.id.in_(select(sent.c.partner_id)))
               .with_for_update(key_share=True).cte("partner"))
    follow = (_complete(partner).returning(_PARTNERS.c.id) if completes
              else _add_next(partner)).cte("follow")
    return select(select(func.count()).select_from(sent).scalar_subquery(),
                  select(func.max(follow.c.id)).scalar_subquery(),
                  _on_plan(partner))


def _on_plan(partner: Any) -> ColumnElement[bool]:
    return exists().where(
        partner.c.program_version_id == bindparam("p_version"),
        partner.c.program_start_date == bindparam("p_start"),
        partner.c.send_hour == bindparam("p_hour"), partner.c.timezone == bindparam("p_zone"),
        partner.c.quiet_days == bindparam("p_quiet"))


def _complete(partner: Any) -> Any:
    enrolled = select(partner.c.id).where(enrolled_clause(partner.c))
    return update(_PARTNERS).where(_PARTNERS.c.id.in_(enrolled)) \
        .values(status=PartnerStatus.COMPLETED.value)


def _add_next(partner: Any) -> Any:
    status = case((partner.c.paused_at.is_(None), literal(S.SCHEDULED.value)),
                  else_=literal(S.HELD.value))
    row = select(
        partner.c.id, literal(DeliveryKind.STAGE.value), bindparam("p_key"),
        bindparam("p_position"), bindparam("p_due_at", type_=UTCDateTime()), status,
        literal(0), bindparam("p_now", type_=UTCDateTime()),
    ).where(enrolled_clause(partner.c))
    return insert(_DELIVERIES).from_select(_COLUMNS, row).returning(_DELIVERIES.c.id)
