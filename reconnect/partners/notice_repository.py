"""SQL for notices: the couples whose latest invitation has expired and whose inviter has
not been told yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, exists, literal, select
from sqlalchemy.orm import Session, aliased

from reconnect.models import Couple, Delivery, Partner, PartnerStatus

NOTICE_PREFIX = "_notice-invitation-"


@dataclass(frozen=True)
class ExpiredInvitation:
    couple_id: int
    inviter_id: int
    number: int  # which of the couple's invitations (1, 2, 3)


class NoticeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def expired_invitations(self, invited_before: datetime, limit: int
                            ) -> list[ExpiredInvitation]:
        """Couples whose latest invitation went out before ``invited_before`` with nobody
        joining, whose inviter is enrolled and not paused, and who have no notice for
        that invitation yet (the notice row's key names the invitation's number)."""
        joined = aliased(Partner)
        key = literal(NOTICE_PREFIX) + cast(Couple.invitations_sent, String)
        rows = self.session.execute(
            select(Couple.id, Partner.id, Couple.invitations_sent)
            .join(Partner, Partner.couple_id == Couple.id)
            .where(Couple.invited_at.is_not(None), Couple.invited_at <= invited_before,
                   Partner.invited_by_id.is_(None), Partner.status == PartnerStatus.ACTIVE,
                   Partner.paused_at.is_(None), Partner.suppressed_at.is_(None),
                   ~exists().where(and_(joined.couple_id == Couple.id, joined.id != Partner.id,
                                        joined.confirmed_at.is_not(None))),
                   ~exists().where(and_(Delivery.partner_id == Partner.id,
                                        Delivery.key == key)))
            .order_by(Couple.id).limit(limit)).all()
        return [ExpiredInvitation(c, p, n) for c, p, n in rows]

    def lapsed_invitees(self, couple_id: int, inviter_id: int,
                        created_before: datetime) -> list[Partner]:
        return list(self.session.execute(
            select(Partner).where(Partner.couple_id == couple_id,
                                  Partner.invited_by_id == inviter_id,
                                  Partner.status == PartnerStatus.PENDING,
                                  Partner.created_at <= created_before)
            .with_for_update()).scalars())
