""""Never invite me again": the link in every invitation.

The link names the invited address by its keyed hash (``reconnect.keyed``), never by the
address or a row id, and it can do one thing only: refuse future invitations to that
address, and withdraw a pending one. It keeps working after the invitation's row is gone
(it expired, or the inviter erased their data), since the block must not depend on it.
Signing up themselves stays open to the address's owner.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.keyed import address_digest
from reconnect.models import Partner, PartnerStatus
from reconnect.partners.data_repository import PartnerDataRepository
from reconnect.partners.repository import PartnerRepository
from reconnect.signups.inbox import InviteBlocks
from reconnect.signups.needs import Needs
from reconnect.tokens import Purpose


def no_invites_token(rt: Needs, invited: Partner) -> str:
    return rt.tokens.make(Purpose.NO_INVITES, address_digest(rt.settings.secret_key,
                                                             invited.email),
                          i=invited.public_id)


def check(rt: Needs, token: str) -> None:
    """Raises TokenError for a link that is not ours or has expired."""
    rt.tokens.read(Purpose.NO_INVITES, token)


def refuse_invitations(uow: UnitOfWork, rt: Needs, token: str) -> None:
    """Idempotent: a second click (or a mail provider's one-click POST) changes nothing."""
    payload = rt.tokens.read(Purpose.NO_INVITES, token)
    assert payload.holder is not None
    InviteBlocks(uow.session).block(payload.holder, rt.clock.now())
    invited = payload.data.get("i")
    if isinstance(invited, str):
        _withdraw(uow.session, invited)


def _withdraw(session: Session, public_id: str) -> None:
    """The invitation still waiting for an answer goes, with its confirmation emails:
    its owner said no, and nothing about them should stay."""
    partners = PartnerRepository(session)
    invited = partners.by_public_id(public_id, for_update=True)
    if invited is None or invited.status is not PartnerStatus.PENDING \
            or invited.invited_by_id is None:
        return
    PartnerDataRepository(session).erase(invited)
