"""Planning a partner's next stage once one has been sent (or has failed for good).

The plan is worked out while the batch is prepared, where the partner is loaded
anyway, and recorded together with the send (``DeliveryRepository.mark_sent``) by a
guarded INSERT … SELECT: it only adds the row if the partner is still enrolled and their
schedule (program version, start date, hour, zone, quiet days) is what the plan was made
from. If anything changed in between, the slower path below locks the partner and plans
afresh, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from reconnect.deliveries.repository import DeliveryRepository, PlannedStage
from reconnect.deliveries.schedule import stage_due_at
from reconnect.models import DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime

S = DeliveryStatus


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


def enrolled(partner: Partner) -> bool:
    return partner.status is PartnerStatus.ACTIVE and partner.suppressed_at is None


def plan_after(rt: Runtime, session: Session, partner: Partner, position: int,
               now: datetime) -> Plan | None:
    if not enrolled(partner) or partner.program_version_id is None \
            or partner.program_start_date is None:
        return None
    basis = Basis(partner.program_version_id, partner.program_start_date, partner.send_hour,
                  partner.timezone, partner.quiet_days)
    following = rt.programs.version(session, basis.program_version_id).stage_at(position + 1)
    if following is None:
        return Plan(basis, None)
    due = stage_due_at(basis.program_start_date, following.day, basis.send_hour,
                       basis.timezone, now, quiet_days=partner.quiet_weekdays)
    return Plan(basis, NextStage(following.key, following.position, due))


def planned_stage(partner_id: int, plan: Plan | None) -> PlannedStage | None:
    """The row a plan adds, if it adds one."""
    if plan is None or plan.following is None:
        return None
    b, nxt = plan.basis, plan.following
    return PlannedStage(partner_id, nxt.key, nxt.position, nxt.due_at,
                        (b.program_version_id, b.program_start_date, b.send_hour,
                         b.timezone, b.quiet_days))


def completes(session: Session, partner_id: int, plan: Plan | None) -> bool:
    """Applies a plan that ends the program; False if it is not one (or came too late)."""
    if plan is None or plan.following is not None:
        return False
    return PartnerRepository(session).complete(partner_id)


def schedule_next(rt: Runtime, session: Session, partner_id: int, position: int,
                  now: datetime) -> None:
    """Plans the next stage with the partner locked: the path that is always right."""
    partner = PartnerRepository(session).get_for_update(partner_id)
    if partner is None:
        return
    plan = plan_after(rt, session, partner, position, now)
    if plan is None:
        return
    if plan.following is None:
        partner.status = PartnerStatus.COMPLETED
        return
    nxt = plan.following
    DeliveryRepository(session).add(
        partner.id, DeliveryKind.STAGE, nxt.key, nxt.position, nxt.due_at, now,
        status=S.HELD if partner.paused_at is not None else S.SCHEDULED)
