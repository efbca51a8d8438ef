"""Notices: one-off emails about the couple, found due in the database by a beat job and
sent by the normal dispatch path (a ``notice`` delivery, exactly once like any other:
``UNIQUE(partner, key)`` with the key naming the occasion).

The one notice so far: an invitation expired without an answer. The inviter is told
once, gently, at their next send hour on a day that is not quiet, and the expired
invitation's row is erased (nothing about the invited person stays). A declined
invitation, an address that refuses invitations and one already enrolled expire the
same way, so the notice never says why.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.schedule import next_send_time
from reconnect.models import Delivery, DeliveryKind, Partner, PartnerStatus
from reconnect.partners import needs as partners
from reconnect.partners.data_repository import PartnerDataRepository
from reconnect.partners.notice_repository import NOTICE_PREFIX, NoticeRepository
from reconnect.partners.repository import PartnerRepository
from reconnect.ports import Transactions

log = logging.getLogger(__name__)

# Couples looked at per run; the job runs every few minutes, and a backlog (after an
# outage) drains over a few runs instead of in one long transaction.
EXPIRY_BATCH = 200


def invitation_notice_key(number: int) -> str:
    # Stage keys cannot contain "_", so this never collides with a stage's key.
    return f"{NOTICE_PREFIX}{number}"


def is_invitation_notice(delivery: Delivery) -> bool:
    return delivery.kind is DeliveryKind.NOTICE and delivery.key.startswith(NOTICE_PREFIX)


class Needs(partners.Needs, Transactions, Protocol):
    """The beat job owns its transactions (one per couple)."""


def expire_invitations(rt: Needs) -> int:
    """The beat job: plans the notice for each invitation that expired, and erases its
    lapsed row. Returns how many notices were planned. Safe to run twice at once: the
    couple row is locked and the notice's key is unique."""
    now = rt.clock.now()
    cutoff = now - timedelta(days=rt.settings.confirm_token_days)
    with rt.read_session() as session:
        found = NoticeRepository(session).expired_invitations(cutoff, EXPIRY_BATCH)
    planned = 0
    for expired in found:
        with rt.unit_of_work() as uow:
            partners = PartnerRepository(uow.session)
            couple = partners.couple_for_update(expired.couple_id)
            inviter = partners.get_for_update(expired.inviter_id)
            if inviter is None or couple.invitations_sent != expired.number:
                continue  # invited again (or erased) in between: the next run decides
            for lapsed in NoticeRepository(uow.session).lapsed_invitees(
                    couple.id, inviter.id, cutoff):
                PartnerDataRepository(uow.session).erase(lapsed)
            planned += _plan_notice(uow.session, inviter, expired.number, now)
    if planned:
        log.info("invitation notices planned", extra={"count": planned})
    return planned


def _plan_notice(session: Session, inviter: Partner, number: int, now: datetime) -> int:
    due = next_send_time(now, inviter.send_hour, inviter.timezone,
                         quiet_days=inviter.quiet_weekdays)
    try:
        with session.begin_nested():
            DeliveryRepository(session).add(inviter.id, DeliveryKind.NOTICE,
                                            invitation_notice_key(number), -1, due, now)
    except IntegrityError:
        return 0  # another run planned it first: once is enough
    return 1


def notice_still_wanted(partner: Partner, other: Partner | None) -> bool:
    """At send time: the inviter is still enrolled and not paused, and nobody joined
    since (a partner who joined would make the notice wrong)."""
    if partner.status is not PartnerStatus.ACTIVE or partner.paused_at is not None:
        return False
    return other is None or other.confirmed_at is None
