"""SQL for coming back: where a partner stopped, and clearing the way to start again."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reconnect.models import Delivery, DeliveryKind, DeliveryStatus

S = DeliveryStatus
# The program's own emails and their companions; confirmations and notices stay.
_PROGRAM_KINDS = (DeliveryKind.STAGE, DeliveryKind.NUDGE, DeliveryKind.RESEND)


class ComebackRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_sent_position(self, partner_id: int) -> int | None:
        return self.session.execute(
            select(func.max(Delivery.position)).where(
                Delivery.partner_id == partner_id, Delivery.kind == DeliveryKind.STAGE,
                Delivery.status == S.SENT)).scalar()

    def stopped_stage(self, partner_id: int) -> Delivery | None:
        """The stage that was waiting when they left (cancelled then), if any."""
        return self.session.execute(
            select(Delivery).where(Delivery.partner_id == partner_id,
                                   Delivery.kind == DeliveryKind.STAGE,
                                   Delivery.status == S.CANCELLED)
            .order_by(Delivery.position).limit(1)).scalar_one_or_none()

    def in_flight(self, partner_id: int) -> bool:
        return self.session.execute(
            select(Delivery.id).where(Delivery.partner_id == partner_id,
                                      Delivery.status.in_([S.CLAIMED, S.SENDING]))
        ).first() is not None

    def clear_program(self, partner_id: int) -> None:
        """Starting again: the program's email records go, so each stage can be sent
        once more (UNIQUE(partner, key) guards each send)."""
        self.session.execute(delete(Delivery).where(Delivery.partner_id == partner_id,
                                                    Delivery.kind.in_(_PROGRAM_KINDS)))
