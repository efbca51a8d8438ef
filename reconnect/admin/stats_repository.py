"""SQL for the program's funnel and its average ratings: counts only, never a row that
names anyone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session

from reconnect.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Partner,
    PartnerStatus,
    Reflection,
)
from reconnect.partners.rules import suppressed_clause
from reconnect.program.model import SCALE_VALUES


@dataclass(frozen=True)
class PartnerCounts:
    signed_up: int
    confirmed: int
    completed: int
    now_paused: int
    unsubscribed: int
    suppressed: int


@dataclass(frozen=True)
class StageReach:
    key: str
    position: int
    partners: int


@dataclass(frozen=True)
class ScaleAnswers:
    stage_key: str
    prompt_key: str
    answers: int
    average: float


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class StatsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def partner_counts(self, slug: str) -> PartnerCounts:
        row = self.session.execute(select(
            func.count(),
            _count_where(Partner.confirmed_at.is_not(None)),
            _count_where(Partner.status == PartnerStatus.COMPLETED),
            _count_where(and_(Partner.status == PartnerStatus.ACTIVE,
                              Partner.paused_at.is_not(None))),
            _count_where(Partner.status == PartnerStatus.UNSUBSCRIBED),
            _count_where(suppressed_clause()),
        ).where(Partner.program_slug == slug)).one()
        return PartnerCounts(*(int(value) for value in row))

    def stage_reach(self, slug: str) -> list[StageReach]:
        """Per stage key: how many partners were sent the program's own email for it."""
        rows = self.session.execute(
            select(Delivery.key, func.min(Delivery.position),
                   func.count(func.distinct(Delivery.partner_id)))
            .join(Partner, Partner.id == Delivery.partner_id)
            .where(Partner.program_slug == slug, Delivery.kind == DeliveryKind.STAGE,
                   Delivery.status == DeliveryStatus.SENT)
            .group_by(Delivery.key))
        return [StageReach(key, int(position), int(count)) for key, position, count in rows]

    def scale_answers(self, slug: str) -> list[ScaleAnswers]:
        """Per stage and question: how many 1-5 answers, and their mean. The caller keeps
        only the program's scale questions and hides small groups."""
        rows = self.session.execute(
            select(Reflection.stage_key, Reflection.prompt_key, func.count(),
                   func.avg(cast(Reflection.answer, Integer)))
            .join(Partner, Partner.id == Reflection.partner_id)
            .where(Partner.program_slug == slug, Reflection.answer.in_(SCALE_VALUES))
            .group_by(Reflection.stage_key, Reflection.prompt_key))
        return [ScaleAnswers(stage, prompt, int(count), float(average))
                for stage, prompt, count, average in rows]
