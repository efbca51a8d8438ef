"""How the delivery queue is doing: rows by state and how far dispatch is behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import DeliveryStatus


@dataclass(frozen=True)
class QueueHealth:
    counts: dict[DeliveryStatus, int]  # every state, zero included
    oldest_due_at: datetime | None  # of the deliveries that are due and not yet sent
    lag_seconds: float  # now minus that; 0 when nothing due is waiting


def queue_health(session: Session, now: datetime) -> QueueHealth:
    repo = DeliveryRepository(session)
    found = repo.counts_by_status()
    counts = {status: found.get(status, 0) for status in DeliveryStatus}
    oldest = repo.oldest_due_unsent(now)
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return QueueHealth(counts=counts, oldest_due_at=oldest, lag_seconds=lag)
