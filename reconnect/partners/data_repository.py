"""SQL for a partner's own data: everything stored about them, read or erased at once."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reconnect.models import Couple, Delivery, Partner, Reflection
from reconnect.partners.repository import PartnerRepository


class PartnerDataRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def deliveries(self, partner_id: int) -> list[Delivery]:
        return list(self.session.execute(
            select(Delivery).where(Delivery.partner_id == partner_id).order_by(Delivery.id)
        ).scalars())

    def reflections(self, partner_id: int) -> list[Reflection]:
        return list(self.session.execute(
            select(Reflection).where(Reflection.partner_id == partner_id)
            .order_by(Reflection.id)).scalars())

    def erase(self, partner: Partner) -> tuple[int, int]:
        """Deletes the partner's reflections, emails and record (and their couple, if
        nobody is left in it); returns (reflections, emails) erased. Explicit deletes
        rather than cascades, so SQLite and Postgres erase the same."""
        reflections = self.session.execute(
            delete(Reflection).where(Reflection.partner_id == partner.id)).rowcount  # type: ignore[attr-defined]
        emails = self.session.execute(
            delete(Delivery).where(Delivery.partner_id == partner.id)).rowcount  # type: ignore[attr-defined]
        couple_id = partner.couple_id
        PartnerRepository(self.session).mark_left(partner)
        self.session.delete(partner)
        self.session.flush()
        left = self.session.execute(
            select(func.count()).select_from(Partner).where(Partner.couple_id == couple_id)
        ).scalar_one()
        if not left:
            self.session.execute(delete(Couple).where(Couple.id == couple_id))
        return int(reflections), int(emails)
