"""The preferences page's link (a long-lived token naming one partner) and what the
page shows. The changes themselves are in ``preferences.py``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from reconnect.models import Partner, PartnerStatus
from reconnect.partners.links import link_holder, link_token
from reconnect.partners.needs import Needs
from reconnect.tokens import Purpose


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


def preferences_token(rt: Needs, partner: Partner) -> str:
    return link_token(rt, partner, Purpose.PREFERENCES)


def holder_id(session: Session, rt: Needs, token: str) -> int:
    """The id of the partner a preferences link belongs to. Raises TokenError for a bad
    or old link, or one whose holder was erased."""
    return link_holder(session, rt, Purpose.PREFERENCES, token)[0].id


def view(session: Session, rt: Needs, token: str) -> PreferencesView:
    """What the page shows; reads only. Raises TokenError for a bad or old link."""
    partner, _ = link_holder(session, rt, Purpose.PREFERENCES, token)
    return PreferencesView(
        partner_id=partner.id, first_name=partner.first_name, status=partner.status,
        paused=partner.paused_at is not None, send_hour=partner.send_hour,
        timezone=partner.timezone, quiet_days=partner.quiet_weekdays, nudges=partner.nudges,
        unsubscribe_token=link_token(rt, partner, Purpose.UNSUBSCRIBE))
