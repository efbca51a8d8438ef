"""All SQL about deliveries. The state machine's transitions are compare-and-set updates,
so two dispatchers or two workers racing on one row cannot both win."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from reconnect.models import Delivery, DeliveryKind, DeliveryStatus

S = DeliveryStatus

class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, partner_id: int, kind: DeliveryKind, key: str, position: int,
            due_at: datetime, now: datetime, status: DeliveryStatus = S.SCHEDULED
            ) -> Delivery:
        [delivery] = self.add_all([(partner_id, kind, key, position, due_at)], now, status)
        return delivery

    def add_all(self, rows: list[tuple[int, DeliveryKind, str, int, datetime]],
                now: datetime, status: DeliveryStatus = S.SCHEDULED) -> list[Delivery]:
        """Adds deliveries (scheduled, or held for a paused partner) in one statement."""
        deliveries = [
            Delivery(partner_id=partner_id, kind=kind, key=key, position=position,
                     due_at=due_at, status=status, attempts=0, created_at=now)
            for partner_id, kind, key, position, due_at in rows
        ]
        self.session.add_all(deliveries)
        self.session.flush()
        return deliveries

    def latest_created(self, partner_id: int, kind: DeliveryKind) -> datetime | None:
        return self.session.execute(
            select(func.max(Delivery.created_at))
            .where(Delivery.partner_id == partner_id, Delivery.kind == kind)).scalar()

    def has_key(self, partner_id: int, key: str) -> bool:
        return self.session.execute(
            select(Delivery.id).where(Delivery.partner_id == partner_id, Delivery.key == key)
        ).first() is not None

    def get(self, delivery_id: int) -> Delivery | None:
        return self.session.get(Delivery, delivery_id)

    def get_many(self, delivery_ids: list[int]) -> list[Delivery]:
        return list(self.session.execute(
            select(Delivery).where(Delivery.id.in_(delivery_ids)).order_by(Delivery.id)
        ).scalars())

    def start_sending(self, delivery_ids: list[int], now: datetime) -> list[int]:
        """Claimed -> sending for a worker's batch, counting an attempt; returns the rows
        this worker won (a redelivered job finds its rows already taken)."""
        result = self.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == S.CLAIMED)
            .values(status=S.SENDING, claimed_at=now, attempts=Delivery.attempts + 1)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.scalars())

    def claim_due(self, now: datetime, limit: int) -> list[int]:
        """Moves up to ``limit`` due rows to claimed and returns their ids.

        ``SKIP LOCKED`` lets concurrent dispatchers on Postgres take disjoint rows; SQLite
        ignores it and serialises writers instead. The status check in the outer UPDATE
        is the compare-and-set that keeps a row from being claimed twice either way.
        """
        due = (
            select(Delivery.id)
            .where(Delivery.status == S.SCHEDULED, Delivery.due_at <= now)
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        if self.session.get_bind().dialect.name == "postgresql":
            # Postgres turns ``id IN (subquery)`` into a hash semi-join fed by a sequential
            # scan of the whole table once it guesses that is cheaper than one primary-key
            # probe per id, so the claim grew with the table (bench/claim.py, 1M rows against
            # 100k). ``= ANY(ARRAY(subquery))`` locks the due rows once, up front, and
            # probes the primary key for each: work in ``limit``, not in rows.
            chosen = Delivery.id == func.array(due).any_()
        else:
            chosen = Delivery.id.in_(due)
        result = self.session.execute(
            update(Delivery)
            .where(chosen, Delivery.status == S.SCHEDULED)
            .values(status=S.CLAIMED, claimed_at=now)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.scalars())

    def transition(self, delivery_id: int, source: DeliveryStatus, target: DeliveryStatus,
                   attempt: int | None = None, **values: object) -> bool:
        """``attempt``: only if the row is still on that attempt, so a worker whose row
        was reaped and taken by another cannot record over the newer attempt."""
        stmt = update(Delivery).where(Delivery.id == delivery_id, Delivery.status == source)
        if attempt is not None:
            stmt = stmt.where(Delivery.attempts == attempt)
        result = self.session.execute(
            stmt.values(status=target, **values).execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def renew_claims(self, attempts: dict[int, int], now: datetime) -> set[int]:
        """Renews a sending worker's claim on the rows (id -> attempt) it has not sent yet;
        returns those still its own."""
        if not attempts:
            return set()
        result = self.session.execute(
            update(Delivery)
            .where(tuple_(Delivery.id, Delivery.attempts).in_(list(attempts.items())),
                   Delivery.status == S.SENDING)
            .values(claimed_at=now)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False))
        return set(result.scalars())

    def keep_claimed(self, delivery_ids: list[int], now: datetime) -> list[int]:
        """Of these rows, those still claimed, with their claim renewed (they wait for the
        send-rate cap, not for a dead worker)."""
        result = self.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == S.CLAIMED)
            .values(claimed_at=now)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False))
        return sorted(result.scalars())

    def reap_stale(self, status: DeliveryStatus, older_than: datetime) -> int:
        result = self.session.execute(
            update(Delivery)
            .where(Delivery.status == status, Delivery.claimed_at < older_than)
            # due_at stays: the row keeps its place, and the dispatch lag shows the delay.
            .values(status=S.SCHEDULED, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def fail_exhausted(self, older_than: datetime, max_attempts: int,
                       now: datetime) -> list[int]:
        """Stale rows that already used every attempt fail instead of looping forever;
        returns their ids."""
        return list(self.session.execute(
            update(Delivery)
            .where(Delivery.status.in_([S.CLAIMED, S.SENDING]),
                   Delivery.claimed_at < older_than, Delivery.attempts >= max_attempts)
            .values(status=S.FAILED, last_error="abandoned by workers too many times",
                    failed_at=now)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        ).scalars())

    def cancel_scheduled(self, partner_id: int, kind: DeliveryKind | None = None) -> None:
        """Cancels what is waiting to go: scheduled rows, and rows held by a pause."""
        stmt = update(Delivery).where(Delivery.partner_id == partner_id,
                                      Delivery.status.in_([S.SCHEDULED, S.HELD]))
        if kind is not None:
            stmt = stmt.where(Delivery.kind == kind)
        self.session.execute(stmt.values(status=S.CANCELLED)
                             .execution_options(synchronize_session=False))

    def stage_sent_at(self, partner_id: int, key: str) -> datetime | None:
        """When the partner received this stage's email, or None if they have not."""
        return self.session.execute(
            select(Delivery.sent_at).where(
                Delivery.partner_id == partner_id, Delivery.kind == DeliveryKind.STAGE,
                Delivery.key == key, Delivery.status == S.SENT)).scalar_one_or_none()

    def stage_arrival(self, partner_id: int, key: str) -> datetime | None:
        """When this stage reached the partner, or is due to (waiting or held); None if
        it is not on its way (never planned, skipped, cancelled or failed)."""
        row = self.session.execute(
            select(Delivery.status, Delivery.sent_at, Delivery.due_at).where(
                Delivery.partner_id == partner_id, Delivery.kind == DeliveryKind.STAGE,
                Delivery.key == key)).first()
        if row is None or row.status in (S.CANCELLED, S.FAILED):
            return None
        arrival: datetime | None = row.sent_at if row.status is S.SENT else row.due_at
        return arrival

    def later_stage_sent(self, partner_id: int, position: int) -> bool:
        found = self.session.execute(
            select(Delivery.id).where(
                Delivery.partner_id == partner_id,
                Delivery.kind == DeliveryKind.STAGE,
                Delivery.position > position,
                Delivery.status == S.SENT,
            ).limit(1)
        ).first()
        return found is not None

    def oldest_due_unsent(self, now: datetime) -> datetime | None:
        """The due time of the longest-waiting email that is due and not yet sent."""
        return self.session.execute(
            select(func.min(Delivery.due_at)).where(
                Delivery.status.in_([S.SCHEDULED, S.CLAIMED, S.SENDING]),
                Delivery.due_at <= now)
        ).scalar_one_or_none()

    def counts_by_status(self) -> dict[str, int]:
        rows = self.session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        ).all()
        return {str(status): int(count) for status, count in rows}

    def earliest_scheduled(self) -> datetime | None:
        return self.session.execute(
            select(Delivery.due_at).where(Delivery.status == S.SCHEDULED)
            .order_by(Delivery.due_at).limit(1)
        ).scalar_one_or_none()
