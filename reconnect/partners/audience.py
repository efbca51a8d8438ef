"""Where a partner stands in their couple, as stage texts see it (program/audience.py).

``audience_of`` is pure: it takes the two rows (the other one may be gone) and the
invitation lifetime, so the sender, the pages and the preview all decide it the same
way; ``audience_in`` is the same with the couple's invitation time read for you.

``invited_at`` is the couple's latest invitation time (``couples.invited_at``). An
address that refuses invitations, or is enrolled already, gets no row, yet its inviter
must read exactly what any inviter with an unanswered invitation reads; with the time,
that invitation shows as pending until it expires, like any other. Callers without it
(older code paths) judge from the invited row alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from reconnect.models import Couple, Partner, PartnerStatus
from reconnect.program.audience import Audience, PartnerState, Role


def role_of(partner: Partner, other: Partner | None) -> Role:
    if partner.role in ("inviter", "invitee", "solo"):
        return partner.role  # type: ignore[return-value]
    # Rows from before roles were stored.
    if partner.invited_by_id is not None:
        return "invitee"
    if other is not None and other.invited_by_id == partner.id:
        return "inviter"
    return "solo"


def partner_state(partner: Partner, other: Partner | None, now: datetime,
                  invitation_lifetime: timedelta, *,
                  invited_at: datetime | None = None) -> PartnerState:
    if other is not None:
        if other.status is PartnerStatus.PENDING:
            if other.invited_by_id == partner.id and now - other.created_at < invitation_lifetime:
                return "invited"
        elif other.status is not PartnerStatus.UNSUBSCRIBED:
            return "joined"
        elif other.confirmed_at is not None:
            return "left"
    if partner.partner_left:
        return "left"
    if invited_at is not None and role_of(partner, other) != "invitee" \
            and now - invited_at < invitation_lifetime:
        return "invited"
    return "none"


def audience_of(partner: Partner, other: Partner | None, now: datetime,
                invitation_lifetime: timedelta, *,
                invited_at: datetime | None = None) -> Audience:
    state = partner_state(partner, other, now, invitation_lifetime, invited_at=invited_at)
    role = role_of(partner, other)
    # Roles follow the couple's history; a combination the texts do not speak to is read
    # as its nearest one (an inviter whose partner never came reads as someone alone).
    if role == "solo" and state in ("joined", "left"):
        role = "inviter"
    if role == "invitee" and state in ("invited", "none"):
        state = "left"
    return Audience(role, state)


def audience_in(session: Session, partner: Partner, other: Partner | None, now: datetime,
                invitation_lifetime: timedelta) -> Audience:
    """``audience_of`` with the couple's invitation time read from the database: what
    every caller that has a session should use (the email composition, the pages)."""
    couple = session.get(Couple, partner.couple_id)
    return audience_of(partner, other, now, invitation_lifetime,
                       invited_at=couple.invited_at if couple is not None else None)
