"""All SQL about notices, link requests waiting to be processed, and leaving reasons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reconnect.models import Delivery, DeliveryKind, LeavingReason, LinkRequest
from reconnect.partners.notice_kinds import Notice, notice_of


class NoticeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sent_times(self, partner_id: int, notice: Notice) -> list[datetime]:
        """When each notice of this kind was queued for the partner (a handful at most)."""
        rows = self.session.execute(
            select(Delivery.key, Delivery.created_at).where(
                Delivery.partner_id == partner_id, Delivery.kind == DeliveryKind.NOTICE))
        return [created for key, created in rows if notice_of(key) is notice]


class LinkInbox:
    """Requests for links, as they came; taken (deleted) by whoever processes them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, email: str, now: datetime) -> int:
        request = LinkRequest(email=email, received_at=now)
        self.session.add(request)
        self.session.flush()
        return request.id

    def take(self, request_id: int) -> LinkRequest | None:
        # The delete is the claim, as with signups (reconnect/signups/inbox.py).
        return self.session.execute(
            delete(LinkRequest).where(LinkRequest.id == request_id)
            .returning(LinkRequest).execution_options(synchronize_session=False)
        ).scalar_one_or_none()

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
