"""Planning a partner's next stage once one has been sent (or has failed for good).

Stages follow the couple's calendar (``calendar.py``): each is planned for the couple's
start date plus its day, at the partner's own send hour in their own zone.

The plan is worked out while the batch is prepared, where the partner is loaded anyway,
and recorded together with the send (``SentRepository.record``). If the partner changed
their schedule in the moment between, the row is added all the same (so a program never
stalls) and then moved to the time their new schedule gives (``replan``).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reconnect.deliveries.calendar import pick_up
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.schedule import stage_due_at
from reconnect.deliveries.waiting_repository import WaitingRepository
from reconnect.models import DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.partners.rules import enrolled
from reconnect.ports import ProgramSource
from reconnect.sending.sent_repository import Basis, NextStage, Plan

__all__ = ["Plan", "enrolled", "plan_after", "replan", "schedule_next"]

S = DeliveryStatus


def joined_late(partner: Partner, start: date) -> bool:
    """Whether the partner's weeks count from a start that came before they confirmed:
    the couple's, begun by the other partner. The one who began it keeps the plain rule
    (a welcome that went out late, after an outage, is followed one step a day)."""
    confirmed = partner.confirmed_at
    return confirmed is not None and \
        start < confirmed.astimezone(ZoneInfo(partner.timezone)).date()


def plan_after(rt: ProgramSource, session: Session, partner: Partner, position: int,
               now: datetime) -> Plan | None:
    if not enrolled(partner) or partner.program_version_id is None \
            or partner.program_start_date is None:
        return None
    basis = Basis(partner.program_version_id, partner.program_start_date, partner.send_hour,
                  partner.timezone, partner.quiet_days)
    program = rt.programs.version(session, basis.program_version_id)
    following = program.stage_at(position + 1)
    if following is None:
        return Plan(basis, None)
    if position == 0 and joined_late(partner, basis.program_start_date):
        # After the welcome, a partner who joined the couple late picks up the couple's
        # current week (reconnect/deliveries/calendar.py).
        pickup = pick_up(program, position + 1, basis.program_start_date, basis.send_hour,
                         basis.timezone, now, partner.quiet_weekdays)
        assert pickup is not None
        return Plan(basis, NextStage(pickup.stage.key, pickup.stage.position, pickup.due_at))
    due = stage_due_at(basis.program_start_date, following.day, basis.send_hour,
                       basis.timezone, now, quiet_days=partner.quiet_weekdays)
    return Plan(basis, NextStage(following.key, following.position, due))


def replan(rt: ProgramSource, session: Session, partner_id: int, delivery_id: int, position: int,
           now: datetime) -> None:
    """Moves a just-added stage to the time the partner's current schedule gives."""
    partner = PartnerRepository(session).get_for_update(partner_id)
    if partner is None:
        return
    plan = plan_after(rt, session, partner, position, now)
    if plan is not None and plan.following is not None:
        WaitingRepository(session).reschedule(delivery_id, plan.following.due_at)


def schedule_next(rt: ProgramSource, session: Session, partner_id: int, position: int,
                  now: datetime) -> None:
    """Plans the next stage with the partner locked (after a failed stage)."""
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
