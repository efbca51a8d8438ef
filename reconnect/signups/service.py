"""Signup with double opt-in: nobody is enrolled until they confirm their own address.

A signup is taken in two steps. ``receive`` (in the request) checks nothing about who is
enrolled and writes one row, so a new address, a known one and one already in the
program cost the same and get the same answer: neither the page nor its timing tells a
stranger who is enrolled. ``process`` (a worker job queued once that row is committed,
or the periodic sweep if the job was lost) does the real work and sends the
confirmations, so the API process spends on a signup little more than one INSERT.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError, OperationalError

from reconnect.db.inbox import Taken, drain
from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.jobs import DISPATCH_DUE, PROCESS_SIGNUPS
from reconnect.keyed import address_digest
from reconnect.models import DeliveryKind, Partner, PartnerStatus
from reconnect.models import SignupRequest as ReceivedSignup
from reconnect.partners import notices
from reconnect.partners.notice_kinds import Notice
from reconnect.partners.repository import PartnerRepository
from reconnect.program.catalog import ProgramCatalog
from reconnect.signups.inbox import InviteBlocks, SignupInbox
from reconnect.signups.needs import Needs
from reconnect.signups.schemas import SignupRequest

log = logging.getLogger(__name__)

# Enough for a lost email or two; more would let a stranger flood an unconfirmed address.
MAX_CONFIRMATION_EMAILS = 5
# A second signup this soon after a confirmation went out (a double click, an impatient
# second try) gets no second email: the first is still on its way.
CONFIRMATION_GAP = timedelta(minutes=2)
# Two first signups for one address at the same moment: one wins the unique address, the
# other tries again and finds it. Three tries cover any burst; the sweep retries later.
PROCESS_ATTEMPTS = 3
# Signups left waiting this long (the process that took them stopped before processing
# them) are processed by the periodic sweep; younger ones are still being processed.
SWEEP_AFTER = timedelta(seconds=30)
SWEEP_BATCH = 200
# Signups one job processes before it queues another, so a flood of signups does not hold
# a worker away from the emails that are due.
INBOX_BATCH = 500


def confirmation_key(number: int) -> str:
    # Stage keys cannot contain "_", so these can never collide with a stage's key
    # under UNIQUE(partner_id, key).
    return f"_confirm-{number}"


class UnknownProgramChoice(ValueError):
    pass


def receive(uow: UnitOfWork, rt: Needs, request: SignupRequest) -> int:
    """Takes the signup as it came: one row, whatever the addresses. Returns its id."""
    slug = request.program or rt.programs.default_slug
    if slug not in rt.programs.loaded_slugs():
        raise UnknownProgramChoice(slug)
    request_id = SignupInbox(uow.session).add(request, slug, rt.clock.now())
    uow.enqueue_after_commit(PROCESS_SIGNUPS)
    return request_id


def process(rt: Needs, request_id: int) -> None:
    """Processes one received signup, by id; a no-op if another process already did.
    Never raises: what fails stays waiting for the sweep."""
    _process_one(rt, lambda inbox: inbox.take(request_id))


def process_inbox(rt: Needs, limit: int = INBOX_BATCH) -> int:
    """The job queued after signups are received: processes what is waiting, oldest
    first, each in its own transaction, until nothing is (or ``limit`` were, when it
    queues itself again so other jobs get their turn). Returns how many it processed.
    Any number may run at once; each request is taken by one of them."""
    return drain(lambda passed: _process_one(rt, lambda inbox: inbox.take_next(passed)),
                 limit, rt.unit_of_work, PROCESS_SIGNUPS)


def _process_one(rt: Needs, take: Callable[[SignupInbox], ReceivedSignup | None]
                 ) -> Taken | None:
    """Takes one request and signs it up; None when there was nothing to take."""
    taken: int | None = None
    for attempt in range(1, PROCESS_ATTEMPTS + 1):
        try:
            with rt.unit_of_work() as uow:
                row = take(SignupInbox(uow.session))
                if row is None:
                    return None
                taken = row.id
                sign_up(uow, rt, _request_of(row))
            return Taken(taken, done=True)
        except (IntegrityError, OperationalError) as exc:
            if attempt == PROCESS_ATTEMPTS:
                log.warning("signup left for the sweep", extra={"error": type(exc).__name__})
        except Exception:
            log.exception("signup could not be processed; left for the sweep")
            break
    return Taken(taken, done=False) if taken is not None else None


def process_waiting(rt: Needs) -> int:
    """The sweep: processes signups that waited longer than they should have."""
    with rt.read_session() as session:
        ids = SignupInbox(session).waiting_since(rt.clock.now() - SWEEP_AFTER, SWEEP_BATCH)
    for request_id in ids:
        process(rt, request_id)
    return len(ids)


def _request_of(row: ReceivedSignup) -> SignupRequest:
    return SignupRequest.model_construct(
        email=row.email, first_name=row.first_name, timezone=row.timezone,
        send_hour=row.send_hour, partner_email=row.partner_email,
        partner_first_name=row.partner_first_name, program=row.program,
        discreet=row.discreet)


def sign_up(uow: UnitOfWork, rt: Needs, request: SignupRequest) -> None:
    catalog: ProgramCatalog = rt.programs
    slug = request.program or catalog.default_slug
    if slug not in catalog.loaded_slugs():
        slug = catalog.default_slug  # unloaded since it was received
    now = rt.clock.now()
    partners = PartnerRepository(uow.session)
    deliveries = DeliveryRepository(uow.session)
    addresses = [a for a in (request.email, request.partner_email) if a]
    known = partners.by_emails(addresses)
    me = known.get(request.email)
    if me is not None:
        # A known address is never re-linked or re-invited by someone else's signup; a
        # pending one just gets its confirmation again, one who stopped or finished a
        # "welcome back" with the way in, and one taking part their links.
        _resend_confirmation(deliveries, me, now)
        _welcome_back(uow, rt, partners, me)
    else:
        couple = partners.add_couple(now)
        inviting = bool(request.partner_email and request.partner_first_name)
        me = partners.add(_pending(couple.id, request.email, request.first_name, request, slug,
                                   None, now, role="inviter" if inviting else "solo",
                                   discreet=request.discreet))
        created = [me]
        if inviting:
            # Counted and timed whether or not the address can be invited, so the
            # inviter's pages show the same pending invitation either way.
            couple.invitations_sent, couple.invited_at = 1, now
        if request.partner_email and request.partner_first_name \
                and request.partner_email not in known \
                and not _refuses_invitations(uow, rt, request.partner_email):
            created.append(partners.add(_pending(couple.id, request.partner_email,
                                                 request.partner_first_name, request, slug,
                                                 me.id, now, role="invitee")))
        deliveries.add_all([(p.id, DeliveryKind.CONFIRMATION, confirmation_key(1), -1, now)
                            for p in created], now)
        uow.after_commit(partial(rt.metrics.signed_up, slug, len(created)))
    # Beat would find the confirmation within one tick anyway; the nudge makes it
    # arrive at once, and is skipped when another signup just sent one.
    if _kick_due():
        uow.enqueue_after_commit(DISPATCH_DUE)


def _welcome_back(uow: UnitOfWork, rt: Needs, partners: PartnerRepository,
                  known: Partner) -> None:
    if known.status is PartnerStatus.PENDING:
        return
    partner = partners.get_for_update(known.id)
    if partner is None:
        return
    if partner.status in (PartnerStatus.UNSUBSCRIBED, PartnerStatus.COMPLETED) \
            and partner.confirmed_at is not None:
        notices.queue(uow, rt, partner, Notice.WELCOME_BACK)
    elif partner.status is PartnerStatus.ACTIVE:
        notices.queue(uow, rt, partner, Notice.LINKS)


def _refuses_invitations(uow: UnitOfWork, rt: Needs, email: str) -> bool:
    return InviteBlocks(uow.session).blocked(address_digest(rt.settings.secret_key, email))


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
             inviter_id: int | None, now: datetime, *, role: str,
             discreet: bool = False) -> Partner:
    return Partner(couple_id=couple_id, email=email, first_name=first_name,
                   timezone=request.timezone, send_hour=request.send_hour,
                   status=PartnerStatus.PENDING, invited_by_id=inviter_id, program_slug=slug,
                   confirm_nonce=secrets.token_urlsafe(12), confirmations_sent=1,
                   created_at=now, role=role, discreet=discreet)


def _resend_confirmation(deliveries: DeliveryRepository, partner: Partner,
                         now: datetime) -> None:
    if partner.status is not PartnerStatus.PENDING:
        return
    latest = deliveries.latest_created(partner.id, DeliveryKind.CONFIRMATION)
    if latest is not None and now - latest < CONFIRMATION_GAP:
        return
    if partner.confirmations_sent < MAX_CONFIRMATION_EMAILS:
        partner.confirmations_sent += 1
        deliveries.add(partner.id, DeliveryKind.CONFIRMATION,
                       confirmation_key(partner.confirmations_sent), -1, now, now)
