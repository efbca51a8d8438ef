"""The preferences page's link (a long-lived token naming one partner) and what the
page shows. The changes themselves are in ``preferences.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from reconnect.deliveries.calendar import step_name
from reconnect.deliveries.waiting_repository import WaitingRepository
from reconnect.models import Couple, DeliveryStatus, Partner, PartnerStatus
from reconnect.partners.invitation_status import InvitationStatus, invitation_status
from reconnect.partners.links import link_holder, link_token
from reconnect.partners.needs import Needs
from reconnect.partners.repository import PartnerRepository
from reconnect.tokens import Purpose

# The couple's limit on invitations (reconnect/signups/invite_again.py enforces it).
# Three asks are plenty: more would let one partner press the other through their inbox.
MAX_INVITATIONS = 3


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
    discreet: bool = False
    # The inviter's view of their invitation (never why it was not answered), how many
    # more they may send, and whether they may invite now (nobody pending or joined).
    invitation: InvitationStatus = InvitationStatus.NONE
    invitations_left: int = 0
    can_invite: bool = False
    # The step waiting to reach them, by its one name ("Week N · <title>"), if any.
    next_step: str | None = None


def preferences_token(rt: Needs, partner: Partner) -> str:
    return link_token(rt, partner, Purpose.PREFERENCES)


def holder_id(session: Session, rt: Needs, token: str) -> int:
    """The id of the partner a preferences link belongs to. Raises TokenError for a bad
    or old link, or one whose holder was erased."""
    return link_holder(session, rt, Purpose.PREFERENCES, token)[0].id


def view(session: Session, rt: Needs, token: str) -> PreferencesView:
    """What the page shows; reads only. Raises TokenError for a bad or old link."""
    partner, _ = link_holder(session, rt, Purpose.PREFERENCES, token)
    status, left, can_invite = invitation_of(session, rt, partner)
    return PreferencesView(
        partner_id=partner.id, first_name=partner.first_name, status=partner.status,
        paused=partner.paused_at is not None, send_hour=partner.send_hour,
        timezone=partner.timezone, quiet_days=partner.quiet_weekdays, nudges=partner.nudges,
        unsubscribe_token=link_token(rt, partner, Purpose.UNSUBSCRIBE),
        discreet=partner.discreet, invitation=status, invitations_left=left,
        can_invite=can_invite, next_step=_next_step(session, rt, partner))


def _next_step(session: Session, rt: Needs, partner: Partner) -> str | None:
    if partner.program_version_id is None:
        return None
    waiting = WaitingRepository(session)
    row = waiting.first_stage_in(partner.id, DeliveryStatus.SCHEDULED) \
        or waiting.first_stage_in(partner.id, DeliveryStatus.HELD)
    stage = rt.programs.version(session, partner.program_version_id).stage(row.key) \
        if row is not None else None
    return step_name(stage) if stage is not None else None


def invitation_of(session: Session, rt: Needs,
                  partner: Partner) -> tuple[InvitationStatus, int, bool]:
    """The invitation's status, the invitations left, and whether one may go now."""
    if partner.invited_by_id is not None:
        return InvitationStatus.NONE, 0, False
    partners = PartnerRepository(session)
    couple = session.get(Couple, partner.couple_id)
    assert couple is not None
    other = partners.other_partner(partner)
    status = invitation_status(partner, other, couple, rt.clock.now(),
                               timedelta(days=rt.settings.confirm_token_days))
    left = max(0, MAX_INVITATIONS - couple.invitations_sent)
    open_to_invite = status in (InvitationStatus.NONE, InvitationStatus.EXPIRED) \
        and not partner.partner_left and partner.status is PartnerStatus.ACTIVE \
        and (other is None or other.status is PartnerStatus.PENDING)
    return status, left, open_to_invite
