"""What the preference centre shows: the person's real state, where they are in the
program, and when their next email comes, in their own time zone. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reconnect.deliveries.calendar import pick_up, step_name
from reconnect.deliveries.schedule import stage_due_at
from reconnect.deliveries.waiting_repository import WaitingRepository
from reconnect.models import DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.comeback import UNDO_WINDOW, continue_stage, undo_window_open
from reconnect.partners.comeback_repository import ComebackRepository
from reconnect.partners.needs import Needs
from reconnect.partners.notice_kinds import masked
from reconnect.partners.repository import PartnerRepository

S = DeliveryStatus


@dataclass(frozen=True)
class Centre:
    state: str  # "active", "paused", "completed", "unsubscribed" or "pending"
    current_step: str | None  # the last step they received
    steps_total: int
    next_step: str | None  # the step their next email brings
    next_email: str | None  # "Tuesday 21 October at 07:00 (America/New_York)"
    pause_until: str | None  # the local day a timed pause ends
    pending_email: str | None  # masked: a new address waiting for confirmation
    undo_until: str | None  # while "undo" of stopping is offered, until when
    can_continue: bool  # coming back would continue (not only start again)


def local_moment(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({zone})"


def local_day(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B}"


def centre(session: Session, rt: Needs, partner_id: int) -> Centre:
    partner = PartnerRepository(session).get(partner_id)
    assert partner is not None, "the caller read the partner from a valid link"
    now = rt.clock.now()
    program = rt.programs.version(session, partner.program_version_id) \
        if partner.program_version_id else rt.programs.current(partner.program_slug)[1]
    last = ComebackRepository(session).last_sent_position(partner.id)
    current = program.stage_at(last) if last is not None else None
    next_step, next_email = _next(session, rt, partner, now)
    away = partner.status in (PartnerStatus.UNSUBSCRIBED, PartnerStatus.COMPLETED)
    return Centre(
        state=_state(partner), current_step=step_name(current) if current else None,
        steps_total=len(program.stages), next_step=next_step, next_email=next_email,
        pause_until=local_day(partner.pause_until, partner.timezone)
        if partner.pause_until and partner.paused_at else None,
        pending_email=masked(partner.pending_email) if partner.pending_email else None,
        undo_until=local_day(partner.unsubscribed_at + UNDO_WINDOW, partner.timezone)
        if partner.unsubscribed_at and undo_window_open(partner, now) else None,
        can_continue=away and continue_stage(session, rt, partner) is not None)


def _state(partner: Partner) -> str:
    if partner.status is PartnerStatus.ACTIVE and partner.paused_at is not None:
        return "paused"
    return partner.status.value


def _next(session: Session, rt: Needs, partner: Partner,
          now: datetime) -> tuple[str | None, str | None]:
    """The next stage email and when it comes: its row's time when scheduled; for a
    timed pause, the time resuming will give it; nothing when paused until resumed."""
    if partner.status is not PartnerStatus.ACTIVE or partner.program_version_id is None:
        return None, None
    program = rt.programs.version(session, partner.program_version_id)
    waiting = WaitingRepository(session)
    scheduled = waiting.first_stage_in(partner.id, S.SCHEDULED)
    held = waiting.first_stage_in(partner.id, S.HELD)
    row = scheduled or held
    stage = program.stage(row.key) if row else None
    if row is None or stage is None:
        return None, None
    if scheduled is not None and partner.paused_at is None:
        return step_name(stage), local_moment(scheduled.due_at, partner.timezone)
    if partner.pause_until is None or partner.program_start_date is None:
        return step_name(stage), None
    # What resuming at the pause's end will do (preferences.resume): the couple's
    # calendar decides, so after a long pause the step is the couple's week by then.
    at = max(now, partner.pause_until)
    pickup = pick_up(program, stage.position, partner.program_start_date,
                     partner.send_hour, partner.timezone, at, partner.quiet_weekdays) \
        if stage.position else None
    if pickup is not None:
        return step_name(pickup.stage), local_moment(pickup.due_at, partner.timezone)
    due = stage_due_at(partner.program_start_date, stage.day, partner.send_hour,
                       partner.timezone, at, quiet_days=partner.quiet_weekdays)
    return step_name(stage), local_moment(due, partner.timezone)
