"""The preferences page's link (a long-lived token naming one partner) and what the
page shows. The changes themselves are in ``preferences.py``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from reconnect.models import Partner, PartnerStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime
from reconnect.tokens import Purpose, TokenError, TokenProblem


@dataclass(frozen=True)
class PreferencesView:
    partner_id: int
    first_name: str
    status: PartnerStatus
    paused: bool
    send_hour: int
    timezone: str
    quiet_days: frozenset[int]
    nudges: bool
    unsubscribe_token: str


def preferences_token(rt: Runtime, partner: Partner) -> str:
    return rt.tokens.make(Purpose.PREFERENCES, partner.id)


def partner_id_for(rt: Runtime, token: str) -> int:
    return rt.tokens.read(Purpose.PREFERENCES, token).partner_id


def view(session: Session, rt: Runtime, token: str) -> PreferencesView:
    """What the page shows; reads only. Raises TokenError for a bad or old link."""
    partner = PartnerRepository(session).get(partner_id_for(rt, token))
    if partner is None:  # erased since the email was sent
        raise TokenError(TokenProblem.INVALID)
    return PreferencesView(
        partner_id=partner.id, first_name=partner.first_name, status=partner.status,
        paused=partner.paused_at is not None, send_hour=partner.send_hour,
        timezone=partner.timezone, quiet_days=partner.quiet_weekdays, nudges=partner.nudges,
        unsubscribe_token=rt.tokens.make(Purpose.UNSUBSCRIBE, partner.id))
