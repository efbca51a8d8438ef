"""Recording what happened to a send: sent, retry later, failed, or address suppressed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.retry import retry_delay
from reconnect.mail.replies import Blame
from reconnect.mail.smtp import MailError
from reconnect.models import DeliveryKind, DeliveryStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.partners.service import suppress
from reconnect.sending.needs import Needs
from reconnect.sending.planning import Plan, replan, schedule_next
from reconnect.sending.sent_repository import Recorded, SentRepository

log = logging.getLogger(__name__)
S = DeliveryStatus
T = TypeVar("T")

# Recording an accepted message is retried on a fresh connection when the database
# connection drops: a row left "sending" would be reaped and sent a second time.
RECORD_ATTEMPTS = 3


class Outcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # another worker has it, or it was already done
    CANCELLED = "cancelled"
    HELD = "held"  # the partner paused
    DEFERRED = "deferred"  # over the send-rate cap; queued again in a moment
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Attempt:
    """A delivery a worker is sending, with what recording the result needs."""

    delivery_id: int
    number: int  # which attempt at this delivery; results are recorded only against it
    partner_id: int
    kind: DeliveryKind
    position: int
    message_id: str
    partner_had_failures: bool
    due_at: datetime
    plan: Plan | None = None  # for a stage: what comes next, worked out in advance
    stage: str = ""  # the stage key it belongs to, for metrics ("" for a confirmation)

    def planning_time(self, now: datetime) -> datetime:
        """The time to plan the next stage from: never before this one was due, so a
        worker whose clock lags the dispatcher's (skew between machines) cannot plan the
        next stage earlier than the stage it is sending."""
        return max(now, self.due_at)


def with_reconnect(rt: Needs, work: Callable[[UnitOfWork], T],
                   bind: Connection | None = None) -> T:
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            # A held connection that dropped reconnects by itself on its next use.
            with rt.unit_of_work(bind) as uow:
                return work(uow)
        except DBAPIError as exc:
            if not exc.connection_invalidated or attempt == RECORD_ATTEMPTS:
                raise
            log.warning("database connection lost; recording again", extra={"try": attempt})
    raise AssertionError("unreachable")


def record_sent(rt: Needs, sent: Attempt, bind: Connection | None = None,
                follow_up: Connection | None = None) -> Outcome:
    """Marks the email sent and adds the next stage, at once (``bind`` may be an
    autocommit connection: on Postgres that is a single statement); then, in their own
    transaction on ``follow_up``, the rare corrections."""
    now = rt.clock.now()

    def mark(uow: UnitOfWork) -> Recorded:
        return SentRepository(uow.session).record(sent.delivery_id, sent.number,
                                                  sent.message_id, now, sent.partner_id,
                                                  sent.plan)

    recorded = with_reconnect(rt, mark, bind)
    if not recorded.marked:
        # The reaper gave our row away while we were sending: the documented window.
        log.warning("delivery was reaped while sending", extra={"delivery": sent.delivery_id})
        return Outcome.SKIPPED
    rt.metrics.email_sent(sent.kind, sent.stage)  # committed: with_reconnect has returned
    replan_row = recorded.added if not recorded.on_plan else None
    if sent.partner_had_failures or replan_row is not None:
        def correct(uow: UnitOfWork) -> None:
            if sent.partner_had_failures:
                PartnerRepository(uow.session).reset_permanent_failures(sent.partner_id)
            if replan_row is not None:
                replan(rt, uow.session, sent.partner_id, replan_row, sent.position,
                       sent.planning_time(now))

        with_reconnect(rt, correct, follow_up)
    return Outcome.SENT


def record_failure(rt: Needs, attempt: Attempt, error: MailError,
                   bind: Connection | None = None) -> Outcome:
    reason = str(error)[:500]

    def work(uow: UnitOfWork) -> Outcome:
        repo = DeliveryRepository(uow.session)
        now = rt.clock.now()
        delivery = repo.get(attempt.delivery_id)
        if delivery is None or delivery.status is not S.SENDING \
                or delivery.attempts != attempt.number:
            return Outcome.SKIPPED
        limit = rt.settings.delivery_max_attempts
        if not error.permanent and delivery.attempts < limit:
            delay = retry_delay(delivery.attempts, rt.settings.retry_base_seconds,
                                rt.settings.retry_cap_seconds)
            repo.transition(delivery.id, S.SENDING, S.SCHEDULED, attempt.number,
                            last_error=reason, due_at=now + delay, claimed_at=None)
            log.info("delivery will be retried", extra={"delivery": delivery.id,
                     "reason": reason, "in_seconds": round(delay.total_seconds())})
            uow.after_commit(partial(rt.metrics.delivery_retried, attempt.kind, attempt.stage))
            return Outcome.RETRY
        repo.transition(delivery.id, S.SENDING, S.FAILED, attempt.number, last_error=reason,
                        failed_at=now)
        log.warning("delivery failed", extra={"delivery": delivery.id, "reason": reason,
                                              "permanent": error.permanent,
                                              "blame": error.blame.value})
        uow.after_commit(partial(rt.metrics.email_failed, attempt.kind, attempt.stage,
                                 error.permanent))
        # Only the recipient's own refusals speak against the address; a refused message
        # or a relay's trouble does not.
        suppressed = error.permanent and error.blame is Blame.RECIPIENT and \
            _count_refusal(rt, uow, attempt.partner_id, now)
        # One lost week should not end the program: the next stage is still planned.
        if not suppressed and attempt.kind is DeliveryKind.STAGE:
            schedule_next(rt, uow.session, attempt.partner_id, attempt.position,
                          attempt.planning_time(now))
        return Outcome.FAILED

    return with_reconnect(rt, work, bind)


def _count_refusal(rt: Needs, uow: UnitOfWork, partner_id: int, now: datetime) -> bool:
    """Counts a permanent refusal; at the limit, suppresses the address. True if it is."""
    session = uow.session
    partner = PartnerRepository(session).get_for_update(partner_id)
    if partner is None:
        return True
    partner.permanent_failures += 1
    if partner.permanent_failures < rt.settings.suppress_after_permanent_failures:
        return False
    if suppress(session, partner, now, f"the relay refused the address "
                                       f"{partner.permanent_failures} times in a row"):
        log.warning("address suppressed after permanent failures",
                    extra={"partner": partner.id, "failures": partner.permanent_failures})
        uow.after_commit(rt.metrics.address_suppressed)
    return True
