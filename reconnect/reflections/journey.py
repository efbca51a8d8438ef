"""A partner's journey: the steps so far, their own answers, and their partner's answers
to shared questions, revealed only once both answered and both chose to share.

Reads only. Built for one partner from their own token; the other partner's rows are
read to decide what may be revealed, and nothing else of theirs leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from reconnect.models import DeliveryKind, DeliveryStatus, Reflection
from reconnect.partners.data_repository import PartnerDataRepository
from reconnect.partners.preference_links import holder_id
from reconnect.partners.repository import PartnerRepository
from reconnect.program.model import Program
from reconnect.reflections.needs import Needs
from reconnect.reflections.repository import ReflectionRepository
from reconnect.tokens import TokenError, TokenProblem


class Reveal(StrEnum):
    NOT_ANSWERED = "not_answered"
    YOURS_ONLY = "yours_only"  # you answered without choosing to share
    WAITING = "waiting"  # you shared; your partner has not (yet) answered and shared
    REVEALED = "revealed"  # both answered, both chose to share


def reveal_state(own: Reflection | None, theirs: Reflection | None) -> Reveal:
    if own is None:
        return Reveal.NOT_ANSWERED
    if not own.shared:
        return Reveal.YOURS_ONLY
    # Whether they have not answered or answered without sharing looks the same: neither
    # their answer nor their choice is shown.
    if theirs is None or not theirs.shared:
        return Reveal.WAITING
    return Reveal.REVEALED


@dataclass(frozen=True)
class AnswerView:
    question: str
    answer: str | None  # the label of your answer
    note: str | None
    shared_prompt: bool
    reveal: Reveal
    partner_answer: str | None  # only when revealed


@dataclass(frozen=True)
class StepView:
    number: int
    title: str
    done: bool
    answers: tuple[AnswerView, ...]


@dataclass(frozen=True)
class Rating:
    week: int
    yours: int | None
    partners: int | None  # only when revealed


@dataclass(frozen=True)
class Journey:
    first_name: str
    partner_name: str | None
    steps: tuple[StepView, ...]
    ratings: tuple[Rating, ...]
    rating_question: str | None


def journey(session: Session, rt: Needs, token: str) -> Journey:
    partners = PartnerRepository(session)
    partner = partners.get(holder_id(session, rt, token))
    if partner is None:
        raise TokenError(TokenProblem.INVALID)
    if partner.program_version_id is None:  # not confirmed yet: nothing to show
        return Journey(partner.first_name, None, (), (), None)
    program = rt.programs.version(session, partner.program_version_id)
    other = partners.other_partner(partner)
    sent = {d.key for d in PartnerDataRepository(session).deliveries(partner.id)
            if d.kind is DeliveryKind.STAGE and d.status is DeliveryStatus.SENT}
    ids = [partner.id] + ([other.id] if other else [])
    rows = ReflectionRepository(session).for_partners(ids)
    mine = {(r.stage_key, r.prompt_key): r for r in rows if r.partner_id == partner.id}
    theirs = {(r.stage_key, r.prompt_key): r for r in rows if r.partner_id != partner.id}
    steps = tuple(_step(program, i, sent, mine, theirs) for i in range(len(program.stages)))
    question, ratings = _ratings(program, steps, mine, theirs)
    return Journey(partner.first_name, other.first_name if other else None, steps, ratings,
                   question)


def _step(program: Program, index: int, sent: set[str],
          mine: dict[tuple[str, str], Reflection],
          theirs: dict[tuple[str, str], Reflection]) -> StepView:
    stage = program.stages[index]
    answers = []
    for prompt in stage.prompts:
        own, their = mine.get((stage.key, prompt.key)), theirs.get((stage.key, prompt.key))
        reveal = reveal_state(own, their) if prompt.shared else \
            (Reveal.YOURS_ONLY if own else Reveal.NOT_ANSWERED)
        answers.append(AnswerView(
            question=prompt.question, answer=prompt.label_for(own.answer) if own else None,
            note=own.note if own else None, shared_prompt=prompt.shared, reveal=reveal,
            partner_answer=prompt.label_for(their.answer)
            if their and reveal is Reveal.REVEALED else None))
    return StepView(index + 1, stage.title, stage.key in sent, tuple(answers))


def _ratings(program: Program, steps: tuple[StepView, ...],
             mine: dict[tuple[str, str], Reflection],
             theirs: dict[tuple[str, str], Reflection]) -> tuple[str | None, tuple[Rating, ...]]:
    """Week by week, the answers to the program's first 1-5 question that recurs."""
    scale = next((p for s in program.stages for p in s.prompts if p.kind == "scale"), None)
    if scale is None:
        return None, ()
    ratings = []
    for stage, step in zip(program.stages, steps, strict=True):
        own, their = mine.get((stage.key, scale.key)), theirs.get((stage.key, scale.key))
        if not step.done or own is None:
            continue
        revealed = scale.shared and reveal_state(own, their) is Reveal.REVEALED
        ratings.append(Rating(step.number, int(own.answer),
                              int(their.answer) if revealed and their else None))
    return scale.question, tuple(ratings)
