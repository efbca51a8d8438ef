"""What an inviter sees of their invitation: pending, accepted or expired, never why.

Read from the couple's invitation time and the invited partner's row, if any. A declined
invitation ("never invite me again"), an address that refuses invitations and one that
is already enrolled all look exactly like an invitation nobody answered: pending until it
expires, then expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from reconnect.models import Couple, Partner, PartnerStatus


class InvitationStatus(StrEnum):
    NONE = "none"  # nobody was invited (or the invited partner has since left)
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"


def invitation_status(partner: Partner, other: Partner | None, couple: Couple,
                      now: datetime, lifetime: timedelta) -> InvitationStatus:
    """Only for the one who invites (role inviter or solo); an invitee has none."""
    if partner.invited_by_id is not None:
        return InvitationStatus.NONE
    if partner.partner_left or (other is not None and other.status is
                                PartnerStatus.UNSUBSCRIBED and other.confirmed_at is not None):
        return InvitationStatus.NONE
    if other is not None and other.confirmed_at is not None:
        return InvitationStatus.ACCEPTED
    if couple.invited_at is None:
        return InvitationStatus.NONE
    if now - couple.invited_at < lifetime and (
            other is None or other.status is PartnerStatus.PENDING):
        return InvitationStatus.PENDING
    return InvitationStatus.EXPIRED
