"""A partner's own choices about their emails: pausing, quiet days, and send time.

Who may do what (anything else raises :class:`PartnerNotActive`):

- ``pause``, ``set_quiet_days`` and ``set_send_time`` need an ``active`` partner. A
  pending partner picks zone and hour while confirming; a completed or unsubscribed one
  has nothing left to schedule.
- ``resume`` also accepts a ``completed`` partner, so a pause recorded while the last
  stage was already on its way can be cleared. Pending and unsubscribed partners are
  refused: resuming must never restart mail for someone who left.

Bad input raises :class:`PreferenceError` naming the field, before anything changes.
Every function locks the partner row first, as the delivery service does before it
plans a partner's next stage, so the two take turns instead of missing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.calendar import pick_up
from reconnect.deliveries.schedule import WEEKDAYS, next_send_time, stage_due_at
from reconnect.deliveries.waiting_repository import WaitingRepository
from reconnect.models import DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.needs import Needs
from reconnect.partners.repository import PartnerRepository
from reconnect.ports import Transactions
from reconnect.validation import clean_timezone

S = DeliveryStatus
_ACTIVE = frozenset({PartnerStatus.ACTIVE})
_RESUMABLE = frozenset({PartnerStatus.ACTIVE, PartnerStatus.COMPLETED})


# Partners resumed per run; the rest follow on the next run a minute later.
END_PAUSES_BATCH = 500


class PauseNeeds(Needs, Transactions, Protocol):
    """Ending due pauses runs one transaction per partner of its own."""


class PreferenceError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PartnerNotActive(Exception):
    def __init__(self, status: PartnerStatus) -> None:
        super().__init__(f"partner is {status}")
        self.status = status


class UnknownPartner(LookupError):
    pass


def pause(uow: UnitOfWork, rt: Needs, partner_id: int,
          until: datetime | None = None) -> Partner:
    """Holds the partner's waiting stage email, until resumed or, with ``until``, until
    then (the periodic ``end_due_pauses`` resumes them). Idempotent: the first pause
    time stays; the latest choice of when it ends counts."""
    partner = _locked(uow, partner_id, _ACTIVE)
    if partner.paused_at is None:
        partner.paused_at = rt.clock.now()
    partner.pause_until = until
    # Also when already paused: a second pause then catches a stage that was scheduled
    # by a sender that did not yet know about the first.
    WaitingRepository(uow.session).hold_scheduled(partner.id)
    return partner


def resume(uow: UnitOfWork, rt: Needs, partner_id: int) -> Partner:
    """Schedules the held stage on the couple's calendar: at its planned time, or, if its
    program week has ended, the couple's current week's stage instead. Idempotent: a
    partner who is not paused is left as they are."""
    partner = _locked(uow, partner_id, _RESUMABLE)
    if partner.paused_at is None:
        return partner
    partner.paused_at = None
    partner.pause_until = None
    deliveries = WaitingRepository(uow.session)
    held = deliveries.first_stage_in(partner.id, S.HELD)
    if held is None:
        return partner
    assert partner.program_version_id is not None
    assert partner.program_start_date is not None
    now = rt.clock.now()
    quiet = partner.quiet_weekdays
    program = rt.programs.version(uow.session, partner.program_version_id)
    stage = program.stage(held.key)
    if stage is None:
        # Gone from the pinned version: the deliver step fails it with that reason.
        due = next_send_time(now, partner.send_hour, partner.timezone, quiet_days=quiet)
    else:
        # The couple's calendar stays: a short pause keeps the planned time; after a long
        # one the partner picks up the couple's current week (the welcome is never
        # skipped), and the weeks in between show on their journey as skipped. The other
        # partner's emails do not change at all.
        pickup = pick_up(program, stage.position, partner.program_start_date,
                         partner.send_hour, partner.timezone, now, quiet) \
            if stage.position else None
        if pickup is None:
            due = stage_due_at(partner.program_start_date, stage.day, partner.send_hour,
                               partner.timezone, now, quiet_days=quiet)
        else:
            due = pickup.due_at
            if pickup.stage.key != held.key:
                deliveries.move_held(held.id, pickup.stage.key, pickup.stage.position)
    deliveries.release_held(held.id, due)
    return partner


def end_due_pauses(rt: PauseNeeds) -> int:
    """Resumes every partner whose timed pause has run out, each in its own transaction
    (one that fails is tried again on the next run). The database decides who is due:
    no task waits weeks in a queue for the moment."""
    now = rt.clock.now()
    with rt.read_session() as session:
        due = PartnerRepository(session).pauses_ending(now, END_PAUSES_BATCH)
    ended = 0
    for partner_id in due:
        with rt.unit_of_work() as uow:
            partner = PartnerRepository(uow.session).get_for_update(partner_id)
            # Checked again under the lock: they may have resumed or paused anew.
            if partner is not None and partner.pause_until is not None \
                    and partner.pause_until <= now and partner.status in _RESUMABLE:
                resume(uow, rt, partner_id)
                ended += 1
    return ended


def set_quiet_days(uow: UnitOfWork, rt: Needs, partner_id: int,
                   days: Iterable[int]) -> Partner:
    """Stores the days; a waiting stage that now falls on one moves to the next open day.
    A stage not on a quiet day keeps its time, even if an earlier day just opened."""
    quiet = _clean_quiet_days(days)
    partner = _locked(uow, partner_id, _ACTIVE)
    partner.quiet_days = ",".join(str(day) for day in sorted(quiet))
    deliveries = WaitingRepository(uow.session)
    waiting = deliveries.first_stage_in(partner.id, S.SCHEDULED)
    if waiting is not None and \
            _local_date(waiting.due_at, partner.timezone).isoweekday() in quiet:
        after = max(waiting.due_at, rt.clock.now())
        deliveries.reschedule(waiting.id, next_send_time(
            after, partner.send_hour, partner.timezone, quiet_days=quiet))
    return partner


def set_send_time(uow: UnitOfWork, rt: Needs, partner_id: int, send_hour: int,
                  timezone: str) -> Partner:
    """Stores hour and zone; a waiting stage moves to the new hour on the local date it was
    planned for, or to the next send time if that has already passed."""
    hour = _clean_send_hour(send_hour)
    zone = _clean_zone(timezone)
    partner = _locked(uow, partner_id, _ACTIVE)
    deliveries = WaitingRepository(uow.session)
    waiting = deliveries.first_stage_in(partner.id, S.SCHEDULED)
    if waiting is not None:
        planned_date = _local_date(waiting.due_at, partner.timezone)
        deliveries.reschedule(waiting.id, stage_due_at(
            planned_date, 0, hour, zone, rt.clock.now(), quiet_days=partner.quiet_weekdays))
    partner.send_hour = hour
    partner.timezone = zone
    return partner


def _locked(uow: UnitOfWork, partner_id: int,
            allowed: frozenset[PartnerStatus]) -> Partner:
    partner = PartnerRepository(uow.session).get_for_update(partner_id)
    if partner is None:
        raise UnknownPartner(partner_id)
    if partner.status not in allowed:
        raise PartnerNotActive(partner.status)
    return partner


def _clean_quiet_days(days: Iterable[int]) -> frozenset[int]:
    found = list(days)
    # bool is an int to Python, but True is not a weekday anyone meant.
    if any(isinstance(day, bool) or not isinstance(day, int) or day not in WEEKDAYS
           for day in found):
        raise PreferenceError("quiet_days", "Quiet days are weekdays from 1 (Monday) to "
                              "7 (Sunday).")
    if len(set(found)) == len(WEEKDAYS):
        raise PreferenceError("quiet_days", "Leave at least one day of the week for emails.")
    return frozenset(found)


def _clean_send_hour(send_hour: int) -> int:
    if isinstance(send_hour, bool) or not isinstance(send_hour, int) \
            or not 0 <= send_hour <= 23:
        raise PreferenceError("send_hour", "The send hour is a whole hour from 0 to 23.")
    return send_hour


def _clean_zone(timezone: str) -> str:
    try:
        return clean_timezone(timezone)
    except ValueError as exc:
        raise PreferenceError("timezone", str(exc)) from exc


def _local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def set_schedule(uow: UnitOfWork, rt: Needs, partner_id: int, send_hour: int,
                 timezone: str, quiet_days: Iterable[int]) -> Partner:
    """Hour, zone and quiet days together, as the preferences page saves them: all are
    checked before anything changes."""
    days = _clean_quiet_days(quiet_days)
    _clean_send_hour(send_hour)
    _clean_zone(timezone)
    set_send_time(uow, rt, partner_id, send_hour, timezone)
    return set_quiet_days(uow, rt, partner_id, days)


def set_nudges(uow: UnitOfWork, rt: Needs, partner_id: int, on: bool) -> Partner:
    """Whether to get the one gentle reminder per step; a reminder already planned is
    dropped at its send time if they turned reminders off."""
    partner = _locked(uow, partner_id, _ACTIVE)
    partner.nudges = on
    return partner


def set_discreet(uow: UnitOfWork, rt: Needs, partner_id: int, on: bool) -> Partner:
    """A neutral sender name, subject and preheader on every email from now on."""
    partner = _locked(uow, partner_id, _ACTIVE)
    partner.discreet = on
    return partner
