"""Queuing notices, and "email me my links" taken in two steps like a signup.

``receive`` (in the request) writes one row and looks nothing up, so a known address,
an unknown one and one that has left cost the same and get the same answer. ``process``
(right after the answer, or from the periodic sweep) finds the person, if any, and
queues one email with fresh links.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.jobs import DISPATCH_DUE
from reconnect.models import DeliveryKind, Partner, PartnerStatus
from reconnect.partners.needs import Needs
from reconnect.partners.notice_kinds import Notice, notice_key
from reconnect.partners.notice_repository import LinkInbox, NoticeRepository
from reconnect.partners.repository import PartnerRepository
from reconnect.ports import Transactions

log = logging.getLogger(__name__)


class LinkNeeds(Needs, Transactions, Protocol):
    """Processing a links request owns its transaction."""

# A second ask this soon (a double click, an impatient retry) sends nothing more: the
# first email is still on its way.
NOTICE_GAP = timedelta(minutes=2)
# Of one kind per person per day: enough for a lost email, too few to flood an inbox.
NOTICES_PER_DAY = 4
# Requests left waiting this long are processed by the sweep; younger ones are still
# being processed by the request that took them.
SWEEP_AFTER = timedelta(seconds=30)
SWEEP_BATCH = 200


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
    return LinkInbox(uow.session).add(email, rt.clock.now())


def process_link_request(rt: LinkNeeds, request_id: int) -> None:
    """Never raises: what fails stays waiting for the sweep."""
    try:
        with rt.unit_of_work() as uow:
            row = LinkInbox(uow.session).take(request_id)
            if row is not None:
                send_links(uow, rt, row.email)
    except Exception:
        log.exception("link request could not be processed; left for the sweep")


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
