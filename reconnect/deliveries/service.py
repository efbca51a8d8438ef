"""From "due" to "sent": claiming, sending in batches, and handing results to outcomes.

States: scheduled -> claimed -> sending -> sent, or failed (with a reason), cancelled, or
held (partner paused). Every transition is a compare-and-set, so only one dispatcher
claims a row and only one worker sends it. See docs/delivery.md for the guarantee and
its one duplicate window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import Connection

from reconnect.deliveries.compose import NothingToSend, compose
from reconnect.deliveries.outcomes import Attempt, Outcome, record_failure, record_sent
from reconnect.deliveries.planning import plan_after
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.jobs import DELIVER, DISPATCH_DUE
from reconnect.mail.message import OutgoingEmail, build_message
from reconnect.mail.smtp import MailError
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime

__all__ = ["Outcome", "deliver", "deliver_one", "dispatch_due", "reap_stale"]

log = logging.getLogger(__name__)
S = DeliveryStatus

# Deliveries per worker job. Larger batches spread the per-job costs (a Celery message,
# one claim-to-sending UPDATE, one partner lookup) over more emails; smaller ones share
# a burst more evenly between workers. 25 keeps both costs low at a few hundred a second.
DELIVER_BATCH = 25
# A send-rate wait is re-queued with a countdown no longer than this; decision 1 of the
# architecture rules out long Celery ETAs.
MAX_DEFER_SECONDS = 5.0


@dataclass(frozen=True)
class _Ready:
    attempt: Attempt
    email: OutgoingEmail


def dispatch_due(rt: Runtime) -> list[int]:
    """Claims due deliveries and asks for them to be sent once the claim commits.

    A full batch means more may be due: the dispatcher asks for itself again, behind the
    jobs it just queued, so a backlog drains at the workers' pace without a beat tick
    per batch and without claiming far more than the workers can take."""
    limit = rt.settings.dispatch_batch_size
    with rt.unit_of_work() as uow:
        ids = DeliveryRepository(uow.session).claim_due(rt.clock.now(), limit)
        for start in range(0, len(ids), DELIVER_BATCH):
            uow.enqueue_after_commit(DELIVER, *ids[start:start + DELIVER_BATCH])
        if len(ids) == limit:
            uow.enqueue_after_commit(DISPATCH_DUE)
    if ids:
        log.info("deliveries claimed", extra={"count": len(ids)})
    return ids


def reap_stale(rt: Runtime) -> int:
    """Returns claims and sends abandoned by a dead worker to the queue."""
    now = rt.clock.now()
    cutoff = now - timedelta(seconds=rt.settings.claim_timeout_seconds)
    with rt.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        given_up = repo.fail_exhausted(cutoff, rt.settings.delivery_max_attempts)
        count = repo.reap_stale(S.CLAIMED, cutoff, now) + repo.reap_stale(S.SENDING, cutoff, now)
    if given_up:
        log.error("stale deliveries out of attempts marked failed", extra={"count": given_up})
    if count:
        log.warning("stale deliveries returned to the queue", extra={"count": count})
    return count


def deliver(rt: Runtime, delivery_ids: Sequence[int]) -> dict[int, Outcome]:
    """Sends a batch of claimed deliveries over the worker's one SMTP session, recording
    each result as soon as the relay answers so a crash can repeat one message at most."""
    ids = sorted(set(delivery_ids))
    outcomes: dict[int, Outcome] = {}
    ids = _within_send_rate(rt, ids, outcomes)
    if not ids:
        return outcomes
    # Connections held for the whole batch: a checkout (and liveness check) per batch
    # instead of per email; every result is still its own transaction.
    with rt.engine.connect() as conn, _recording_connection(rt, conn) as fast:
        for item in _prepare(rt, conn, ids, outcomes):
            attempt = item.attempt
            message = build_message(item.email, rt.settings.mail_from, rt.clock.now())
            try:
                rt.mailer.send(message)
            except MailError as exc:
                outcomes[attempt.delivery_id] = record_failure(rt, attempt, exc, conn)
                continue
            outcomes[attempt.delivery_id] = record_sent(rt, attempt, fast, conn)
    return outcomes


def _recording_connection(rt: Runtime, conn: Connection) -> AbstractContextManager[Connection]:
    """Where a send is recorded. On Postgres, an autocommit connection: the record is one
    atomic statement, so BEGIN and COMMIT would only add two round trips per email.
    SQLite records in several statements, so it keeps the transactional connection."""
    if rt.engine.dialect.name == "postgresql":
        return rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    return nullcontext(conn)


def deliver_one(rt: Runtime, delivery_id: int) -> Outcome:
    return deliver(rt, [delivery_id])[delivery_id]


def _within_send_rate(rt: Runtime, ids: list[int], outcomes: dict[int, Outcome]) -> list[int]:
    """Keeps the sends the shared rate cap allows now; the rest stay claimed and come back
    as a new job once the cap allows them (or, if that job is lost, via the reaper)."""
    if rt.throttle is None or not ids:
        return ids
    grant = rt.throttle.acquire(len(ids))
    now_ids, later = ids[:grant.granted], ids[grant.granted:]
    if later:
        rt.sender.send(DELIVER, tuple(later),
                       countdown=min(MAX_DEFER_SECONDS, max(grant.retry_after, 0.01)))
        outcomes.update(dict.fromkeys(later, Outcome.DEFERRED))
    return now_ids


def _prepare(rt: Runtime, conn: Connection, ids: list[int],
             outcomes: dict[int, Outcome]) -> list[_Ready]:
    """Takes the batch (claimed -> sending), renders every email and plans each partner's
    next stage, in one transaction."""
    ready: list[_Ready] = []
    with rt.unit_of_work(conn) as uow:
        repo = DeliveryRepository(uow.session)
        now = rt.clock.now()
        won = repo.start_sending(ids, now)
        outcomes.update(dict.fromkeys(set(ids) - set(won), Outcome.SKIPPED))
        if not won:
            return ready
        deliveries = repo.get_many(won)
        people = PartnerRepository(uow.session).with_partners({d.partner_id for d in deliveries})
        for delivery in deliveries:
            partner = people[delivery.partner_id]
            other = next((p for p in people.values()
                          if p.couple_id == partner.couple_id and p.id != partner.id), None)
            stop = _stopped(delivery, partner)
            if stop is not None:
                # Not an attempt at sending: a held row must keep its full allowance.
                repo.transition(delivery.id, S.SENDING, stop, claimed_at=None,
                                attempts=Delivery.attempts - 1)
                outcomes[delivery.id] = Outcome(stop.value)
                continue
            try:
                email = compose(uow.session, rt, delivery, partner, other)
            except Exception as exc:
                # Left claimed, the row would be reaped and fail the same way forever.
                reason = str(exc) if isinstance(exc, NothingToSend) else type(exc).__name__
                repo.transition(delivery.id, S.SENDING, S.FAILED, last_error=reason[:500])
                log.exception("delivery cannot be rendered", extra={"delivery": delivery.id})
                outcomes[delivery.id] = Outcome.FAILED
                continue
            attempt = Attempt(
                delivery_id=delivery.id, partner_id=partner.id, kind=delivery.kind,
                position=delivery.position, message_id=email.message_id,
                partner_had_failures=partner.permanent_failures > 0, due_at=delivery.due_at)
            if delivery.kind is DeliveryKind.STAGE:
                attempt = replace(attempt, plan=plan_after(
                    rt, uow.session, partner, delivery.position, attempt.planning_time(now)))
            ready.append(_Ready(attempt, email))
    return ready


def _stopped(delivery: Delivery, partner: Partner) -> DeliveryStatus | None:
    """Why this email must not go now (cancelled, or held for a pause), or None."""
    if partner.suppressed_at is not None:
        return S.CANCELLED
    if delivery.kind is DeliveryKind.CONFIRMATION:
        wanted = partner.status is PartnerStatus.PENDING and partner.confirm_nonce is not None
        return None if wanted else S.CANCELLED
    if partner.status is not PartnerStatus.ACTIVE:
        return S.CANCELLED
    return S.HELD if partner.paused_at is not None else None
