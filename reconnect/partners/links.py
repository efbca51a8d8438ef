"""Who a link belongs to: every token a partner receives names their ``public_id``.

Erasing a partner deletes that identifier with them and no one is ever given it again,
so an erased person's old links open nothing, whoever signs up after them.

Links sent before public identifiers existed name a row id instead. They are honoured
only for a partner who already existed when the link was made: on SQLite a deleted row's
id could come back before ids stopped being reused, and a person created after a link
was issued can never be the one it was sent to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from reconnect.models import Partner
from reconnect.partners.needs import Needs
from reconnect.partners.repository import PartnerRepository
from reconnect.tokens import Purpose, TokenError, TokenPayload, TokenProblem


def link_token(rt: Needs, partner: Partner, purpose: Purpose, **data: Any) -> str:
    return rt.tokens.make(purpose, partner.public_id, **data)


def link_holder(session: Session, rt: Needs, purpose: Purpose, token: str, *,
                for_update: bool = False) -> tuple[Partner, dict[str, Any]]:
    """The partner a link belongs to and its purpose-specific data. Raises TokenError for
    a bad, expired or orphaned link (its holder was erased)."""
    payload = rt.tokens.read(purpose, token)
    partner = _holder(PartnerRepository(session), payload, for_update)
    if partner is None:
        raise TokenError(TokenProblem.INVALID)
    return partner, payload.data


def _holder(repo: PartnerRepository, payload: TokenPayload,
            for_update: bool) -> Partner | None:
    if payload.holder is not None:
        return repo.by_public_id(payload.holder, for_update=for_update)
    assert payload.legacy_id is not None
    partner = repo.get_for_update(payload.legacy_id) if for_update \
        else repo.get(payload.legacy_id)
    # Whole seconds, as the token's issue time is kept.
    if partner is None or partner.created_at.replace(microsecond=0) > payload.issued_at:
        return None
    return partner
