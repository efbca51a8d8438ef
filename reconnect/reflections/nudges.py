"""The gentle nudge: when one partner has answered a step's shared question and the
other has not after a few days, the other gets one short, optional reminder for that
step (never more), unless they turned reminders off.

A reminder only ever concerns a step its reader has already received: with one calendar
per couple the two partners get a step at different hours, days apart across zones,
quiet days and a late join. Its words never say what the partner did ("This week's
question is still open for you"), which would press the reader and tell a partner
reading over their shoulder that the other one answered.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.schedule import next_send_time
from reconnect.models import Delivery, DeliveryKind, Partner, PartnerStatus
from reconnect.partners.repository import PartnerRepository
from reconnect.program.model import Stage
from reconnect.reflections.needs import Needs
from reconnect.reflections.repository import ReflectionRepository

# "After a few days": long enough not to hurry anyone, short enough to land in the week.
NUDGE_AFTER = timedelta(days=3)
_PREFIX = "_nudge-"


def nudge_key(stage_key: str) -> str:
    # Stage keys cannot contain "_", so this never collides with a stage's own key.
    return f"{_PREFIX}{stage_key}"


def stage_of(delivery: Delivery) -> str:
    return delivery.key.removeprefix(_PREFIX)


def plan_nudge(session: Session, rt: Needs, writer: Partner, stage: Stage) -> None:
    """Called when ``writer`` answered one of ``stage``'s shared questions."""
    other = PartnerRepository(session).other_partner(writer)
    if other is None or not _wants_nudges(other) or _answered(session, other, stage):
        return
    deliveries = DeliveryRepository(session)
    key = nudge_key(stage.key)
    if deliveries.has_key(other.id, key):
        return  # one per step, whoever answered first
    arrives = deliveries.stage_arrival(other.id, stage.key)
    if arrives is None:
        return  # the step is not on its way to them (skipped, or not planned yet)
    now = rt.clock.now()
    # A few days after the step reached them (or will): never before it.
    due = next_send_time(max(now, arrives) + NUDGE_AFTER, other.send_hour, other.timezone,
                         quiet_days=other.quiet_weekdays)
    try:
        with session.begin_nested():
            deliveries.add(other.id, DeliveryKind.NUDGE, key, stage.position, due, now)
    except IntegrityError:
        pass  # both partners' answers raced to plan it: one is enough


def still_wanted(session: Session, delivery: Delivery, partner: Partner,
                 stage: Stage | None) -> bool:
    """At send time: only if it still helps. Not once they answered, not after the next
    step arrived, not while paused, not if they turned reminders off."""
    if stage is None or not _wants_nudges(partner) or partner.paused_at is not None:
        return False
    if _answered(session, partner, stage):
        return False
    deliveries = DeliveryRepository(session)
    if deliveries.stage_sent_at(partner.id, stage.key) is None:
        return False
    return not deliveries.later_stage_sent(partner.id, stage.position)


def _wants_nudges(partner: Partner) -> bool:
    return partner.status is PartnerStatus.ACTIVE and partner.nudges \
        and partner.suppressed_at is None


def _answered(session: Session, partner: Partner, stage: Stage) -> bool:
    shared = {p.key for p in stage.prompts if p.shared}
    mine = {r.prompt_key for r in ReflectionRepository(session).for_stage(partner.id,
                                                                           stage.key)}
    return bool(shared & mine)
