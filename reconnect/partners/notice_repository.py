"""All SQL about notices (those sent, and the expired invitations still to be told),
link requests waiting to be processed, and leaving reasons."""

from __future__ import annotations

import typing
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, Table, and_, cast, exists, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from reconnect.db.inbox import take, take_oldest
from reconnect.models import (
    Couple,
    Delivery,
    DeliveryKind,
    LeavingReason,
    LinkRequest,
    Partner,
    PartnerStatus,
)
from reconnect.partners.notice_kinds import Notice, notice_of

# The key of an expired-invitation notice, before the invitation's number.
NOTICE_PREFIX = f"_{Notice.INVITATION.value}-"


@dataclass(frozen=True)
class ExpiredInvitation:
    couple_id: int
    inviter_id: int
    number: int  # which of the couple's invitations (1, 2, 3)


class NoticeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sent_times(self, partner_id: int, notice: Notice) -> list[datetime]:
        """When each notice of this kind was queued for the partner (a handful at most)."""
        rows = self.session.execute(
            select(Delivery.key, Delivery.created_at).where(
                Delivery.partner_id == partner_id, Delivery.kind == DeliveryKind.NOTICE))
        return [created for key, created in rows if notice_of(key) is notice]

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


# On the table, not the mapped class: the ORM's path for an INSERT costs more than it.
_TABLE = typing.cast(Table, LinkRequest.__table__)
_ADD_LINK_REQUEST = insert(_TABLE).returning(_TABLE.c.id)


class LinkInbox:
    """Requests for links, as they came; taken (deleted) by whoever processes them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, email: str, now: datetime) -> int:
        # A prepared Core statement, as for signups (reconnect/signups/inbox.py).
        return int(self.session.connection().execute(
            _ADD_LINK_REQUEST, {"email": email, "received_at": now}).scalar_one())

    def take(self, request_id: int) -> LinkRequest | None:
        return take(self.session, LinkRequest, request_id)

    def take_next(self, passed: Collection[int] = ()) -> LinkRequest | None:
        """The oldest waiting request other than ``passed``, removed (see take_oldest)."""
        return take_oldest(self.session, LinkRequest, passed)

    def waiting_since(self, before: datetime, limit: int) -> list[int]:
        return list(self.session.execute(
            select(LinkRequest.id).where(LinkRequest.received_at < before)
            .order_by(LinkRequest.id).limit(limit)).scalars())


class LeavingReasons:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, reason: str) -> None:
        """One more for this reason; safe when two people leave at the same moment."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.session.execute(insert(LeavingReason).values(reason=reason, count=0)
                             .on_conflict_do_nothing(index_elements=["reason"]))
        self.session.execute(update(LeavingReason).where(LeavingReason.reason == reason)
                             .values(count=LeavingReason.count + 1))

    def all(self) -> dict[str, int]:
        return {reason: count for reason, count in self.session.execute(
            select(LeavingReason.reason, LeavingReason.count))}
