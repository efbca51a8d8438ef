"""What a stage's texts see for one reader: the names a stage file may use, with the
reader's role and partner state, last week's answers and the program's safety line."""

from __future__ import annotations

from collections.abc import Mapping

from reconnect.program.audience import Audience
from reconnect.program.model import LOW_RATINGS, Program, Prompt, Stage
from reconnect.program.snippets import LOW_RATING, PARTNER_SAFETY, REVEAL, REVEAL_FAR_APART
from reconnect.program.text import render_source


def previous_stage(program: Program, stage: Stage) -> Stage | None:
    """The stage whose answers ``previous`` holds in ``stage``'s text."""
    return program.stage_at(stage.position - 1) if stage.position else None


def template_answers(program: Program, stage: Stage,
                     stored: Mapping[str, str]) -> dict[str, object]:
    """The previous stage's answers as texts read them: every question, "" where
    unanswered, a list for a multi question."""
    before = previous_stage(program, stage)
    if before is None:
        return {}
    return {p.key: p.template_value(stored.get(p.key, "")) for p in before.prompts}


def rated_low(program: Program, stage: Stage, stored: Mapping[str, str]) -> bool:
    """Whether any rating the reader gave in the previous stage was 1 or 2."""
    before = previous_stage(program, stage)
    return before is not None and any(
        p.kind == "scale" and stored.get(p.key) in LOW_RATINGS for p in before.prompts)


def stage_variables(program: Program, stage: Stage, first_name: str, partner_name: str,
                    audience: Audience, stored: Mapping[str, str]) -> dict[str, object]:
    """Everything a stage text, its exercise or a snippet may use, for this reader."""
    variables: dict[str, object] = {
        "first_name": first_name,
        # Someone with no partner in the program reads no partner's name, whatever is
        # on file (contract: "" when partner is "none").
        "partner_name": partner_name if audience.has_partner_name else "",
        "role": audience.role, "partner": audience.partner, "week": stage.week,
        "previous": template_answers(program, stage, stored), "safety_line": "",
    }
    variables["safety_line"] = snippet(program, PARTNER_SAFETY, variables) or ""
    return variables


def snippet(program: Program, name: str, variables: Mapping[str, object]) -> str | None:
    """The snippet's Markdown filled in for the reader, or None when the program has
    none of that name (versions stored before snippets)."""
    source = program.snippets.get(name)
    return render_source(source, variables).strip() if source is not None else None


def low_rating_block(program: Program, stage: Stage, stored: Mapping[str, str],
                     variables: Mapping[str, object]) -> str | None:
    """The standing block for a low rating last week, when it applies."""
    return snippet(program, LOW_RATING, variables) if rated_low(program, stage, stored) \
        else None


def reads_solo(audience: Audience) -> bool:
    """Whether the reader gets only the version of a partner exercise to do alone: no
    partner in the program to do it with, or starting alone."""
    return audience.role == "solo" or audience.partner in ("none", "left")


# Two ratings this far apart on the 1-5 scale get the gentler prompt.
FAR_APART = 2


def reveal_words(program: Program, prompt: Prompt, own: str, theirs: str,
                 variables: Mapping[str, object]) -> str | None:
    """The prompt to talk that comes with two revealed answers (Markdown): the gentler
    one when two ratings are far apart, where the program has it."""
    far = prompt.kind == "scale" and own.isdigit() and theirs.isdigit() \
        and abs(int(own) - int(theirs)) >= FAR_APART
    return (snippet(program, REVEAL_FAR_APART, variables) if far else None) \
        or snippet(program, REVEAL, variables)
