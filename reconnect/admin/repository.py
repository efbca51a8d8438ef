"""SQL for the operators' partner tools. Rows are read afresh (``populate_existing``): a
summary built after a change in the same transaction must show the change, even where
the change was a bulk UPDATE that left objects already loaded untouched."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reconnect.deliveries.resends import resend_prefix
from reconnect.models import (
    MAX_ROW_ID,
    Delivery,
    DeliveryKind,
    Partner,
    ProgramVersion,
    Reflection,
)

_FRESH = {"populate_existing": True}


class AdminRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def partner_id_by_email(self, email: str) -> int | None:
        return self.session.execute(
            select(Partner.id).where(Partner.email == email)).scalar_one_or_none()

    def partner(self, partner_id: int) -> Partner | None:
        if not 0 < partner_id <= MAX_ROW_ID:
            return None
        return self.session.execute(
            select(Partner).where(Partner.id == partner_id).execution_options(**_FRESH)
        ).scalar_one_or_none()

    def deliveries(self, partner_id: int) -> list[Delivery]:
        return list(self.session.execute(
            select(Delivery).where(Delivery.partner_id == partner_id)
            .order_by(Delivery.id).execution_options(**_FRESH)).scalars())

    def content_hash(self, version_id: int) -> str | None:
        return self.session.execute(
            select(ProgramVersion.content_hash).where(ProgramVersion.id == version_id)
        ).scalar_one_or_none()

    def reflection_count(self, partner_id: int) -> int:
        return int(self.session.execute(
            select(func.count()).select_from(Reflection)
            .where(Reflection.partner_id == partner_id)).scalar_one())

    def stage_delivery(self, partner_id: int, stage_key: str) -> Delivery | None:
        """The program's own delivery of this stage to the partner, if it was added."""
        return self.session.execute(
            select(Delivery).where(Delivery.partner_id == partner_id,
                                   Delivery.kind == DeliveryKind.STAGE,
                                   Delivery.key == stage_key)
            .execution_options(**_FRESH)).scalar_one_or_none()

    def resends_of(self, partner_id: int, stage_key: str) -> int:
        return int(self.session.execute(
            select(func.count()).select_from(Delivery).where(
                Delivery.partner_id == partner_id, Delivery.kind == DeliveryKind.RESEND,
                # autoescape: "_" in the prefix is a LIKE wildcard otherwise.
                Delivery.key.startswith(resend_prefix(stage_key), autoescape=True))
        ).scalar_one())
