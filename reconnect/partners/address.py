"""Changing one's email address: asked for on the preferences page, confirmed from a
link sent to the new address, and the current address told at once.

Nothing here says whether the new address belongs to someone else: the confirmation
goes to the new address's owner, and only they can learn it is taken.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.models import Partner, PartnerStatus
from reconnect.partners import notices
from reconnect.partners.links import link_holder
from reconnect.partners.needs import Needs
from reconnect.partners.notice_kinds import Notice
from reconnect.partners.preferences import PartnerNotActive, PreferenceError, UnknownPartner
from reconnect.partners.repository import PartnerRepository
from reconnect.tokens import Purpose, TokenError, TokenProblem
from reconnect.validation import clean_email


class AddressTaken(Exception):
    """The new address is already someone's (perhaps the person's own other one)."""


def request_change(uow: UnitOfWork, rt: Needs, partner_id: int, new_email: str) -> str:
    """Records the new address as waiting and sends the two notices; returns the cleaned
    address. A second request for the same address moments later sends nothing more."""
    try:
        address = clean_email(new_email)
    except ValueError as exc:
        raise PreferenceError("new_email", str(exc)) from exc
    partner = _locked(uow, partner_id)
    if address == partner.email:
        raise PreferenceError("new_email", "That is the address your emails already go to.")
    news = partner.pending_email != address
    partner.pending_email = address
    notices.queue(uow, rt, partner, Notice.NEW_ADDRESS, news=news)
    notices.queue(uow, rt, partner, Notice.ADDRESS_CHANGE, news=news)
    return address


def cancel_change(uow: UnitOfWork, partner_id: int) -> None:
    """Idempotent; a confirmation link already sent to the new address stops working."""
    _locked(uow, partner_id).pending_email = None


def pending_address(session: Session, rt: Needs, token: str) -> str:
    """The address a confirmation link would switch to; reads only."""
    partner, data = link_holder(session, rt, Purpose.ADDRESS, token)
    return _waiting(partner, data)


def confirm_change(uow: UnitOfWork, rt: Needs, token: str) -> Partner:
    partner, data = link_holder(uow.session, rt, Purpose.ADDRESS, token, for_update=True)
    address = _waiting(partner, data)
    if PartnerRepository(uow.session).by_emails([address]):
        raise AddressTaken
    partner.email = address
    partner.pending_email = None
    return partner


def _waiting(partner: Partner, data: dict[str, object]) -> str:
    """The link's address, if it is still the one waiting: a confirmed, cancelled or
    replaced change leaves the link used."""
    address = data.get("e")
    if not isinstance(address, str) or partner.pending_email != address:
        raise TokenError(TokenProblem.USED)
    return address


def _locked(uow: UnitOfWork, partner_id: int) -> Partner:
    partner = PartnerRepository(uow.session).get_for_update(partner_id)
    if partner is None:
        raise UnknownPartner(partner_id)
    if partner.status is not PartnerStatus.ACTIVE:
        raise PartnerNotActive(partner.status)
    return partner
