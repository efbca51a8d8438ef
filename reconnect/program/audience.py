"""Who is reading a stage: their role in the couple and where their partner stands.

Stage files branch on ``role`` and ``partner``; validation and the preview render every
audience in ``AUDIENCES``. "left" covers unsubscribing, erasing and a lapsed membership
alike, so no text can tell the reader which, and a personal (or safety) pause is never a
state of its own: a paused partner is still "joined".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["inviter", "invitee", "solo"]
PartnerState = Literal["joined", "invited", "left", "none"]
ROLES: tuple[Role, ...] = get_args(Role)
PARTNER_STATES: tuple[PartnerState, ...] = get_args(PartnerState)


@dataclass(frozen=True)
class Audience:
    role: Role
    partner: PartnerState

    @property
    def has_partner_name(self) -> bool:
        """Whether a partner's first name is known to this reader's emails."""
        return self.partner != "none"


# A solo starter who invites later stays "solo" until the partner joins, then becomes
# the inviter; an invitee always had an inviter, who is either still there or has left.
AUDIENCES: tuple[Audience, ...] = (
    Audience("inviter", "joined"),
    Audience("inviter", "invited"),
    Audience("inviter", "left"),
    Audience("inviter", "none"),
    Audience("invitee", "joined"),
    Audience("invitee", "left"),
    Audience("solo", "none"),
    Audience("solo", "invited"),
)
