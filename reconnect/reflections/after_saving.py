"""What the reflection page shows around a saved answer: the program's reply to it, help
and the solo exercise after "I don't feel safe", the support snippet after a worrying
answer, the partner's answer with a prompt to talk once both shared, and the way on to
the week's next open question.

Reads only. The other partner's row is read for the reader's audience and their answer
only when both chose to share it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup
from sqlalchemy.orm import Session

from reconnect.models import Partner, Reflection
from reconnect.partners.audience import audience_of
from reconnect.partners.repository import PartnerRepository
from reconnect.program.model import Program, Prompt, Stage
from reconnect.program.reader import previous_stage, reveal_words, snippet, stage_variables
from reconnect.program.snippets import SUPPORT
from reconnect.program.text import markdown_to_html, render_markdown
from reconnect.reflections.journey import Reveal, reveal_state
from reconnect.reflections.repository import ReflectionRepository


@dataclass(frozen=True)
class SoloExerciseView:
    title: str
    html: Markup


@dataclass(frozen=True)
class Revealed:
    partner_name: str
    partner_answer: str
    prompt_html: Markup | None  # the reveal snippet, when the program has one


@dataclass(frozen=True)
class AnswerCare:
    """What follows a saved answer on its page."""

    replies: tuple[str, ...]
    safety: bool  # "I don't feel safe": help and the solo exercise
    solo: SoloExerciseView | None
    support_html: Markup | None  # worrying answer: the program's support snippet
    revealed: Revealed | None
    next_prompt: Prompt | None  # the week's next question still unanswered

    @property
    def needs_help(self) -> bool:
        return self.safety or self.support_html is not None


def _html(markdown: str | None) -> Markup | None:
    return Markup(markdown_to_html(markdown)) if markdown else None  # noqa: S704 - escaped


def answer_care(session: Session, program: Program, partner: Partner, stage: Stage,
                prompt: Prompt, own: Reflection | None, *, now: datetime,
                invitation_lifetime: timedelta) -> AnswerCare:
    """``now`` and ``invitation_lifetime`` decide where the partner stands (an
    invitation older than that has lapsed)."""
    saved = {r.prompt_key: r for r in ReflectionRepository(session).for_stage(partner.id,
                                                                              stage.key)}
    following = next_unanswered(stage, prompt, set(saved))
    if own is None:
        return AnswerCare((), False, None, None, None, following)
    other = PartnerRepository(session).other_partner(partner)
    audience = audience_of(partner, other, now, invitation_lifetime)
    variables = stage_variables(program, stage, partner.first_name,
                                other.first_name if other else "", audience, {})
    safety = prompt.is_safety(own.answer)
    return AnswerCare(
        replies=prompt.reply_for(own.answer), safety=safety,
        solo=_solo_exercise(program, stage, prompt, variables) if safety else None,
        support_html=_html(snippet(program, SUPPORT, variables))
        if prompt.is_worrying(own.answer) else None,
        revealed=_revealed(session, program, prompt, own, other, variables),
        next_prompt=following)


def next_unanswered(stage: Stage, prompt: Prompt, answered: set[str]) -> Prompt | None:
    """The next question of the week, in the email's order (look-back questions first),
    that has no saved answer; after the last, the first."""
    order = [*stage.look_back, *stage.this_week]
    at = next(i for i, p in enumerate(order) if p.key == prompt.key)
    rest = order[at + 1:] + order[:at]
    return next((p for p in rest if p.key not in answered), None)


def _solo_exercise(program: Program, stage: Stage, prompt: Prompt,
                   variables: dict[str, object]) -> SoloExerciseView | None:
    """The version to do alone of the exercise the question is about: last week's for a
    look-back question, else this week's (the other one if that has none)."""
    before = previous_stage(program, stage)
    candidates = [before, stage] if prompt.looks_back and before else [stage, before]
    for candidate in candidates:
        if candidate is not None and candidate.exercise.solo is not None:
            solo = candidate.exercise.solo
            return SoloExerciseView(solo.title, Markup(  # noqa: S704 - escaped by markdown-it
                render_markdown(solo.text, variables).html))
    return None


def _revealed(session: Session, program: Program, prompt: Prompt, own: Reflection,
              other: Partner | None, variables: dict[str, object]) -> Revealed | None:
    if not prompt.shared or other is None:
        return None
    theirs = ReflectionRepository(session).get(other.id, own.stage_key, prompt.key)
    if theirs is None or reveal_state(own, theirs) is not Reveal.REVEALED:
        return None
    text = reveal_words(program, prompt, own.answer, theirs.answer, variables)
    return Revealed(other.first_name, ", ".join(prompt.labels_of(theirs.answer)),
                    _html(text))
