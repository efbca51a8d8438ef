"""From "due" to "sent": claiming, sending, recording, and scheduling what comes next.

States: scheduled -> claimed -> sending -> sent, or failed (with a reason), or cancelled.
Every transition is a compare-and-set, so only one dispatcher claims a row and only one
worker sends it. See docs/delivery.md for the guarantee and its one duplicate window.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum

from reconnect.deliveries.compose import NothingToSend, compose
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.schedule import stage_due_at
from reconnect.jobs import DELIVER
from reconnect.mail.message import OutgoingEmail, build_message
from reconnect.mail.smtp import MailError
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime

log = logging.getLogger(__name__)
S = DeliveryStatus

# A transient SMTP failure is retried this many times, doubling the wait from 1 minute
# (1, 2, 4 … 256 minutes): about 8.5 hours of outage before the delivery is marked
# failed. The cap only matters if MAX_ATTEMPTS is raised.
MAX_ATTEMPTS = 10
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # another worker has it, or it was already done
    CANCELLED = "cancelled"
    RETRY = "retry"
    FAILED = "failed"


def dispatch_due(rt: Runtime) -> list[int]:
    """Claims due deliveries and asks for each to be delivered once the claim commits."""
    with rt.unit_of_work() as uow:
        ids = DeliveryRepository(uow.session).claim_due(rt.clock.now(),
                                                        rt.settings.dispatch_batch_size)
        for delivery_id in ids:
            uow.enqueue_after_commit(DELIVER, delivery_id)
    if ids:
        log.info("deliveries claimed", extra={"count": len(ids)})
    return ids


def reap_stale(rt: Runtime) -> int:
    """Returns claims and sends abandoned by a dead worker to the queue."""
    now = rt.clock.now()
    cutoff = now - timedelta(seconds=rt.settings.claim_timeout_seconds)
    with rt.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        given_up = repo.fail_exhausted(cutoff, MAX_ATTEMPTS)
        count = repo.reap_stale(S.CLAIMED, cutoff, now) + repo.reap_stale(S.SENDING, cutoff, now)
    if given_up:
        log.error("stale deliveries out of attempts marked failed", extra={"count": given_up})
    if count:
        log.warning("stale deliveries returned to the queue", extra={"count": count})
    return count


def deliver(rt: Runtime, delivery_id: int) -> Outcome:
    prepared = _prepare(rt, delivery_id)
    if isinstance(prepared, Outcome):
        return prepared
    message = build_message(prepared, rt.settings.mail_from, rt.clock.now())
    try:
        rt.mailer.send(message)
    except MailError as exc:
        return _record_failure(rt, delivery_id, exc)
    _record_sent(rt, delivery_id, prepared.message_id)
    return Outcome.SENT


def _prepare(rt: Runtime, delivery_id: int) -> OutgoingEmail | Outcome:
    with rt.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        now = rt.clock.now()
        if not repo.transition(delivery_id, S.CLAIMED, S.SENDING, claimed_at=now,
                               attempts=Delivery.attempts + 1):
            return Outcome.SKIPPED
        delivery = repo.get(delivery_id)
        assert delivery is not None
        partner = PartnerRepository(uow.session).get(delivery.partner_id)
        assert partner is not None
        if not _still_wanted(delivery, partner):
            repo.transition(delivery_id, S.SENDING, S.CANCELLED)
            return Outcome.CANCELLED
        try:
            email = compose(uow.session, rt, delivery, partner)
        except Exception as exc:
            # Left claimed, the row would be reaped and fail the same way forever.
            reason = str(exc) if isinstance(exc, NothingToSend) else type(exc).__name__
            repo.transition(delivery_id, S.SENDING, S.FAILED, last_error=reason[:500])
            log.exception("delivery cannot be rendered", extra={"delivery": delivery_id})
            return Outcome.FAILED
        return email


def _still_wanted(delivery: Delivery, partner: Partner) -> bool:
    if delivery.kind is DeliveryKind.CONFIRMATION:
        return partner.status is PartnerStatus.PENDING and partner.confirm_nonce is not None
    return partner.status is PartnerStatus.ACTIVE


def _record_sent(rt: Runtime, delivery_id: int, message_id: str) -> None:
    with rt.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        now = rt.clock.now()
        if not repo.transition(delivery_id, S.SENDING, S.SENT, sent_at=now,
                               message_id=message_id, last_error=None):
            # The reaper gave our row away while we were sending: the documented window.
            log.warning("delivery was reaped while sending", extra={"delivery": delivery_id})
            return
        delivery = repo.get(delivery_id)
        assert delivery is not None
        if delivery.kind is DeliveryKind.STAGE:
            _schedule_next(rt, repo, delivery)


def _schedule_next(rt: Runtime, repo: DeliveryRepository, delivery: Delivery) -> None:
    partners = PartnerRepository(repo.session)
    partner = partners.get_for_update(delivery.partner_id)
    if partner is None or partner.status is not PartnerStatus.ACTIVE:
        return
    assert partner.program_version_id is not None
    assert partner.program_start_date is not None
    program = rt.programs.version(repo.session, partner.program_version_id)
    following = program.stage_at(delivery.position + 1)
    if following is None:
        partner.status = PartnerStatus.COMPLETED
        return
    now = rt.clock.now()
    due = stage_due_at(partner.program_start_date, following.day, partner.send_hour,
                       partner.timezone, now)
    repo.add(partner.id, DeliveryKind.STAGE, following.key, following.position, due, now)


def _record_failure(rt: Runtime, delivery_id: int, error: MailError) -> Outcome:
    with rt.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        delivery = repo.get(delivery_id)
        assert delivery is not None
        reason = str(error)[:500]
        if error.permanent or delivery.attempts >= MAX_ATTEMPTS:
            repo.transition(delivery_id, S.SENDING, S.FAILED, last_error=reason)
            log.warning("delivery failed", extra={"delivery": delivery_id, "reason": reason})
            return Outcome.FAILED
        delay = min(RETRY_CAP, RETRY_BASE * 2 ** (delivery.attempts - 1))
        repo.transition(delivery_id, S.SENDING, S.SCHEDULED, last_error=reason,
                        due_at=rt.clock.now() + delay, claimed_at=None)
        log.info("delivery will be retried", extra={"delivery": delivery_id, "reason": reason})
        return Outcome.RETRY
