"""Signup with double opt-in: nobody is enrolled until they confirm their own address.

The outcome is deliberately invisible to the caller: a new address, a known one, or one
already in the program all get the same answer, so the form cannot be used to learn who
is enrolled.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime
from functools import partial

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
    now = rt.clock.now()
    partners = PartnerRepository(uow.session)
    deliveries = DeliveryRepository(uow.session)
    addresses = [a for a in (request.email, request.partner_email) if a]
    known = partners.by_emails(addresses)
    me = known.get(request.email)
    if me is not None:
        # A known address is never re-linked or re-invited by someone else's signup; a
        # pending one just gets its confirmation again.
        _resend_confirmation(deliveries, me, now)
    else:
        couple = partners.add_couple(now)
        me = partners.add(_pending(couple.id, request.email, request.first_name, request, slug,
                                   None, now))
        created = [me]
        if request.partner_email and request.partner_first_name \
                and request.partner_email not in known:
            created.append(partners.add(_pending(couple.id, request.partner_email,
                                                 request.partner_first_name, request, slug,
                                                 me.id, now)))
        deliveries.add_all([(p.id, DeliveryKind.CONFIRMATION, confirmation_key(1), -1, now)
                            for p in created], now)
        uow.after_commit(partial(rt.metrics.signed_up, slug, len(created)))
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


def _pending(couple_id: int, email: str, first_name: str, request: SignupRequest, slug: str,
             inviter_id: int | None, now: datetime) -> Partner:
    return Partner(couple_id=couple_id, email=email, first_name=first_name,
                   timezone=request.timezone, send_hour=request.send_hour,
                   status=PartnerStatus.PENDING, invited_by_id=inviter_id, program_slug=slug,
                   confirm_nonce=secrets.token_urlsafe(12), confirmations_sent=1, created_at=now)


def _resend_confirmation(deliveries: DeliveryRepository, partner: Partner,
                         now: datetime) -> None:
    if partner.status is not PartnerStatus.PENDING:
        return
    if partner.confirmations_sent < MAX_CONFIRMATION_EMAILS:
        partner.confirmations_sent += 1
        deliveries.add(partner.id, DeliveryKind.CONFIRMATION,
                       confirmation_key(partner.confirmations_sent), -1, now, now)
