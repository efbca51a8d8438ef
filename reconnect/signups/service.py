"""Signup with double opt-in: nobody is enrolled until they confirm their own address.

The outcome is deliberately invisible to the caller: a new address, a known one, or one
already in the program all get the same answer, so the form cannot be used to learn who
is enrolled.
"""

from __future__ import annotations

import secrets
import threading
import time

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.jobs import DISPATCH_DUE
from reconnect.models import DeliveryKind, Partner, PartnerStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.program.catalog import ProgramCatalog
from reconnect.runtime import Runtime
from reconnect.signups.schemas import SignupRequest

# Enough for a lost email or two; more would let a stranger flood an unconfirmed address.
MAX_CONFIRMATION_EMAILS = 5


def confirmation_key(number: int) -> str:
    # Stage keys cannot contain "_", so these can never collide with a stage's key
    # under UNIQUE(partner_id, key).
    return f"_confirm-{number}"


class UnknownProgramChoice(ValueError):
    pass


def sign_up(uow: UnitOfWork, rt: Runtime, request: SignupRequest) -> None:
    catalog: ProgramCatalog = rt.programs
    slug = request.program or catalog.default_slug
    if slug not in catalog.loaded_slugs():
        raise UnknownProgramChoice(slug)
    partners = PartnerRepository(uow.session)
    inviter = _request_confirmation(uow, rt, partners, request.email, request.first_name,
                                    request.timezone, request.send_hour, slug, None)
    if request.partner_email and request.partner_first_name and inviter is not None:
        _request_confirmation(uow, rt, partners, request.partner_email,
                              request.partner_first_name, request.timezone, request.send_hour,
                              slug, inviter)
    # Beat would find the confirmation within one tick anyway; the nudge makes it
    # arrive at once, and is skipped when another signup just sent one.
    if _kick_due():
        uow.enqueue_after_commit(DISPATCH_DUE)


_KICK_INTERVAL_SECONDS = 1.0
_last_kick = 0.0
_kick_lock = threading.Lock()


def _kick_due() -> bool:
    global _last_kick
    with _kick_lock:
        now = time.monotonic()
        if now - _last_kick < _KICK_INTERVAL_SECONDS:
            return False
        _last_kick = now
        return True


def _request_confirmation(uow: UnitOfWork, rt: Runtime, partners: PartnerRepository,
                          email: str, first_name: str, timezone: str, send_hour: int,
                          slug: str, inviter: Partner | None) -> Partner | None:
    """Creates a pending partner, or re-sends a pending one's confirmation.

    Returns the partner only when they were created now (and so may invite someone);
    a known address is never linked to a new couple by someone else's signup.
    """
    now = rt.clock.now()
    partner = partners.get_by_email(email)
    if partner is None:
        couple_id = inviter.couple_id if inviter else partners.add_couple(now).id
        partner = partners.add(Partner(
            couple_id=couple_id, email=email, first_name=first_name, timezone=timezone,
            send_hour=send_hour, status=PartnerStatus.PENDING,
            invited_by_id=inviter.id if inviter else None, program_slug=slug,
            confirm_nonce=secrets.token_urlsafe(12), confirmations_sent=1, created_at=now,
        ))
        DeliveryRepository(uow.session).add(partner.id, DeliveryKind.CONFIRMATION,
                                            confirmation_key(1), position=-1, due_at=now, now=now)
        return partner
    if partner.status is not PartnerStatus.PENDING or inviter is not None:
        return None
    if partner.confirmations_sent < MAX_CONFIRMATION_EMAILS:
        partner.confirmations_sent += 1
        DeliveryRepository(uow.session).add(
            partner.id, DeliveryKind.CONFIRMATION, confirmation_key(partner.confirmations_sent),
            position=-1, due_at=now, now=now)
    return None
