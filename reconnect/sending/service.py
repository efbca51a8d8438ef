"""From "due" to "sent": claiming, sending in batches, and handing results to outcomes.

States: scheduled -> claimed -> sending -> sent, or failed (with a reason), cancelled, or
held (partner paused). Every transition is a compare-and-set, so only one dispatcher
claims a row and only one worker sends it. See docs/delivery.md for the guarantee and
its one duplicate window.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from functools import partial

from sqlalchemy import Connection

from reconnect.deliveries.repository import DeliveryRepository
from reconnect.jobs import DELIVER, DISPATCH_DUE
from reconnect.mail.replies import Blame
from reconnect.mail.smtp import MailError
from reconnect.models import DeliveryStatus
from reconnect.sending.batch import ClaimKeeper, prepare
from reconnect.sending.labels import stage_label
from reconnect.sending.needs import Needs
from reconnect.sending.outcomes import Outcome, record_failure, record_sent

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


def dispatch_due(rt: Needs) -> list[int]:
    """Claims due deliveries and asks for them to be sent once the claim commits.

    A full batch means more may be due: the dispatcher asks for itself again, behind the
    jobs it just queued, so a backlog drains at the workers' pace without a beat tick
    per batch and without claiming far more than the workers can take."""
    limit = _claim_limit(rt)
    with rt.unit_of_work() as uow:
        ids = DeliveryRepository(uow.session).claim_due(rt.clock.now(), limit)
        for start in range(0, len(ids), DELIVER_BATCH):
            uow.enqueue_after_commit(DELIVER, *ids[start:start + DELIVER_BATCH])
        if len(ids) == limit and rt.throttle is None:
            uow.enqueue_after_commit(DISPATCH_DUE)
    if ids:
        log.info("deliveries claimed", extra={"count": len(ids)})
    return ids


def _claim_limit(rt: Needs) -> int:
    """Under a send-rate cap, a tick claims only what the cap lets out before the next
    tick: a larger claim would only wait, claimed, and age towards the reaper."""
    limit = rt.settings.dispatch_batch_size
    if rt.settings.smtp_max_per_second and rt.throttle is not None:
        per_tick = rt.settings.smtp_max_per_second * rt.settings.dispatch_interval_seconds
        limit = min(limit, max(1, math.ceil(per_tick)))
    return limit


def reap_stale(rt: Needs) -> int:
    """Returns claims and sends abandoned by a dead worker to the queue."""
    now = rt.clock.now()
    cutoff = now - timedelta(seconds=rt.settings.claim_timeout_seconds)
    with rt.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        given_up = repo.fail_exhausted(cutoff, rt.settings.delivery_max_attempts, now)
        for delivery in repo.get_many(given_up) if given_up else []:
            uow.after_commit(partial(rt.metrics.email_failed, delivery.kind,
                                     stage_label(delivery), False))
        count = repo.reap_stale(S.CLAIMED, cutoff) + repo.reap_stale(S.SENDING, cutoff)
    if given_up:
        log.error("stale deliveries out of attempts marked failed",
                  extra={"count": len(given_up)})
    if count:
        log.warning("stale deliveries returned to the queue", extra={"count": count})
    return count


def deliver(rt: Needs, delivery_ids: Sequence[int]) -> dict[int, Outcome]:
    """Sends a batch of claimed deliveries over the worker's one SMTP session, recording
    each result as soon as the relay answers so a crash can repeat one message at most."""
    # Every count of the batch goes to Redis in one round trip when it ends.
    with rt.metrics.batch():
        return _deliver(rt, delivery_ids)


def _deliver(rt: Needs, delivery_ids: Sequence[int]) -> dict[int, Outcome]:
    ids = sorted(set(delivery_ids))
    outcomes: dict[int, Outcome] = {}
    ids = _within_send_rate(rt, ids, outcomes)
    if not ids:
        return outcomes
    # Connections held for the whole batch: a checkout (and liveness check) per batch
    # instead of per email; every result is still its own transaction.
    with rt.engine.connect() as conn, _recording_connection(rt, conn) as fast:
        ready = prepare(rt, conn, ids, outcomes)
        claims = ClaimKeeper(rt, conn, ready)
        for item in ready:
            attempt = item.attempt
            if not claims.still_ours(attempt.delivery_id):
                outcomes[attempt.delivery_id] = Outcome.SKIPPED  # reaped: another has it
                continue
            try:
                rt.mailer.send(item.message)
            except MailError as exc:
                outcomes[attempt.delivery_id] = record_failure(rt, attempt, exc, conn)
                continue
            except Exception as exc:
                # Unforeseen, so not the recipient's fault: retried like a relay hiccup,
                # and the rest of the batch still goes.
                log.exception("sending failed unexpectedly",
                              extra={"delivery": attempt.delivery_id})
                outcomes[attempt.delivery_id] = record_failure(
                    rt, attempt, MailError(type(exc).__name__, permanent=False,
                                          blame=Blame.RELAY), conn)
                continue
            outcomes[attempt.delivery_id] = record_sent(rt, attempt, fast, conn)
    return outcomes


def _recording_connection(rt: Needs, conn: Connection) -> AbstractContextManager[Connection]:
    """Where a send is recorded. On Postgres, an autocommit connection: the record is one
    atomic statement, so BEGIN and COMMIT would only add two round trips per email.
    SQLite records in several statements, so it keeps the transactional connection."""
    if rt.engine.dialect.name == "postgresql":
        return rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    return nullcontext(conn)


def deliver_one(rt: Needs, delivery_id: int) -> Outcome:
    return deliver(rt, [delivery_id])[delivery_id]


def _within_send_rate(rt: Needs, ids: list[int], outcomes: dict[int, Outcome]) -> list[int]:
    """Keeps the sends the shared rate cap allows now; the rest stay claimed (their claim
    renewed) and come back as a new job once the cap allows them (or, if that job is
    lost, via the reaper)."""
    if rt.throttle is None or not ids:
        return ids
    with rt.unit_of_work() as uow:
        # Only rows still waiting for a worker take a share of the cap.
        waiting = DeliveryRepository(uow.session).keep_claimed(ids, rt.clock.now())
    outcomes.update(dict.fromkeys(set(ids) - set(waiting), Outcome.SKIPPED))
    ids = waiting
    grant = rt.throttle.acquire(len(ids))
    now_ids, later = ids[:grant.granted], ids[grant.granted:]
    if later:
        rt.sender.send(DELIVER, tuple(later),
                       countdown=min(MAX_DEFER_SECONDS, max(grant.retry_after, 0.01)))
        outcomes.update(dict.fromkeys(later, Outcome.DEFERRED))
    return now_ids
