"""All SQL about couples and partners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reconnect.models import MAX_ROW_ID, Couple, Partner, PartnerStatus


class PartnerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, partner_id: int) -> Partner | None:
        if not 0 < partner_id <= MAX_ROW_ID:
            return None
        return self.session.get(Partner, partner_id)

    def get_for_update(self, partner_id: int) -> Partner | None:
        if not 0 < partner_id <= MAX_ROW_ID:
            return None
        return self.session.execute(
            select(Partner).where(Partner.id == partner_id).with_for_update()
        ).scalar_one_or_none()

    def by_public_id(self, public_id: str, *, for_update: bool = False) -> Partner | None:
        query = select(Partner).where(Partner.public_id == public_id)
        return self.session.execute(
            query.with_for_update() if for_update else query).scalar_one_or_none()

    def pauses_ending(self, now: datetime, limit: int) -> list[int]:
        """Partners whose timed pause has run out, earliest first."""
        return list(self.session.execute(
            select(Partner.id).where(Partner.pause_until <= now,
                                     Partner.paused_at.is_not(None))
            .order_by(Partner.pause_until).limit(limit)).scalars())

    def by_emails(self, emails: list[str]) -> dict[str, Partner]:
        rows = self.session.execute(select(Partner).where(Partner.email.in_(emails))).scalars()
        return {p.email: p for p in rows}

    def with_partners(self, partner_ids: set[int]) -> dict[int, Partner]:
        """These partners and everyone in their couples, by id, in one query."""
        couples = select(Partner.couple_id).where(Partner.id.in_(partner_ids))
        rows = self.session.execute(
            select(Partner).where(Partner.couple_id.in_(couples.scalar_subquery()))
        ).scalars()
        return {p.id: p for p in rows}

    def count_suppressed(self) -> int:
        """Addresses that get no more mail after repeated permanent refusals."""
        return int(self.session.execute(
            select(func.count()).select_from(Partner).where(Partner.suppressed_at.is_not(None))
        ).scalar_one())

    def other_partner(self, partner: Partner) -> Partner | None:
        return self.session.execute(
            select(Partner).where(Partner.couple_id == partner.couple_id, Partner.id != partner.id)
        ).scalars().first()

    def complete(self, partner_id: int) -> bool:
        """An enrolled partner whose last stage went out has completed the program."""
        result = self.session.execute(
            update(Partner).where(Partner.id == partner_id,
                                  Partner.status == PartnerStatus.ACTIVE)
            .values(status=PartnerStatus.COMPLETED)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def reset_permanent_failures(self, partner_id: int) -> None:
        self.session.execute(
            update(Partner).where(Partner.id == partner_id, Partner.permanent_failures > 0)
            .values(permanent_failures=0).execution_options(synchronize_session=False))

    def mark_left(self, leaving: Partner) -> None:
        """The one who stays learns that their partner left the program, never how
        (unsubscribed, erased, suppressed). Someone who never joined did not leave."""
        if leaving.confirmed_at is None:
            return
        self.session.execute(
            update(Partner).where(Partner.couple_id == leaving.couple_id,
                                  Partner.id != leaving.id)
            .values(partner_left=True).execution_options(synchronize_session="fetch"))

    def couple_for_update(self, couple_id: int) -> Couple:
        """The couple, locked: both partners confirming at once take turns here, so only
        one of them starts the couple's calendar."""
        return self.session.execute(
            select(Couple).where(Couple.id == couple_id).with_for_update()).scalar_one()

    def add_couple(self, now: datetime) -> Couple:
        couple = Couple(created_at=now)
        self.session.add(couple)
        self.session.flush()
        return couple

    def add(self, partner: Partner) -> Partner:
        self.session.add(partner)
        self.session.flush()
        return partner
