"""SQL for emails that are waiting (scheduled or held): pausing and rescheduling.

Rows already claimed or sending belong to the worker that has them; these statements
touch only waiting rows, each a compare-and-set on the status.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus

S = DeliveryStatus


class WaitingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def hold_scheduled(self, partner_id: int) -> int:
        """Scheduled stage emails -> held; returns how many."""
        result = self.session.execute(
            update(Delivery)
            .where(Delivery.partner_id == partner_id, Delivery.kind == DeliveryKind.STAGE,
                   Delivery.status == S.SCHEDULED)
            .values(status=S.HELD)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def first_stage_in(self, partner_id: int, status: DeliveryStatus) -> Delivery | None:
        """The partner's earliest stage email in ``status`` (normally the only one)."""
        return self.session.execute(
            select(Delivery).where(Delivery.partner_id == partner_id,
                                   Delivery.kind == DeliveryKind.STAGE,
                                   Delivery.status == status)
            .order_by(Delivery.position).limit(1)
        ).scalar_one_or_none()

    def release_held(self, delivery_id: int, due_at: datetime) -> bool:
        """Held -> scheduled at ``due_at``; False if the row was no longer held."""
        return DeliveryRepository(self.session).transition(delivery_id, S.HELD, S.SCHEDULED,
                                                           due_at=due_at)

    def reschedule(self, delivery_id: int, due_at: datetime) -> bool:
        """Moves a waiting row; False if a dispatcher claimed it first (it then keeps the
        time it was claimed at)."""
        return DeliveryRepository(self.session).transition(delivery_id, S.SCHEDULED,
                                                           S.SCHEDULED, due_at=due_at)

    def move_held(self, delivery_id: int, key: str, position: int) -> bool:
        """Makes a held stage row stand for a later stage (a long pause skipped to the
        couple's current week); False if it was no longer held."""
        result = self.session.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.status == S.HELD)
            .values(key=key, position=position)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
