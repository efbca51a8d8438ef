"""All SQL about bounces and complaints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconnect.models import Bounce, BounceKind, Delivery, DeliveryStatus


class BounceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sent_delivery(self, *, delivery_id: int | None = None,
                      message_id: str | None = None) -> Delivery | None:
        """The sent email a report is about: by id (from its tag) or Message-ID."""
        if delivery_id is not None:
            query = select(Delivery).where(Delivery.id == delivery_id)
        elif message_id is not None:
            query = select(Delivery).where(Delivery.message_id == message_id)
        else:
            return None
        found = self.session.execute(query.limit(1)).scalar_one_or_none()
        return found if found is not None and found.status is DeliveryStatus.SENT else None

    def add(self, bounce: Bounce) -> bool:
        """False when the same report (``event_key``) was recorded already: providers
        deliver webhooks at least once, and two copies may arrive at the same moment."""
        if self.session.execute(select(Bounce.id).where(
                Bounce.event_key == bounce.event_key)).first() is not None:
            return False
        try:
            with self.session.begin_nested():
                self.session.add(bounce)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def soft_bounced_emails(self, partner_id: int, since: datetime) -> int:
        """Distinct emails to the partner that soft-bounced since then."""
        return int(self.session.execute(
            select(func.count(func.distinct(Bounce.delivery_id))).where(
                Bounce.partner_id == partner_id, Bounce.kind == BounceKind.SOFT,
                Bounce.received_at >= since)).scalar_one())
