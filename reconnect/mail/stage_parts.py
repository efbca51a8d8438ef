"""The parts of a stage email for one reader, each as HTML and plain text: the low-rating
block, the body and the exercise in the version that suits the reader."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup

from reconnect.program.audience import Audience
from reconnect.program.model import Program, Stage
from reconnect.program.reader import low_rating_block, reads_solo, snippet
from reconnect.program.snippets import PARTNER_SAFETY
from reconnect.program.text import markdown_to_html, markdown_to_text, render_markdown


@dataclass(frozen=True)
class Part:
    html: Markup
    text: str


@dataclass(frozen=True)
class ExercisePart:
    title: str
    body: Part


@dataclass(frozen=True)
class StageParts:
    low_rating: Part | None
    body: Part
    exercise: ExercisePart
    # "Rather do this on your own?": the solo version, offered beside a partner exercise.
    solo_offer: ExercisePart | None


def _part(source: str, variables: Mapping[str, object]) -> Part:
    rendered = render_markdown(source, variables)
    return Part(Markup(rendered.html), rendered.text)  # noqa: S704 - escaped by markdown-it


def _markdown(markdown: str) -> Part:
    return Part(Markup(markdown_to_html(markdown)), markdown_to_text(markdown))  # noqa: S704


def _complete(program: Program, stage: Stage,
              variables: Mapping[str, object]) -> dict[str, object]:
    """The variables with the names added for roles filled in, for callers that give
    only a name or two (a partner named reads as a couple, none as someone alone)."""
    full = dict(variables)
    if "role" not in full:
        joined = bool(full.get("partner_name"))
        full.update(role="inviter" if joined else "solo",
                    partner="joined" if joined else "none")
    full.setdefault("week", stage.week)
    full.setdefault("previous", {})
    if "safety_line" not in full:
        full["safety_line"] = ""
        full["safety_line"] = snippet(program, PARTNER_SAFETY, full) or ""
    return full


def stage_parts(program: Program, stage: Stage, variables: Mapping[str, object]) -> StageParts:
    full = _complete(program, stage, variables)
    audience = Audience(full["role"], full["partner"])  # type: ignore[arg-type]
    answers = full["previous"]
    stored = {k: v for k, v in answers.items() if isinstance(v, str)} \
        if isinstance(answers, Mapping) else {}
    low = low_rating_block(program, stage, stored, full)
    exercise, solo = stage.exercise, stage.exercise.solo
    offer = None
    if solo is not None and reads_solo(audience):
        shown = ExercisePart(solo.title, _part(solo.text, full))
    else:
        shown = ExercisePart(exercise.title, _part(exercise.text, full))
        if solo is not None:
            offer = ExercisePart(solo.title, _part(solo.text, full))
    return StageParts(low_rating=_markdown(low) if low else None,
                      body=_part(stage.body, full), exercise=shown, solo_offer=offer)
