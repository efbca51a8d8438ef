"""Moving in-flight partners from one program version to another, by stage key.

A partner's next email in the new version is the stage with the key of the one they
were waiting for; if the new version has no such stage, the stage after the furthest
one they have already had (sent, or given up on). A migration is refused as a whole
when, for anyone, the new version would send a stage they already received (a stage
moved later, say), or when an email to them is on its way at that moment. The dry run
and the real run share one plan: the real run works it out again with the partners
locked and applies exactly that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.schedule import stage_due_at
from reconnect.editor.migration_repository import MigrationRepository
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner, PartnerStatus
from reconnect.ports import Clocked, ProgramSource, Transactions
from reconnect.program.model import Program, Stage

S = DeliveryStatus
WAITING = (S.SCHEDULED, S.HELD)
ON_ITS_WAY = (S.CLAIMED, S.SENDING)
Track = Callable[[Sequence[Partner], str], Iterable[Partner]]


class Needs(Clocked, ProgramSource, Transactions, Protocol):
    """The clock, the program versions, and one transaction for the whole move."""


class MigrationRefused(Exception):
    def __init__(self, plan: MigrationPlan) -> None:
        self.plan = plan
        super().__init__(f"{len(plan.refusals)} partner(s) cannot be moved")


@dataclass(frozen=True)
class Move:
    partner_id: int
    address: str  # shown masked
    waiting_key: str | None  # the stage they were due to get next on the old version
    next_key: str | None  # None: nothing left for them; they complete the program
    next_due_at: datetime | None
    refusal: str | None = None
    # Stages of the new version placed before them that they never had and will not get.
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class MigrationPlan:
    from_version: int
    to_version: int
    moves: tuple[Move, ...]

    @property
    def refusals(self) -> tuple[Move, ...]:
        return tuple(m for m in self.moves if m.refusal is not None)


def mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def plan_migration(rt: Needs, session: Session, from_version: int, to_version: int,
                   track: Track | None = None) -> MigrationPlan:
    """What would happen; reads only."""
    return _plan(rt, session, from_version, to_version, lock=False, track=track)[0]


def migrate(rt: Needs, from_version: int, to_version: int,
            track: Track | None = None) -> MigrationPlan:
    """Moves everyone in one transaction, or no one (raises MigrationRefused)."""
    with rt.unit_of_work() as uow:
        plan, partners, deliveries = _plan(rt, uow.session, from_version, to_version,
                                           lock=True, track=track)
        if plan.refusals:
            raise MigrationRefused(plan)
        target = rt.programs.version(uow.session, to_version)
        positions = {stage.key: stage.position for stage in target.stages}
        repository = MigrationRepository(uow.session)
        for move in plan.moves:
            partner = partners[move.partner_id]
            partner.program_version_id = to_version
            _apply(uow.session, partner, move, deliveries.get(partner.id, []), target,
                   rt.clock.now())
            repository.move_positions(partner.id, positions)
        return plan


def _plan(rt: Needs, session: Session, from_version: int, to_version: int, *, lock: bool,
          track: Track | None) -> tuple[MigrationPlan, dict[int, Partner],
                                        dict[int, list[Delivery]]]:
    source = rt.programs.version(session, from_version)
    target = rt.programs.version(session, to_version)
    if source.slug != target.slug:
        raise ValueError(f"version {from_version} is of program '{source.slug}' and "
                         f"{to_version} of '{target.slug}'; partners move within a program")
    if from_version == to_version:
        raise ValueError("the two versions are the same")
    repository = MigrationRepository(session)
    partners = repository.partners_on(from_version, lock=lock)
    deliveries = repository.stage_deliveries([p.id for p in partners], lock=lock)
    now = rt.clock.now()
    seen: Iterable[Partner] = track(partners, "Planning") if track else partners
    moves = tuple(_move(partner, deliveries.get(partner.id, []), target, now)
                  for partner in seen)
    return (MigrationPlan(from_version, to_version, moves), {p.id: p for p in partners},
            deliveries)


def _move(partner: Partner, rows: list[Delivery], target: Program, now: datetime) -> Move:
    waiting = next((d for d in rows if d.status in WAITING), None)
    base = Move(partner.id, mask(partner.email), waiting.key if waiting else None, None, None)
    if any(d.status in ON_ITS_WAY for d in rows):
        return _refuse(base, "an email to them is being sent right now; run the "
                             "migration again in a few minutes")
    done = [d for d in rows if d.status not in WAITING]
    # By key: the stage they are waiting for, where the new version has it; otherwise
    # the stage after the furthest one they have had.
    same = target.stage(waiting.key) if waiting is not None else None
    start = same.position if same is not None else 1 + max(
        (s.position for s in target.stages if any(d.key == s.key for d in done)), default=-1)
    # Any stage they have had (received, or given up on after failing) that still lies
    # ahead of them: sending it would repeat it, and planning it again would collide
    # with its row.
    had = {d.key: d for d in done}
    again = [had[s.key] for s in target.stages[start:] if s.key in had]
    if again:
        return _refuse(base, _repeat(again[0]))
    skipped = tuple(s.key for s in target.stages[:start] if s.key not in had)
    following = target.stage_at(start)
    if following is None:
        return replace(base, skipped=skipped)
    return replace(base, next_key=following.key, skipped=skipped,
                   next_due_at=_due(partner, following, now, waiting))


def _repeat(row: Delivery) -> str:
    if row.status is S.SENT:
        when = f", which they received on {row.sent_at:%Y-%m-%d}" if row.sent_at else ""
        return f"would get '{row.key}' again{when}"
    return (f"would reach '{row.key}' again, which was {row.status.value} for them "
            "(a stage is sent at most once)")


def _due(partner: Partner, stage: Stage, now: datetime, waiting: Delivery | None
         ) -> datetime:
    if waiting is not None and waiting.key == stage.key and waiting.position == stage.position:
        return waiting.due_at  # same stage, same place: keep its time (and any retry delay)
    assert partner.program_start_date is not None  # set when they confirmed
    return stage_due_at(partner.program_start_date, stage.day, partner.send_hour,
                        partner.timezone, now, quiet_days=partner.quiet_weekdays)


def _refuse(move: Move, reason: str) -> Move:
    return replace(move, refusal=reason)


def _apply(session: Session, partner: Partner, move: Move, rows: list[Delivery],
           target: Program, now: datetime) -> None:
    waiting = next((d for d in rows if d.status in WAITING), None)
    if move.next_key is None:
        if waiting is not None:
            waiting.status = S.CANCELLED
        partner.status = PartnerStatus.COMPLETED
        return
    stage = target.stage(move.next_key)
    assert stage is not None
    assert move.next_due_at is not None
    if waiting is None:
        DeliveryRepository(session).add(
            partner.id, DeliveryKind.STAGE, stage.key, stage.position, move.next_due_at, now,
            status=S.HELD if partner.paused_at is not None else S.SCHEDULED)
        return
    if waiting.key != stage.key:
        waiting.attempts, waiting.last_error = 0, None
    waiting.key, waiting.position, waiting.due_at = stage.key, stage.position, move.next_due_at
