"""Stopping, with its alternatives: a reason counted without anyone's name on it, a
pause instead, and undo for a while afterwards."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.models import Partner, PartnerStatus
from reconnect.partners import comeback, preferences
from reconnect.partners.links import link_holder
from reconnect.partners.needs import Needs
from reconnect.partners.notice_repository import LeavingReasons
from reconnect.partners.service import leave
from reconnect.tokens import Purpose

# The reasons offered, in the order shown. Only the key is stored, as a count: nothing
# typed, nothing that could name or describe anyone.
REASONS = {
    "too-many": "The emails come too often",
    "not-helpful": "The program is not helping me",
    "not-now": "It is not the right time",
    "changed": "Things have changed between us",
    "other": "Another reason",
}


class UnknownReason(ValueError):
    pass


def holder(session: Session, rt: Needs, token: str, for_update: bool = False) -> Partner:
    return link_holder(session, rt, Purpose.UNSUBSCRIBE, token, for_update=for_update)[0]


def stop(uow: UnitOfWork, rt: Needs, token: str, reason: str = "") -> bool:
    """Unsubscribes; returns False if they already had (a repeat counts no reason)."""
    if reason and reason not in REASONS:
        raise UnknownReason(reason)
    partner = holder(uow.session, rt, token, for_update=True)
    if partner.unsubscribed_at is not None:
        return False
    leave(uow.session, partner, rt.clock.now())
    if reason:
        LeavingReasons(uow.session).count(reason)
    return True


def pause_instead(uow: UnitOfWork, rt: Needs, token: str, weeks: int) -> Partner:
    partner = holder(uow.session, rt, token)
    return preferences.pause(uow, rt, partner.id, rt.clock.now() + timedelta(weeks=weeks))


def undo(uow: UnitOfWork, rt: Needs, token: str) -> comeback.Back | None:
    """Takes stopping back within the undo window; None when the emails are already on
    (a repeated click). Raises NotAway when it is too late or nothing can be undone."""
    partner = holder(uow.session, rt, token, for_update=True)
    if partner.status is PartnerStatus.ACTIVE:
        return None
    if not comeback.undo_window_open(partner, rt.clock.now()):
        raise comeback.NotAway
    return comeback.come_back(uow, rt, partner, restart=False)
