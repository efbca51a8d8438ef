"""Recovering after a relay incident: sending again what failed between two times, and
releasing addresses that were suppressed. The caller owns the transaction.

``retry_failed`` first works out, for each email that failed in the window, what would
happen (a dry run shows exactly this), then does it when asked:

- a confirmation, reminder or copy goes back to the queue as it is, due now, with a fresh
  allowance of attempts (it is checked again when sent: a partner who confirmed since
  gets no second confirmation);
- a program stage comes back as a copy of that stage (the program has moved on to the
  next stage meanwhile; a copy never plans another);
- nothing goes to an address that is suppressed (release it first, with ``unsuppress``),
  to a partner who unsubscribed, or that no longer applies.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from reconnect.admin.needs import Needs
from reconnect.admin.recovery_repository import RecoveryRepository
from reconnect.admin.resend import ResendRefused, resend
from reconnect.admin.schemas import PartnerSummary
from reconnect.admin.service import InvalidInput, UnknownPartner, audit, summary
from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.schedule import next_send_time
from reconnect.jobs import DISPATCH_DUE
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners import rules
from reconnect.partners.repository import PartnerRepository
from reconnect.sending.compose import stage_key_of
from reconnect.sending.planning import schedule_next

MAX_REASON = 200
REQUEUE, COPY = "requeue", "copy"


@dataclass(frozen=True)
class Candidate:
    delivery_id: int
    partner_id: int
    kind: str
    stage: str | None
    action: str  # requeue, copy, or why not: suppressed, unsubscribed, no_longer_needed


@dataclass(frozen=True)
class RetryPlan:
    candidates: list[Candidate]

    @property
    def counts(self) -> Counter[str]:
        return Counter(c.action for c in self.candidates)


def plan_retry(session: Session, since: datetime, until: datetime) -> RetryPlan:
    """``since`` and ``until`` without a zone are UTC."""
    since, until = as_utc(since), as_utc(until)
    if since >= until:
        raise InvalidInput("until", "must be later than since")
    rows = RecoveryRepository(session).failed_between(since, until)
    return RetryPlan([Candidate(d.id, p.id, d.kind.value, _stage(d), _action(d, p))
                      for d, p in rows])


def retry_failed(uow: UnitOfWork, rt: Needs, since: datetime, until: datetime) -> RetryPlan:
    plan = plan_retry(uow.session, since, until)
    repo, now, done = RecoveryRepository(uow.session), rt.clock.now(), []
    for candidate in plan.candidates:
        action = candidate.action
        if action == REQUEUE and not repo.requeue(candidate.delivery_id, now):
            action = "no_longer_needed"
        elif action == COPY:
            try:
                with uow.session.begin_nested():
                    resend(uow, rt, candidate.partner_id, candidate.stage or "")
            except (ResendRefused, InvalidInput):
                action = "no_longer_needed"
        done.append(Candidate(candidate.delivery_id, candidate.partner_id, candidate.kind,
                              candidate.stage, action))
    result = RetryPlan(done)
    if result.counts[REQUEUE] or result.counts[COPY]:
        uow.enqueue_after_commit(DISPATCH_DUE)
    audit("retry-failed", None, since=since.isoformat(), until=until.isoformat(),
          **{k.replace("-", "_"): v for k, v in result.counts.items()})
    return result


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _stage(delivery: Delivery) -> str | None:
    return None if delivery.kind is DeliveryKind.CONFIRMATION else stage_key_of(delivery)


def _action(delivery: Delivery, partner: Partner) -> str:
    if rules.suppressed(partner):
        return "suppressed"
    if partner.status is PartnerStatus.UNSUBSCRIBED:
        return "unsubscribed"
    if delivery.kind is DeliveryKind.CONFIRMATION:
        pending = partner.status is PartnerStatus.PENDING and partner.confirm_nonce
        return REQUEUE if pending else "no_longer_needed"
    if delivery.kind is DeliveryKind.STAGE:
        return COPY if partner.paused_at is None else "no_longer_needed"
    return REQUEUE


def unsuppress(uow: UnitOfWork, rt: Needs, partner_id: int, reason: str) -> PartnerSummary:
    """Mail may go to the address again; an enrolled partner's program resumes with the
    stage the suppression cancelled (at their next send hour), or the one after."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput("reason", f"say why, in 1 to {MAX_REASON} characters")
    partner = PartnerRepository(uow.session).get_for_update(partner_id)
    if partner is None:
        raise UnknownPartner(partner_id)
    if rules.suppressed(partner):
        was = partner.suppressed_reason
        partner.suppressed_at = partner.suppressed_reason = None
        partner.permanent_failures = 0
        uow.session.flush()
        if partner.status is PartnerStatus.ACTIVE:
            _resume_program(uow, rt, partner)
        audit("unsuppress", partner_id, reason=reason, was=was)
    return summary(uow.session, rt, partner_id)


def _resume_program(uow: UnitOfWork, rt: Needs, partner: Partner) -> None:
    repo, now = RecoveryRepository(uow.session), rt.clock.now()
    last = repo.last_stage(partner.id)
    if last is None:
        return
    if last.status is DeliveryStatus.CANCELLED:
        due = next_send_time(now, partner.send_hour, partner.timezone,
                             quiet_days=partner.quiet_weekdays)
        held = partner.paused_at is not None
        repo.revive(last.id, DeliveryStatus.HELD if held else DeliveryStatus.SCHEDULED, due)
    elif last.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
        schedule_next(rt, uow.session, partner.id, last.position, now)


def suppressed(session: Session, limit: int, offset: int) -> list[Partner]:
    return RecoveryRepository(session).suppressed(limit, offset)
