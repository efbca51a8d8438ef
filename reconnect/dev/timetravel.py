"""Fast-forwarding the shared development clock, so a nine-week program takes minutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from reconnect.clock import TravellingClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.jobs import DISPATCH_DUE
from reconnect.models import ClockOffset
from reconnect.ports import Clocked, Configured, Transactions


class Needs(Clocked, Configured, Transactions, Protocol):
    """The shared clock, the setting that allows moving it, and transactions."""


class TimeTravelDisabled(RuntimeError):
    pass


def advance(rt: Needs, seconds: float) -> float:
    """Moves every process's clock forward; returns the new total offset in seconds."""
    if not rt.settings.time_travel:
        raise TimeTravelDisabled("set RECONNECT_TIME_TRAVEL=true (development only)")
    with rt.unit_of_work() as uow:
        row = uow.session.get(ClockOffset, 1, with_for_update=True)
        if row is None:
            row = ClockOffset(id=1, offset_seconds=0.0)
            uow.session.add(row)
        row.offset_seconds = float(row.offset_seconds or 0.0) + max(0.0, seconds)
        total = row.offset_seconds
        uow.enqueue_after_commit(DISPATCH_DUE)
    if isinstance(rt.clock, TravellingClock):
        rt.clock.forget()
    return total


def advance_to_next_due(rt: Needs) -> timedelta:
    """Jumps to the moment the next scheduled email is due (if it is in the future)."""
    with rt.read_session() as session:
        due = DeliveryRepository(session).earliest_scheduled()
    if due is None:
        return timedelta(0)
    gap = due - rt.clock.now() + timedelta(seconds=1)
    if gap <= timedelta(0):
        advance(rt, 0)
        return timedelta(0)
    advance(rt, gap.total_seconds())
    return gap
