"""The editors' preview: each stage rendered exactly as a partner gets it, for sample
partners and sample answers to the previous stage's questions, with no live links.

The email comes from the real renderer, with the variables and footer a delivery gets
(:mod:`reconnect.sending.compose`); only the links differ: answer buttons lead
wherever the caller says (the gallery), and the partner's own pages and the app's
public ones (privacy) become ``#``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import product

from reconnect.mail.render import RenderedEmail, prompt_views, render_stage_email
from reconnect.program.audience import AUDIENCES, Audience
from reconnect.program.model import Program, Prompt, Stage
from reconnect.program.reader import previous_stage
from reconnect.sending.compose import footer_with_links, stage_variables
from reconnect.settings import Settings

HARMLESS_LINK = "#"
# (prompt key, answer value) -> where that answer button leads in the preview.
AnswerLink = Callable[[str, str], str]


@dataclass(frozen=True)
class Sample:
    key: str
    label: str
    first_name: str
    partner_name: str
    audience: Audience


_ROLE_WORDS = {"inviter": "who invited their partner", "invitee": "who was invited",
               "solo": "who started alone"}
_PARTNER_WORDS = {"joined": "Alex has joined", "invited": "Alex is invited, not joined yet",
                  "left": "Alex has left the program", "none": "no partner in the program"}

# One sample reader per audience: each role and partner state the texts can speak to.
SAMPLES = tuple(
    Sample(f"{a.role}-{a.partner}", f"Sam, {_ROLE_WORDS[a.role]}; {_PARTNER_WORDS[a.partner]}",
           "Sam", "Alex" if a.has_partner_name else "", a)
    for a in AUDIENCES)


# The names of the two samples before roles, kept so saved preview links still work.
_OLD_KEYS = {"joined": "inviter-joined", "not-joined": "solo-none"}


def sample(key: str | None) -> Sample:
    """The sample partner named ``key``; the first one for anything else."""
    key = _OLD_KEYS.get(key or "", key)
    return next((s for s in SAMPLES if s.key == key), SAMPLES[0])


@dataclass(frozen=True)
class View:
    """One rendering of a stage: for whom, after which answers, and the email itself."""

    id: str
    title: str
    sample: Sample
    previous: Mapping[str, str]
    email: RenderedEmail


def previous_prompts(program: Program, stage: Stage) -> tuple[Prompt, ...]:
    """The questions whose answers a stage's text can read as ``previous.<key>``."""
    before = previous_stage(program, stage)
    return before.prompts if before else ()


def answers(program: Program, stage: Stage, chosen: Mapping[str, str]) -> dict[str, str]:
    """Every previous question's answer: the chosen one if it is a real answer, else ""."""
    return {p.key: chosen.get(p.key, "") if p.label_for(chosen.get(p.key, "")) else ""
            for p in previous_prompts(program, stage)}


def describe_answer(prompt: Prompt, value: str) -> str:
    if not value:
        return "no answer"
    label = prompt.label_for(value) or value
    if prompt.kind == "scale" and value in ("1", "5"):
        label = f"{value} ({prompt.low_label if value == '1' else prompt.high_label})"
    return label


def describe_answers(program: Program, stage: Stage, previous: Mapping[str, str],
                     also: tuple[str, ...] = ()) -> str:
    """Says which previous answers were given; ``also`` are other answers to the one
    question answered that give the same email."""
    given = [f"“{p.question}” {describe_answer(p, previous[p.key])}"
             for p in previous_prompts(program, stage) if previous.get(p.key)]
    if len(given) == 1 and also:
        prompt = next(p for p in previous_prompts(program, stage) if previous.get(p.key))
        given[0] += "".join(f" or {describe_answer(prompt, value)}" for value in also)
    return "After answering " + "; ".join(given) if given else "Previous questions unanswered"


def harmless(_page: str) -> str:
    return HARMLESS_LINK


def render_preview(program: Program, stage: Stage, settings: Settings, who: Sample,
                   previous: Mapping[str, str], answer_link: AnswerLink) -> RenderedEmail:
    footer = footer_with_links(settings, program, HARMLESS_LINK, harmless, harmless)
    variables = stage_variables(program, stage, who.first_name, who.partner_name,
                                who.audience, answers(program, stage, previous))
    return render_stage_email(program, stage, variables,
                              prompt_views(stage.prompts, answer_link), footer)


def stage_views(program: Program, stage: Stage, settings: Settings,
                answer_link: AnswerLink) -> list[View]:
    """The first sample with no previous answers, then every other sample and every
    combination of previous answers that changes the email, each shown once: under the
    fewest answers that produce it (and, for one question, its other such answers)."""
    views: dict[str, View] = {}  # by the email's HTML
    also: dict[str, list[str]] = {}

    def render(who: Sample, previous: Mapping[str, str]) -> RenderedEmail:
        return render_preview(program, stage, settings, who, previous, answer_link)

    unanswered = answers(program, stage, {})
    readers: dict[str, list[str]] = {}  # the other readers who get the same email
    for who in SAMPLES:
        email = render(who, unanswered)
        views.setdefault(email.html, View(who.key, who.label, who, unanswered, email))
        if views[email.html].sample != who:
            readers.setdefault(email.html, []).append(who.key)
    for previous in _combinations(previous_prompts(program, stage)):
        email = render(SAMPLES[0], previous)
        shown = views.get(email.html)
        if shown is None:
            views[email.html] = View(f"answers-{len(also) + 1}", "", SAMPLES[0], previous,
                                     email)
            also[email.html] = []
        elif email.html in also and _one_answer(shown.previous) == _one_answer(previous) \
                and _one_answer(previous) is not None:
            also[email.html].append(next(value for value in previous.values() if value))
    return [replace(view, title=describe_answers(program, stage, view.previous,
                                                 tuple(also[html])))
            if html in also else
            replace(view, title=f"{view.title} (the same for {', '.join(readers[html])})")
            if html in readers else view for html, view in views.items()]


def _one_answer(previous: Mapping[str, str]) -> str | None:
    """The key of the one question answered, if exactly one was."""
    answered = [key for key, value in previous.items() if value]
    return answered[0] if len(answered) == 1 else None


def tried_answers(prompt: Prompt) -> tuple[str, ...]:
    """Unanswered and every answer: a condition may pick out any one of them."""
    return ("", *(value for value, _ in prompt.answers))


def _combinations(prompts: tuple[Prompt, ...]) -> Iterator[dict[str, str]]:
    # At most 3 questions of at most 5 answers: 6 ** 3 = 216 renders of about 1 ms.
    combos = product(*(tried_answers(p) for p in prompts))
    for combo in sorted(combos, key=lambda c: sum(1 for value in c if value)):
        if any(combo):
            yield dict(zip((p.key for p in prompts), combo, strict=True))
