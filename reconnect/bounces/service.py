"""Acting on a late report: find its email, keep the report once, and change what follows.

- **hard** bounce: the address is suppressed (nothing more is sent to it).
- **complaint**: the partner is unsubscribed (as by their own click) and the address
  suppressed; their partner is not touched or told.
- **soft** bounce: counted; RECONNECT_SUPPRESS_AFTER_SOFT_BOUNCES different emails
  soft-bouncing within RECONNECT_SOFT_BOUNCE_DAYS suppress the address.

The caller owns the transaction. Nothing about a report that matches no email of ours is
stored; it is logged (without address) and counted.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import Protocol

from reconnect.bounces import tags
from reconnect.bounces.report import Report
from reconnect.bounces.repository import BounceRepository
from reconnect.db.uow import UnitOfWork
from reconnect.models import Bounce, BounceKind, Partner
from reconnect.partners.repository import PartnerRepository
from reconnect.partners.service import leave, suppress
from reconnect.ports import Clocked, Configured, Measured

log = logging.getLogger(__name__)


class Needs(Clocked, Configured, Measured, Protocol):
    """What recording a report uses: the clock, the settings (the tag key and the soft
    bounce limits) and the metrics."""


class Recorded(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the same report came before
    UNMATCHED = "unmatched"  # no sent email of ours has that Message-ID or tag


def record(uow: UnitOfWork, rt: Needs, report: Report) -> Recorded:
    repo = BounceRepository(uow.session)
    delivery_id = tags.delivery_of(rt.settings.secret_key, report.tag) if report.tag else None
    delivery = repo.sent_delivery(delivery_id=delivery_id) if delivery_id is not None \
        else None
    delivery = delivery or repo.sent_delivery(message_id=report.message_id)
    if delivery is None:
        log.info("bounce report matches no email", extra={
            "source": report.source, "kind": report.kind.value})
        uow.after_commit(partial(rt.metrics.bounce_unmatched, report.source))
        return Recorded.UNMATCHED
    partner = PartnerRepository(uow.session).get_for_update(delivery.partner_id)
    assert partner is not None  # a delivery's partner: erasure deletes both
    now = rt.clock.now()
    if not repo.add(Bounce(partner_id=partner.id, delivery_id=delivery.id,
                           source=report.source, kind=report.kind, status=report.status,
                           detail=report.detail, event_key=report.event_key,
                           received_at=now)):
        return Recorded.DUPLICATE
    log.warning("bounce recorded", extra={"partner": partner.id, "delivery": delivery.id,
                                          "source": report.source,
                                          "kind": report.kind.value, "status": report.status})
    uow.after_commit(partial(rt.metrics.bounce_received, report.source, report.kind.value))
    reason = _reason(uow, rt, partner, report)
    if reason is not None:
        _suppress(uow, rt, partner, reason)
    return Recorded.APPLIED


def _reason(uow: UnitOfWork, rt: Needs, partner: Partner, report: Report) -> str | None:
    """Why the address is to be suppressed now, or None."""
    status = f" {report.status}" if report.status else ""
    if report.kind is BounceKind.COMPLAINT:
        leave(uow.session, partner, rt.clock.now())
        return f"complaint through {report.source}: marked as spam"
    if report.kind is BounceKind.HARD:
        return f"hard bounce{status} through {report.source}"
    window = timedelta(days=rt.settings.soft_bounce_days)
    soft = BounceRepository(uow.session).soft_bounced_emails(
        partner.id, rt.clock.now() - window)
    if soft >= rt.settings.suppress_after_soft_bounces:
        return (f"{soft} emails soft-bounced within {rt.settings.soft_bounce_days} days "
                f"(last{status} through {report.source})")
    return None


def _suppress(uow: UnitOfWork, rt: Needs, partner: Partner, reason: str) -> None:
    if not suppress(uow.session, partner, rt.clock.now(), reason):
        return
    log.warning("address suppressed after a bounce or complaint",
                extra={"partner": partner.id})
    uow.after_commit(rt.metrics.address_suppressed)
