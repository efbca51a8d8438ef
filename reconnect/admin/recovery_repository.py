"""SQL for recovering after a relay incident: failed emails in a time window, suppressed
addresses, and a partner's program after their address is released."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner
from reconnect.partners.rules import suppressed_clause

S = DeliveryStatus


class RecoveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def failed_between(self, since: datetime, until: datetime) -> list[tuple[Delivery, Partner]]:
        return [(d, p) for d, p in self.session.execute(
            select(Delivery, Partner).join(Partner, Partner.id == Delivery.partner_id)
            .where(Delivery.status == S.FAILED, Delivery.failed_at >= since,
                   Delivery.failed_at < until)
            .order_by(Delivery.failed_at, Delivery.id)).all()]

    def requeue(self, delivery_id: int, now: datetime) -> bool:
        """failed -> scheduled, due now, with a fresh allowance of attempts."""
        result = self.session.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.status == S.FAILED)
            .values(status=S.SCHEDULED, due_at=now, attempts=0, claimed_at=None,
                    failed_at=None).execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def suppressed(self, limit: int, offset: int) -> list[Partner]:
        return list(self.session.execute(
            select(Partner).where(suppressed_clause())
            .order_by(Partner.suppressed_at.desc(), Partner.id.desc())
            .limit(limit).offset(offset)).scalars())

    def last_stage(self, partner_id: int) -> Delivery | None:
        """The partner's furthest stage email (the program's own, not a copy)."""
        return self.session.execute(
            select(Delivery).where(Delivery.partner_id == partner_id,
                                   Delivery.kind == DeliveryKind.STAGE)
            .order_by(Delivery.position.desc()).limit(1)
            .execution_options(populate_existing=True)).scalar_one_or_none()

    def revive(self, delivery_id: int, status: DeliveryStatus, due_at: datetime) -> None:
        """A stage cancelled by the suppression waits again (or is held, if paused)."""
        self.session.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.status == S.CANCELLED)
            .values(status=status, due_at=due_at, attempts=0, claimed_at=None)
            .execution_options(synchronize_session=False))
