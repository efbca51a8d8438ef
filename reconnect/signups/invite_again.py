"""Inviting a partner after signing up: again after an invitation expired, or later
after starting alone. At most ``MAX_INVITATIONS`` per couple, counted on the couple row,
which is locked first, so two requests at once take turns and never pass the limit.

The answer is the same whether the address is new, already enrolled, or refuses
invitations ("never invite me again"): the invitation is counted and shows as pending
on the inviter's pages either way, and only a new address gets an email.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.orm.exc import ObjectDeletedError

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.keyed import address_digest
from reconnect.models import DeliveryKind, Partner, PartnerStatus
from reconnect.partners.data_repository import PartnerDataRepository
from reconnect.partners.invitation_status import InvitationStatus, invitation_status
from reconnect.partners.preference_links import MAX_INVITATIONS
from reconnect.partners.repository import PartnerRepository
from reconnect.signups.inbox import InviteBlocks
from reconnect.signups.needs import Needs
from reconnect.signups.service import confirmation_key


class InviteResult(StrEnum):
    ACCEPTED = "accepted"  # counted; an email goes out if the address can be invited
    LIMIT = "limit"  # the couple has used every invitation
    NOT_NOW = "not_now"  # an invitation is pending, or the partner has joined or left
    OWN_ADDRESS = "own_address"  # the inviter's own address: a typing slip, said plainly


def invite(uow: UnitOfWork, rt: Needs, partner_id: int, email: str,
           first_name: str) -> InviteResult:
    """``email`` and ``first_name`` already checked (reconnect.validation)."""
    partners = PartnerRepository(uow.session)
    me = partners.get(partner_id)
    if me is None:
        return InviteResult.NOT_NOW
    # The couple first, then the person: the order confirming keeps too.
    couple = partners.couple_for_update(me.couple_id)
    try:
        uow.session.refresh(me, with_for_update=True)
    except ObjectDeletedError:
        return InviteResult.NOT_NOW  # erased in that moment
    if me.status is not PartnerStatus.ACTIVE or me.invited_by_id is not None:
        return InviteResult.NOT_NOW
    if email == me.email:
        return InviteResult.OWN_ADDRESS
    other = partners.other_partner(me)
    now = rt.clock.now()
    lifetime = timedelta(days=rt.settings.confirm_token_days)
    status = invitation_status(me, other, couple, now, lifetime)
    if me.partner_left or status in (InvitationStatus.PENDING, InvitationStatus.ACCEPTED):
        return InviteResult.NOT_NOW
    if other is not None and other.status is not PartnerStatus.PENDING:
        return InviteResult.NOT_NOW
    if couple.invitations_sent >= MAX_INVITATIONS:
        return InviteResult.LIMIT
    couple.invitations_sent += 1
    couple.invited_at = now
    if other is not None:
        # The expired invitation goes, with its unsent confirmation emails.
        PartnerDataRepository(uow.session).erase(other)
    if _invitable(uow, rt, email, me):
        invited = partners.add(Partner(
            couple_id=me.couple_id, email=email, first_name=first_name, timezone=me.timezone,
            send_hour=me.send_hour, status=PartnerStatus.PENDING, invited_by_id=me.id,
            program_slug=me.program_slug, confirm_nonce=secrets.token_urlsafe(12),
            confirmations_sent=1, created_at=now, role="invitee"))
        # No nudge to the dispatcher (as a signup gives): the next beat tick sends it
        # within seconds, and the answer must take the same work, and time, whether or
        # not an email was added.
        DeliveryRepository(uow.session).add(invited.id, DeliveryKind.CONFIRMATION,
                                            confirmation_key(1), -1, now, now)
    return InviteResult.ACCEPTED


def _invitable(uow: UnitOfWork, rt: Needs, email: str, me: Partner) -> bool:
    if PartnerRepository(uow.session).by_emails([email]):
        return False
    return not InviteBlocks(uow.session).blocked(address_digest(rt.settings.secret_key,
                                                                email))
