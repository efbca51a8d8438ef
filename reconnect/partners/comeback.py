"""Coming back after stopping: continue where one stopped, or start again.

Reached from the "welcome back" email (a signup for an address that had stopped), from
"Undo" on the unsubscribe confirmation, and from the preferences page, within
``UNDO_WINDOW`` of stopping. An erased person is simply new: nothing of them is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.schedule import next_send_time, stage_due_at
from reconnect.models import DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.comeback_repository import ComebackRepository
from reconnect.partners.links import link_holder
from reconnect.partners.needs import Needs
from reconnect.program.model import Stage
from reconnect.tokens import Purpose, TokenError, TokenProblem

S = DeliveryStatus
# How long after stopping "Undo" is offered on the unsubscribe and preferences pages.
UNDO_WINDOW = timedelta(days=30)
_AWAY = frozenset({PartnerStatus.UNSUBSCRIBED, PartnerStatus.COMPLETED})


class NotAway(Exception):
    """The partner is taking part (or never confirmed): there is nothing to come back to."""


class BusySending(Exception):
    """An email to them is being sent this moment; starting again must wait for it."""


@dataclass(frozen=True)
class RejoinView:
    first_name: str
    next_stage: str | None  # the step "continue" sends next; None: only starting again
    completed: bool


@dataclass(frozen=True)
class Back:
    first_name: str
    stage_title: str
    due_at: datetime
    timezone: str
    restarted: bool

    def sentence(self) -> str:
        local = self.due_at.astimezone(ZoneInfo(self.timezone))
        when = f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({self.timezone})"
        start = "You start again from the beginning" if self.restarted \
            else "You continue where you stopped"
        return f"{start}: your next email, “{self.stage_title}”, arrives on {when}."


def rejoin_token_stamp(partner: Partner) -> int:
    """What a welcome-back link is bound to: the moment they stopped. Coming back (or
    stopping again later) makes every older welcome-back link void."""
    return int(partner.unsubscribed_at.timestamp()) if partner.unsubscribed_at else 0


def _from_rejoin_token(session: Session, rt: Needs, token: str,
                       for_update: bool = False) -> Partner:
    partner, data = link_holder(session, rt, Purpose.REJOIN, token, for_update=for_update)
    if partner.status not in _AWAY or data.get("u") != rejoin_token_stamp(partner):
        raise TokenError(TokenProblem.USED)
    return partner


def rejoin_view(session: Session, rt: Needs, token: str) -> RejoinView:
    partner = _from_rejoin_token(session, rt, token)
    nxt = continue_stage(session, rt, partner)
    return RejoinView(partner.first_name, nxt.title if nxt else None,
                      partner.status is PartnerStatus.COMPLETED)


def continue_stage(session: Session, rt: Needs, partner: Partner) -> Stage | None:
    """The stage continuing would send next, or None if nothing is left to continue."""
    if partner.program_version_id is None or partner.status is PartnerStatus.COMPLETED:
        return None
    program = rt.programs.version(session, partner.program_version_id)
    repo = ComebackRepository(session)
    stopped = repo.stopped_stage(partner.id)
    if stopped is not None:
        return program.stage(stopped.key)
    last = repo.last_sent_position(partner.id)
    return program.stage_at(0 if last is None else last + 1)


def rejoin(uow: UnitOfWork, rt: Needs, token: str, *, restart: bool) -> Back:
    partner = _from_rejoin_token(uow.session, rt, token, for_update=True)
    return come_back(uow, rt, partner, restart=restart)


def undo_window_open(partner: Partner, now: datetime) -> bool:
    return partner.status is PartnerStatus.UNSUBSCRIBED and \
        partner.unsubscribed_at is not None and now - partner.unsubscribed_at <= UNDO_WINDOW


def come_back(uow: UnitOfWork, rt: Needs, partner: Partner, *, restart: bool) -> Back:
    """Enrols the (locked) partner again. Continuing sends the stage they stopped
    before, at their next send time; starting again sends the first stage of the
    current program version. Raises NotAway if they are not away."""
    if partner.status not in _AWAY or partner.confirmed_at is None:
        raise NotAway
    nxt = None if restart else continue_stage(uow.session, rt, partner)
    if nxt is None and not restart:
        raise NotAway  # nothing left to continue: only starting again is offered
    now = rt.clock.now()
    due = next_send_time(now, partner.send_hour, partner.timezone,
                         quiet_days=partner.quiet_weekdays)
    repo = ComebackRepository(uow.session)
    deliveries = DeliveryRepository(uow.session)
    if nxt is None:
        if repo.in_flight(partner.id):
            raise BusySending
        repo.clear_program(partner.id)
        version_id, program = rt.programs.current(partner.program_slug)
        nxt = program.stages[0]
        partner.program_version_id = version_id
        partner.program_start_date = _local_date(due, partner.timezone)
        deliveries.add(partner.id, DeliveryKind.STAGE, nxt.key, nxt.position, due, now)
    else:
        assert partner.program_start_date is not None
        due = stage_due_at(partner.program_start_date, nxt.day, partner.send_hour,
                           partner.timezone, now, quiet_days=partner.quiet_weekdays)
        # Later stages keep their spacing from this one, as after a pause.
        partner.program_start_date = max(partner.program_start_date,
                                         _local_date(due, partner.timezone)
                                         - timedelta(days=nxt.day))
        stopped = repo.stopped_stage(partner.id)
        if stopped is not None and stopped.key == nxt.key:
            deliveries.transition(stopped.id, S.CANCELLED, S.SCHEDULED, due_at=due,
                                  claimed_at=None)
        else:
            deliveries.add(partner.id, DeliveryKind.STAGE, nxt.key, nxt.position, due, now)
    partner.status = PartnerStatus.ACTIVE
    partner.unsubscribed_at = None
    partner.paused_at = None
    partner.pause_until = None
    return Back(partner.first_name, nxt.title, due, partner.timezone, restart)


def _local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()
