"""A partner's journey: the steps so far, their own answers, and their partner's answers
to shared questions, revealed only once both answered and both chose to share.

Reads only. Built for one partner from their own token; the other partner's rows are
read to decide what may be revealed, and nothing else of theirs leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from urllib.parse import quote

from sqlalchemy.orm import Session

from reconnect.deliveries.calendar import step_name, step_week
from reconnect.models import DeliveryKind, DeliveryStatus, Reflection
from reconnect.partners.audience import audience_in
from reconnect.partners.data_repository import PartnerDataRepository
from reconnect.partners.invitation_status import InvitationStatus
from reconnect.partners.links import link_token
from reconnect.partners.preference_links import holder_id, invitation_of
from reconnect.partners.repository import PartnerRepository
from reconnect.program.audience import PartnerState
from reconnect.program.model import Program
from reconnect.reflections.needs import Needs
from reconnect.reflections.repository import ReflectionRepository
from reconnect.tokens import Purpose, TokenError, TokenProblem


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
    open_url: str | None = None  # the question's page, while it is not answered


@dataclass(frozen=True)
class StepView:
    number: int
    title: str
    done: bool
    answers: tuple[AnswerView, ...]
    name: str = ""  # "Week N · <title>" (reconnect/deliveries/calendar.py)
    week: int = 0
    # The couple's week for this step ended before it reached this partner (they joined
    # later, or were paused): it will not come, and the page says so plainly.
    skipped: bool = False


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
    # Where the other partner stands, as the texts see it (program/audience.py): with
    # "none" or "left" the page says that only the reader sees their answers.
    partner: PartnerState = "none"
    invitation: InvitationStatus = InvitationStatus.NONE
    invitations_left: int = 0


def journey(session: Session, rt: Needs, token: str) -> Journey:
    partners = PartnerRepository(session)
    partner = partners.get(holder_id(session, rt, token))
    if partner is None:
        raise TokenError(TokenProblem.INVALID)
    if partner.program_version_id is None:  # not confirmed yet: nothing to show
        return Journey(partner.first_name, None, (), (), None)
    program = rt.programs.version(session, partner.program_version_id)
    other = partners.other_partner(partner)
    rows_of_mine = PartnerDataRepository(session).deliveries(partner.id)
    sent = {d.key for d in rows_of_mine
            if d.kind is DeliveryKind.STAGE and d.status is DeliveryStatus.SENT}
    coming = {d.key for d in rows_of_mine if d.kind is DeliveryKind.STAGE
              and d.status in (DeliveryStatus.SCHEDULED, DeliveryStatus.HELD,
                               DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)}
    latest = max((found.position for key in sent | coming
                  if (found := program.stage(key)) is not None), default=-1)
    ids = [partner.id] + ([other.id] if other else [])
    rows = ReflectionRepository(session).for_partners(ids)
    mine = {(r.stage_key, r.prompt_key): r for r in rows if r.partner_id == partner.id}
    theirs = {(r.stage_key, r.prompt_key): r for r in rows if r.partner_id != partner.id}

    # Answers can change until the next step arrives: only the latest step received is
    # still open, so only its unanswered questions link to their page.
    open_step = max((found.position for key in sent
                     if (found := program.stage(key)) is not None), default=-1)

    def open_url(stage_key: str, prompt_key: str) -> str | None:
        stage = program.stage(stage_key)
        if stage is None or stage.position != open_step:
            return None
        token = link_token(rt, partner, Purpose.REFLECT, s=stage_key)
        return f"/reflect/{quote(token)}/{quote(prompt_key)}"

    steps = tuple(_step(program, i, sent, latest, mine, theirs, open_url)
                  for i in range(len(program.stages)))
    question, ratings = _ratings(program, steps, mine, theirs)
    now, lifetime = rt.clock.now(), timedelta(days=rt.settings.confirm_token_days)
    state = audience_in(session, partner, other, now, lifetime).partner
    status, left, _ = invitation_of(session, rt, partner)
    shown_name = other.first_name if other and state in ("joined", "invited") else None
    return Journey(partner.first_name, shown_name, steps, ratings, question, state, status,
                   left)


def _step(program: Program, index: int, sent: set[str], latest: int,
          mine: dict[tuple[str, str], Reflection],
          theirs: dict[tuple[str, str], Reflection],
          open_url: Callable[[str, str], str | None]) -> StepView:
    stage = program.stages[index]
    done = stage.key in sent
    answers = []
    for prompt in stage.prompts:
        own, their = mine.get((stage.key, prompt.key)), theirs.get((stage.key, prompt.key))
        reveal = reveal_state(own, their) if prompt.shared else \
            (Reveal.YOURS_ONLY if own else Reveal.NOT_ANSWERED)
        answers.append(AnswerView(
            question=prompt.question,
            answer=", ".join(prompt.labels_of(own.answer)) if own else None,
            note=own.note if own else None, shared_prompt=prompt.shared, reveal=reveal,
            partner_answer=", ".join(prompt.labels_of(their.answer))
            if their and reveal is Reveal.REVEALED else None,
            open_url=open_url(stage.key, prompt.key) if done and own is None else None))
    # A step before the latest one sent or on its way, that never came, was skipped.
    skipped = not done and index < latest
    return StepView(index + 1, stage.title, done, tuple(answers), step_name(stage),
                    step_week(stage), skipped)


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
        ratings.append(Rating(step.week, int(own.answer),
                              int(their.answer) if revealed and their else None))
    return scale.question, tuple(ratings)
