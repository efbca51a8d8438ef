"""Recording what a partner answers to a stage's prompts.

The link's token names the partner and the stage; the prompt and the answer come from
the URL or form and are checked against the partner's own pinned program version. An
answer can be changed until the next stage's email has been sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from reconnect.db.uow import UnitOfWork
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.models import Partner, Reflection
from reconnect.partners.links import link_holder
from reconnect.program.model import Prompt, Stage
from reconnect.reflections.answers import AnswerProblem, stored_answer
from reconnect.reflections.needs import Needs
from reconnect.reflections.nudges import plan_nudge
from reconnect.reflections.repository import ReflectionRepository
from reconnect.reflections.schemas import NOTE_LIMIT, ReflectionOut
from reconnect.tokens import Purpose, TokenError, TokenProblem

# Tabs and newlines are part of writing; other control characters are not.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnknownPrompt(LookupError):
    pass


class InvalidAnswer(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ReflectionClosed(Exception):
    pass


@dataclass(frozen=True)
class ReflectionContext:
    partner: Partner
    stage: Stage
    prompt: Prompt
    existing: Reflection | None
    editable: bool

    def out(self) -> ReflectionOut:
        r = self.existing
        return ReflectionOut(stage=self.stage.key, prompt=self.prompt.key,
                             question=self.prompt.question,
                             answer=r.answer if r else None,
                             answer_label=", ".join(self.prompt.labels_of(r.answer))
                             if r else None,
                             answer_values=list(self.prompt.values_of(r.answer)) if r else [],
                             note=r.note if r else None, shared=bool(r and r.shared),
                             editable=self.editable,
                             updated_at=r.updated_at if r else None)


def _stage_for_token(session: Session, rt: Needs, token: str,
                     for_update: bool = False) -> tuple[Partner, Stage]:
    partner, data = link_holder(session, rt, Purpose.REFLECT, token, for_update=for_update)
    stage_key = data.get("s")
    if partner.program_version_id is None or not isinstance(stage_key, str):
        raise TokenError(TokenProblem.INVALID)
    stage = rt.programs.version(session, partner.program_version_id).stage(stage_key)
    if stage is None:
        raise TokenError(TokenProblem.INVALID)
    return partner, stage


def _editable(session: Session, partner: Partner, stage: Stage) -> bool:
    return not DeliveryRepository(session).later_stage_sent(partner.id, stage.position)


def reflection_context(session: Session, rt: Needs, token: str, prompt_key: str, *,
                       for_update: bool = False) -> ReflectionContext:
    """``for_update`` locks the partner's row first: two answers to one question at once
    then take turns, and the second updates what the first wrote."""
    partner, stage = _stage_for_token(session, rt, token, for_update)
    prompt = stage.prompt(prompt_key)
    if prompt is None:
        raise UnknownPrompt(prompt_key)
    existing = ReflectionRepository(session).get(partner.id, stage.key, prompt.key)
    return ReflectionContext(partner, stage, prompt, existing, _editable(session, partner, stage))


def stage_reflections(session: Session, rt: Needs, token: str) -> list[ReflectionOut]:
    """Every prompt of the token's stage with its answer: one token check, two queries."""
    partner, stage = _stage_for_token(session, rt, token)
    saved = {r.prompt_key: r for r in ReflectionRepository(session).for_stage(partner.id,
                                                                               stage.key)}
    editable = _editable(session, partner, stage)
    return [ReflectionContext(partner, stage, p, saved.get(p.key), editable).out()
            for p in stage.prompts]


def clean_note(prompt: Prompt, note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if not prompt.free_text:
        raise InvalidAnswer("note", "This question does not take a written note.")
    note = _CONTROL.sub("", note.replace("\r\n", "\n")).strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidAnswer("note", f"Please keep your note to {NOTE_LIMIT} characters.")
    return note


def record(uow: UnitOfWork, rt: Needs, token: str, prompt_key: str,
           sent: str | Sequence[str], note: str | None, share: bool = False
           ) -> ReflectionContext:
    """``sent``: the answer's value, or a multi question's values."""
    ctx = reflection_context(uow.session, rt, token, prompt_key, for_update=True)
    try:
        answer = stored_answer(ctx.prompt, sent)
    except AnswerProblem as exc:
        raise InvalidAnswer("answer", str(exc)) from None
    cleaned = clean_note(ctx.prompt, note)
    if not ctx.editable:
        raise ReflectionClosed()
    now = rt.clock.now()
    shared = share and ctx.prompt.shared
    reflection = ctx.existing
    if reflection is None:
        reflection = ReflectionRepository(uow.session).add(Reflection(
            partner_id=ctx.partner.id, stage_key=ctx.stage.key, prompt_key=ctx.prompt.key,
            answer=answer, note=cleaned, shared=shared, created_at=now, updated_at=now))
        if ctx.prompt.shared:
            plan_nudge(uow.session, rt, ctx.partner, ctx.stage)
        uow.after_commit(partial(rt.metrics.reflection_recorded, ctx.stage.key))
    else:
        reflection.answer = answer
        reflection.note = cleaned
        reflection.shared = shared
        reflection.updated_at = now
    return ReflectionContext(ctx.partner, ctx.stage, ctx.prompt, reflection, True)
