"""The SQL of moving partners from one program version to another."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reconnect.models import Delivery, DeliveryKind, Partner, PartnerStatus


class MigrationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def partners_on(self, version_id: int, *, lock: bool) -> Sequence[Partner]:
        """The partners still in the program on this version, oldest first."""
        query = select(Partner).where(Partner.program_version_id == version_id,
                                      Partner.status == PartnerStatus.ACTIVE) \
            .order_by(Partner.id)
        if lock:
            query = query.with_for_update()
        return self.session.execute(query).scalars().all()

    def stage_deliveries(self, partner_ids: Sequence[int], *, lock: bool
                         ) -> dict[int, list[Delivery]]:
        found: dict[int, list[Delivery]] = defaultdict(list)
        for start in range(0, len(partner_ids), 500):  # bound the IN list
            query = select(Delivery).where(
                Delivery.partner_id.in_(partner_ids[start:start + 500]),
                Delivery.kind == DeliveryKind.STAGE).order_by(Delivery.id)
            if lock:
                query = query.with_for_update()
            for delivery in self.session.execute(query).scalars():
                found[delivery.partner_id].append(delivery)
        return found

    def move_positions(self, partner_id: int, positions: dict[str, int]) -> None:
        """Numbers a partner's stage rows by where their keys sit in the new version."""
        for key, position in positions.items():
            self.session.execute(
                update(Delivery).where(Delivery.partner_id == partner_id,
                                       Delivery.kind == DeliveryKind.STAGE,
                                       Delivery.key == key, Delivery.position != position)
                .values(position=position).execution_options(synchronize_session=False))
