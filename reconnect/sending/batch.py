"""A worker's batch: taking its rows, rendering each email, and keeping its claim alive."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from reconnect.bounces import tags
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.resends import RESENDABLE
from reconnect.mail.message import OutgoingEmail, WireMessage, build_message
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.notice_kinds import notice_wanted
from reconnect.partners.repository import PartnerRepository
from reconnect.partners.rules import suppressed
from reconnect.reflections import nudges
from reconnect.sending.compose import NothingToSend, compose, known_answers
from reconnect.sending.labels import stage_label
from reconnect.sending.needs import Needs
from reconnect.sending.outcomes import Attempt, Outcome, with_reconnect
from reconnect.sending.planning import enrolled, plan_after
from reconnect.settings import HEARTBEAT_SECONDS

log = logging.getLogger(__name__)
S = DeliveryStatus


@dataclass(frozen=True)
class Ready:
    attempt: Attempt
    message: WireMessage


def prepare(rt: Needs, conn: Connection, ids: list[int],
            outcomes: dict[int, Outcome]) -> list[Ready]:
    """Takes the batch (claimed -> sending), builds every email and plans each partner's
    next stage, in one transaction. An email that cannot be built fails alone."""
    ready: list[Ready] = []
    with rt.unit_of_work(conn) as uow:
        repo = DeliveryRepository(uow.session)
        now = rt.clock.now()
        won = repo.start_sending(ids, now)
        outcomes.update(dict.fromkeys(set(ids) - set(won), Outcome.SKIPPED))
        if not won:
            return ready
        deliveries = repo.get_many(won)
        people = PartnerRepository(uow.session).with_partners({d.partner_id for d in deliveries})
        known = known_answers(uow.session, {d.partner_id for d in deliveries
                                            if d.kind is DeliveryKind.STAGE})
        for delivery in deliveries:
            partner = people[delivery.partner_id]
            stop = _stopped(rt, uow.session, delivery, partner)
            if stop is not None:
                # Not an attempt at sending: a held row must keep its full allowance.
                repo.transition(delivery.id, S.SENDING, stop, claimed_at=None,
                                attempts=Delivery.attempts - 1)
                outcomes[delivery.id] = Outcome(stop.value)
                continue
            other = next((p for p in people.values()
                          if p.couple_id == partner.couple_id and p.id != partner.id), None)
            try:
                email = compose(uow.session, rt, delivery, partner, other, known)
                message = _wire(rt, email, delivery.id, now)
            except Exception as exc:
                # Left claimed, the row would be reaped and fail the same way forever.
                reason = str(exc) if isinstance(exc, NothingToSend | ValueError) \
                    else type(exc).__name__
                repo.transition(delivery.id, S.SENDING, S.FAILED, last_error=reason[:500],
                                failed_at=now)
                log.exception("delivery cannot be built", extra={"delivery": delivery.id})
                # Permanent: trying again would build the same broken email.
                uow.after_commit(partial(rt.metrics.email_failed, delivery.kind,
                                         stage_label(delivery), True))
                outcomes[delivery.id] = Outcome.FAILED
                continue
            attempt = Attempt(
                delivery_id=delivery.id, number=delivery.attempts, partner_id=partner.id,
                kind=delivery.kind, position=delivery.position, message_id=email.message_id,
                partner_had_failures=partner.permanent_failures > 0, due_at=delivery.due_at,
                stage=stage_label(delivery))
            if delivery.kind is DeliveryKind.STAGE:
                attempt = replace(attempt, plan=plan_after(
                    rt, uow.session, partner, delivery.position, attempt.planning_time(now)))
            ready.append(Ready(attempt, message))
    return ready


def _wire(rt: Needs, email: OutgoingEmail, delivery_id: int, now: datetime) -> WireMessage:
    """The bytes, with the email's opaque tag where bounce reports can bring it back: the
    envelope sender (VERP) when a bounce address is set, Postmark's metadata when its
    webhook is."""
    s = rt.settings
    tag = tags.tag_for(s.secret_key, delivery_id) \
        if s.bounce_address or s.postmark_webhook_token else None
    if tag and s.postmark_webhook_token:
        email = replace(email, postmark_tag=tag)
    envelope = tags.verp_address(s.bounce_address, tag) if tag and s.bounce_address else None
    return build_message(email, s.mail_from, now, envelope_sender=envelope)


def _stopped(rt: Needs, session: Session, delivery: Delivery,
             partner: Partner) -> DeliveryStatus | None:
    """Why this email must not go now (cancelled, or held for a pause), or None."""
    if suppressed(partner):
        return S.CANCELLED
    if delivery.kind is DeliveryKind.NOTICE:
        other = PartnerRepository(session).other_partner(partner)
        return None if notice_wanted(delivery, partner, other) else S.CANCELLED
    if delivery.kind is DeliveryKind.CONFIRMATION:
        wanted = partner.status is PartnerStatus.PENDING and partner.confirm_nonce is not None
        return None if wanted else S.CANCELLED
    if delivery.kind is DeliveryKind.NUDGE:
        stage = rt.programs.version(session, partner.program_version_id).stage(
            nudges.stage_of(delivery)) if partner.program_version_id else None
        return None if nudges.still_wanted(session, delivery, partner, stage) else S.CANCELLED
    if delivery.kind is DeliveryKind.RESEND:
        # Asked for by an operator; dropped if the partner left or paused since (resuming
        # releases only the program's own stages, so holding it would strand it).
        wanted = partner.status in RESENDABLE and partner.paused_at is None
        return None if wanted else S.CANCELLED
    if not enrolled(partner):
        return S.CANCELLED
    return S.HELD if partner.paused_at is not None else None


class ClaimKeeper:
    """Renews the claim on a batch's unsent rows every HEARTBEAT_SECONDS, so a batch
    sent through a slow relay is not reaped (and sent again) while still in hand."""

    def __init__(self, rt: Needs, conn: Connection, ready: list[Ready],
                 every: float = HEARTBEAT_SECONDS) -> None:
        self._rt, self._conn, self._every = rt, conn, every
        self._pending = {r.attempt.delivery_id: r.attempt.number for r in ready}
        self._renewed = time.monotonic()

    def still_ours(self, delivery_id: int) -> bool:
        if time.monotonic() - self._renewed >= self._every:
            ours = with_reconnect(self._rt, lambda uow: DeliveryRepository(uow.session)
                                  .renew_claims(self._pending, self._rt.clock.now()),
                                  self._conn)
            self._pending = {i: n for i, n in self._pending.items() if i in ours}
            self._renewed = time.monotonic()
        return self._pending.pop(delivery_id, None) is not None
