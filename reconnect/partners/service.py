"""Confirming an address (and so enrolling) and unsubscribing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import ObjectDeletedError

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.schedule import next_send_time
from reconnect.models import DeliveryKind, Partner, PartnerStatus
from reconnect.partners.links import link_holder, link_token
from reconnect.partners.needs import Needs
from reconnect.partners.repository import PartnerRepository
from reconnect.tokens import Purpose, TokenError, TokenProblem


@dataclass(frozen=True)
class PendingConfirmation:
    partner: Partner
    inviter_name: str | None


def _partner_from_token(session: Session, rt: Needs, purpose: Purpose, token: str,
                        for_update: bool = False) -> tuple[Partner, dict[str, object]]:
    return link_holder(session, rt, purpose, token, for_update=for_update)


def confirmation_token(rt: Needs, partner: Partner) -> str:
    if partner.confirm_nonce is None:
        raise ValueError("partner is already confirmed")
    return link_token(rt, partner, Purpose.CONFIRM, n=partner.confirm_nonce)


def pending_confirmation(session: Session, rt: Needs, token: str) -> PendingConfirmation:
    """What the confirm page shows; reads only."""
    partner, data = _partner_from_token(session, rt, Purpose.CONFIRM, token)
    _check_nonce(partner, data)
    inviter = PartnerRepository(session).get(partner.invited_by_id) if partner.invited_by_id \
        else None
    return PendingConfirmation(partner, inviter.first_name if inviter else None)


def _check_nonce(partner: Partner, data: dict[str, object]) -> None:
    if partner.confirm_nonce is None or partner.status is not PartnerStatus.PENDING:
        raise TokenError(TokenProblem.USED)
    if data.get("n") != partner.confirm_nonce:
        raise TokenError(TokenProblem.INVALID)


def confirm(uow: UnitOfWork, rt: Needs, token: str, timezone: str | None = None,
            send_hour: int | None = None) -> Partner:
    """Enrolls the partner and schedules their first stage at their next send hour."""
    partner, data = _partner_from_token(uow.session, rt, Purpose.CONFIRM, token)
    # The couple first, then the person (the order every writer of both keeps): two
    # partners confirming at once then take turns at the couple row, instead of each
    # holding their own row while waiting for the other's (Postgres's foreign-key check
    # on invited_by_id would close that circle).
    PartnerRepository(uow.session).couple_for_update(partner.couple_id)
    try:
        uow.session.refresh(partner, with_for_update=True)
    except ObjectDeletedError:
        raise TokenError(TokenProblem.INVALID) from None  # erased in that moment
    _check_nonce(partner, data)
    now = rt.clock.now()
    if timezone is not None:
        partner.timezone = timezone
    if send_hour is not None:
        partner.send_hour = send_hour
    version_id, program = rt.programs.current(partner.program_slug)
    first = program.stages[0]
    due = next_send_time(now, partner.send_hour, partner.timezone)
    partner.status = PartnerStatus.ACTIVE
    partner.confirm_nonce = None
    partner.confirmed_at = now
    partner.program_version_id = version_id
    partner.program_start_date = join_couple(uow.session, partner,
                                             _local_date(due, partner.timezone))
    deliveries = DeliveryRepository(uow.session)
    deliveries.cancel_scheduled(partner.id, DeliveryKind.CONFIRMATION)
    deliveries.add(partner.id, DeliveryKind.STAGE, first.key, first.position, due, now)
    uow.after_commit(partial(rt.metrics.confirmed, partner.program_slug))
    return partner


def join_couple(session: Session, partner: Partner, welcome_date: date) -> date:
    """The start date the partner's stages count from: the couple's, if the other partner
    started it already; otherwise the partner starts it, on the date of their welcome.
    The caller holds the couple's lock (taken before the partner's).
    The partner who invited a solo starter's partner becomes the inviter once that
    partner joins. (docs/delivery.md, "One calendar per couple".)"""
    partners = PartnerRepository(session)
    couple = partners.couple_for_update(partner.couple_id)
    if couple.started_on is None:
        couple.started_on = welcome_date
    other = partners.other_partner(partner)
    if other is not None and partner.invited_by_id == other.id and other.role == "solo":
        other.role = "inviter"
    return couple.started_on


def _local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def unsubscribe_token(rt: Needs, partner: Partner) -> str:
    return link_token(rt, partner, Purpose.UNSUBSCRIBE)


def check_unsubscribe(session: Session, rt: Needs, token: str) -> Partner:
    partner, _ = _partner_from_token(session, rt, Purpose.UNSUBSCRIBE, token)
    return partner


def unsubscribe(uow: UnitOfWork, rt: Needs, token: str) -> None:
    """Idempotent: a second click (or a mail client's retry) changes nothing."""
    partner, _ = _partner_from_token(uow.session, rt, Purpose.UNSUBSCRIBE, token,
                                     for_update=True)
    leave(uow.session, partner, rt.clock.now())


def leave(session: Session, partner: Partner, now: datetime) -> None:
    """Unsubscribes a partner (locked by the caller): by their own click, or by marking an
    email as spam. Idempotent; their partner is not touched or told."""
    if partner.status is PartnerStatus.UNSUBSCRIBED:
        return
    partner.status = PartnerStatus.UNSUBSCRIBED
    partner.unsubscribed_at = now
    partner.confirm_nonce = None
    DeliveryRepository(session).cancel_scheduled(partner.id)
    PartnerRepository(session).mark_left(partner)


def suppress(session: Session, partner: Partner, now: datetime, reason: str) -> bool:
    """No more mail to the partner's address (locked by the caller): what is waiting is
    cancelled, and one a worker already holds is cancelled at its send. True when it was
    not suppressed before (the first time and reason stay)."""
    DeliveryRepository(session).cancel_scheduled(partner.id)
    if partner.suppressed_at is not None:
        return False
    partner.suppressed_at = now
    partner.suppressed_reason = reason[:200]
    return True
