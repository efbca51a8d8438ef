"""Notices: one-off emails about a person or their couple, sent by the normal dispatch
path as ``notice`` deliveries (exactly once like any other: ``UNIQUE(partner, key)``
with the key naming the kind and the occasion, reconnect/partners/notice_kinds.py).

Two ways they are planned:

- Asked for, at once: "email me my links", taken in two steps like a signup.
  ``receive_link_request`` (in the request) writes one row and looks nothing up, so a
  known address, an unknown one and one that has left cost the same and get the same
  answer; ``process_link_request`` (a worker job queued on commit, or the periodic sweep)
  finds the person, if any, and queues one email with fresh links. Welcome back and the
  change-of-address notices are queued by their services through ``queue``.
- Found due by a beat job: an invitation expired without an answer. The inviter is told
  once, gently, at their next send hour on a day that is not quiet, and the expired
  invitation's row is erased (nothing about the invited person stays). A declined
  invitation, an address that refuses invitations and one already enrolled expire the
  same way, so the notice never says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconnect.db.inbox import Taken, drain
from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.schedule import next_send_time
from reconnect.jobs import DISPATCH_DUE, PROCESS_LINK_REQUESTS
from reconnect.models import DeliveryKind, LinkRequest, Partner, PartnerStatus
from reconnect.partners.data_repository import PartnerDataRepository
from reconnect.partners.needs import Needs
from reconnect.partners.notice_kinds import Notice, notice_key
from reconnect.partners.notice_repository import LinkInbox, NoticeRepository
from reconnect.partners.repository import PartnerRepository
from reconnect.ports import Transactions

log = logging.getLogger(__name__)


class LinkNeeds(Needs, Transactions, Protocol):
    """Processing a links request, and the expiry beat job, own their transactions."""


# A second ask this soon (a double click, an impatient retry) sends nothing more: the
# first email is still on its way.
NOTICE_GAP = timedelta(minutes=2)
# Of one kind per person per day: enough for a lost email, too few to flood an inbox.
NOTICES_PER_DAY = 4
# Requests left waiting this long are processed by the sweep; younger ones are still
# being processed by the request that took them.
SWEEP_AFTER = timedelta(seconds=30)
SWEEP_BATCH = 200
# Requests one job processes before it queues another (as for signups).
INBOX_BATCH = 500
# Couples looked at per expiry run; the job runs every few minutes, and a backlog (after
# an outage) drains over a few runs instead of in one long transaction.
EXPIRY_BATCH = 200


def queue(uow: UnitOfWork, rt: Needs, partner: Partner, notice: Notice, *,
          news: bool = False) -> bool:
    """Queues one notice to the partner (locked by the caller), due now; False when one
    just went or the day's allowance is used. ``news``: it says something the last one
    did not (another new address), so a recent one does not stand in for it."""
    now = rt.clock.now()
    times = NoticeRepository(uow.session).sent_times(partner.id, notice)
    if times and now - max(times) < NOTICE_GAP and not news:
        return False
    if sum(1 for t in times if now - t < timedelta(days=1)) >= NOTICES_PER_DAY:
        return False
    DeliveryRepository(uow.session).add(partner.id, DeliveryKind.NOTICE,
                                        notice_key(notice, len(times) + 1), -1, now, now)
    # Beat would find it within a tick; asking now makes it arrive at once.
    uow.enqueue_after_commit(DISPATCH_DUE)
    return True


def receive_link_request(uow: UnitOfWork, rt: Needs, email: str) -> int:
    """One row, whatever the address; a worker job looks it up once it is committed."""
    request_id = LinkInbox(uow.session).add(email, rt.clock.now())
    uow.enqueue_after_commit(PROCESS_LINK_REQUESTS)
    return request_id


def process_link_request(rt: LinkNeeds, request_id: int) -> None:
    """One request, by id (the sweep). Never raises: what fails stays waiting."""
    _process_link(rt, lambda inbox: inbox.take(request_id))


def process_link_inbox(rt: LinkNeeds, limit: int = INBOX_BATCH) -> int:
    """The job queued after link requests are received: as signups.process_inbox."""
    return drain(lambda passed: _process_link(rt, lambda inbox: inbox.take_next(passed)),
                 limit, rt.unit_of_work, PROCESS_LINK_REQUESTS)


def _process_link(rt: LinkNeeds, take: Callable[[LinkInbox], LinkRequest | None]
                  ) -> Taken | None:
    taken: int | None = None
    try:
        with rt.unit_of_work() as uow:
            row = take(LinkInbox(uow.session))
            if row is None:
                return None
            taken = row.id
            send_links(uow, rt, row.email)
        return Taken(taken, done=True)
    except Exception:
        log.exception("link request could not be processed; left for the sweep")
        return Taken(taken, done=False) if taken is not None else None


def send_links(uow: UnitOfWork, rt: Needs, email: str) -> None:
    partners = PartnerRepository(uow.session)
    found = partners.by_emails([email]).get(email)
    if found is None:
        return  # nobody with this address: nothing is sent, and nothing says so
    partner = partners.get_for_update(found.id)
    if partner is None or partner.status is PartnerStatus.PENDING:
        # Someone who never confirmed has no pages yet: signing up again sends them a
        # new confirmation, as the page says.
        return
    queue(uow, rt, partner, Notice.LINKS)


def process_waiting_link_requests(rt: LinkNeeds) -> int:
    with rt.read_session() as session:
        ids = LinkInbox(session).waiting_since(rt.clock.now() - SWEEP_AFTER, SWEEP_BATCH)
    for request_id in ids:
        process_link_request(rt, request_id)
    return len(ids)


def expire_invitations(rt: LinkNeeds) -> int:
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
            planned += _plan_invitation_notice(uow.session, inviter, expired.number, now)
    if planned:
        log.info("invitation notices planned", extra={"count": planned})
    return planned


def _plan_invitation_notice(session: Session, inviter: Partner, number: int,
                            now: datetime) -> int:
    due = next_send_time(now, inviter.send_hour, inviter.timezone,
                         quiet_days=inviter.quiet_weekdays)
    try:
        with session.begin_nested():
            DeliveryRepository(session).add(inviter.id, DeliveryKind.NOTICE,
                                            notice_key(Notice.INVITATION, number), -1,
                                            due, now)
    except IntegrityError:
        return 0  # another run planned it first: once is enough
    return 1
