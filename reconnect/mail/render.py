"""Renders stage, nudge and confirmation emails: HTML and a plain-text part from one
context. Rendering is deterministic: the same context gives the same bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from reconnect.mail.inline import inline_css
from reconnect.mail.plain_text import wrap_plain
from reconnect.program.model import Program, Prompt, Stage
from reconnect.program.text import render_markdown
from reconnect.templating import render


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str


@dataclass(frozen=True)
class AnswerLink:
    label: str
    url: str


@dataclass(frozen=True)
class PromptView:
    question: str
    low_label: str | None
    high_label: str | None
    answers: tuple[AnswerLink, ...]
    # The answer page with every choice and none chosen: the plain-text part's one link
    # per question (a link per answer made text parts a wall of long addresses).
    url: str

    @property
    def scale(self) -> bool:
        return self.low_label is not None


@dataclass(frozen=True)
class Footer:
    safety_note: str
    safety_url: str
    postal_address: str
    unsubscribe_url: str | None
    preferences_url: str | None = None
    help_url: str | None = None
    journey_url: str | None = None
    privacy_url: str | None = None


def reflect_url(base: str, token: str, prompt_key: str, answer: str = "") -> str:
    """The answer page of one question; with ``answer``, that answer chosen already."""
    page = f"{base}/reflect/{quote(token)}/{quote(prompt_key)}"
    return f"{page}?answer={quote(answer)}" if answer else page


def prompt_views(prompts: tuple[Prompt, ...],
                 link: Callable[[str, str], str]) -> tuple[PromptView, ...]:
    """``link(prompt key, answer value)`` is where an answer leads; ``link(key, "")`` the
    question's page with no answer chosen."""
    return tuple(
        PromptView(question=p.question, low_label=p.low_label, high_label=p.high_label,
                   answers=tuple(AnswerLink(label, link(p.key, value))
                                 for value, label in p.answers),
                   url=link(p.key, ""))
        for p in prompts
    )


def render_stage_email(program: Program, stage: Stage, variables: Mapping[str, object],
                       prompts: tuple[PromptView, ...], footer: Footer) -> RenderedEmail:
    body = render_markdown(stage.body, variables)
    exercise = render_markdown(stage.exercise.text, variables)
    return _render_email(
        "stage", stage.subject, stage.preheader, program=program, stage=stage,
        week=stage.position,
        body_html=Markup(body.html),  # noqa: S704 - escaped by markdown-it
        body_text=body.text,
        exercise_html=Markup(exercise.html),  # noqa: S704
        exercise_text=exercise.text, prompts=prompts, footer=footer,
        sign_off=stage.sign_off.split("\n") if stage.sign_off else [])


def render_confirmation_email(program: Program, first_name: str, inviter_name: str | None,
                              confirm_url: str, footer: Footer,
                              no_invites_url: str | None = None) -> RenderedEmail:
    if inviter_name:
        # Nothing anyone typed goes into an invitation's subject: it is what a stranger
        # would use to put their own sentence in front of someone.
        subject = "An invitation to Reconnect"
        preheader = "A gentle weekly program for the two of you, if you would like it."
    else:
        subject = "Please confirm your email for Reconnect"
        preheader = "One click and your first weekly note is on its way."
    return _render_email("confirm", subject, preheader, program=program,
                         first_name=first_name, inviter_name=inviter_name,
                         confirm_url=confirm_url, no_invites_url=no_invites_url,
                         footer=footer)


def render_nudge_email(program: Program, stage: Stage, first_name: str,
                       prompts: tuple[PromptView, ...], footer: Footer) -> RenderedEmail:
    # Kind and discreet: nothing in the subject about the couple, nothing about what the
    # partner answered.
    subject = "A small note from Reconnect"
    preheader = "No hurry: this week's question is still open whenever you are ready."
    return _render_email("nudge", subject, preheader, program=program, stage=stage,
                         first_name=first_name, prompts=prompts, footer=footer)


def _render_email(template: str, subject: str, preheader: str,
                  **context: object) -> RenderedEmail:
    """The HTML part (styles inlined) and the text part (wrapped) of
    ``email/<template>``."""
    context.update(subject=subject, preheader=preheader)
    return RenderedEmail(subject=subject, preheader=preheader,
                         html=inline_css(render(f"email/{template}.html", **context)),
                         text=wrap_plain(render(f"email/{template}.txt", **context)))
