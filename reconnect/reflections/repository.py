from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reconnect.models import Reflection


class ReflectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, partner_id: int, stage_key: str, prompt_key: str) -> Reflection | None:
        return self.session.execute(
            select(Reflection).where(Reflection.partner_id == partner_id,
                                     Reflection.stage_key == stage_key,
                                     Reflection.prompt_key == prompt_key)
        ).scalar_one_or_none()

    def for_stage(self, partner_id: int, stage_key: str) -> list[Reflection]:
        return list(self.session.execute(
            select(Reflection).where(Reflection.partner_id == partner_id,
                                     Reflection.stage_key == stage_key)
            .order_by(Reflection.id)
        ).scalars())

    def for_partners(self, partner_ids: list[int]) -> list[Reflection]:
        return list(self.session.execute(
            select(Reflection).where(Reflection.partner_id.in_(partner_ids))
            .order_by(Reflection.id)).scalars())

    def add(self, reflection: Reflection) -> Reflection:
        self.session.add(reflection)
        self.session.flush()
        return reflection
