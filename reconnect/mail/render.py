"""Renders stage, nudge and confirmation emails: HTML and a plain-text part from one
context. Rendering is deterministic: the same context gives the same bytes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from reconnect.mail.envelope import Envelope, envelope
from reconnect.mail.inline import inline_css
from reconnect.mail.plain_text import wrap_plain
from reconnect.mail.stage_parts import stage_parts
from reconnect.program.model import Program, Prompt, Stage
from reconnect.templating import render

__all__ = ["AnswerLink", "Envelope", "Footer", "PromptView", "RenderedEmail", "envelope",
           "prompt_views", "reflect_url", "render_confirmation_email", "render_email",
           "render_nudge_email", "render_stage_email"]


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    preheader: str
    html: str
    text: str
    # The From name the email goes out under: the program's, or the discreet one.
    sender_name: str = ""


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
    # Asked under "A look back", about the previous week's exercise.
    looks_back: bool = False
    # Several answers may apply: each opens the page with that one ticked, to add more.
    multi: bool = False

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
    # Whether the operator reads replies (RECONNECT_REPLY_TO is set); the footer says so
    # either way, since people in this program will reply, some to ask for help.
    replies_read: bool = False


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
                   url=link(p.key, ""), looks_back=p.looks_back, multi=p.kind == "multi")
        for p in prompts
    )


def render_stage_email(program: Program, stage: Stage, variables: Mapping[str, object],
                       prompts: tuple[PromptView, ...], footer: Footer, *,
                       discreet: bool = False, wrap: bool = True) -> RenderedEmail:
    """In order: the low-rating block (when a rating last week was 1 or 2), "A look back"
    with the questions about last week's exercise, the body, the exercise (for this
    reader), this week's questions, the sign-off."""
    parts = stage_parts(program, stage, variables)
    return render_email(
        "stage", envelope(program, stage.subject, stage.preheader, discreet=discreet),
        program=program, stage=stage, week=stage.week if stage.position else None,
        parts=parts, look_back=[p for p in prompts if p.looks_back],
        prompts=[p for p in prompts if not p.looks_back], footer=footer,
        sign_off=stage.sign_off.split("\n") if stage.sign_off else [], wrap_text=wrap)


def render_confirmation_email(program: Program, first_name: str, inviter_name: str | None,
                              confirm_url: str, footer: Footer,
                              no_invites_url: str | None = None, *,
                              discreet: bool = False) -> RenderedEmail:
    if inviter_name:
        # Nothing anyone typed goes into an invitation's subject: it is what a stranger
        # would use to put their own sentence in front of someone.
        subject = "An invitation to Reconnect"
        preheader = "A gentle weekly program for the two of you, if you would like it."
    else:
        subject = "Please confirm your email for Reconnect"
        preheader = "One click and your first weekly note is on its way."
    return render_email("confirm", envelope(program, subject, preheader, discreet=discreet),
                        program=program, first_name=first_name, inviter_name=inviter_name,
                        confirm_url=confirm_url, no_invites_url=no_invites_url,
                        footer=footer)


def render_nudge_email(program: Program, stage: Stage, first_name: str,
                       prompts: tuple[PromptView, ...], footer: Footer, *,
                       discreet: bool = False) -> RenderedEmail:
    # Kind and discreet: nothing in the subject about the couple, nothing about what the
    # partner answered.
    subject = "A small note from Reconnect"
    preheader = "No hurry: this week's question is still open whenever you are ready."
    return render_email("nudge", envelope(program, subject, preheader, discreet=discreet),
                        program=program, stage=stage, first_name=first_name,
                        prompts=prompts, footer=footer)


def render_email(template: str, env: Envelope, *, wrap_text: bool = True,
                 **context: object) -> RenderedEmail:
    """The HTML part (styles inlined) and the text part (wrapped) of
    ``email/<template>``, under ``env``'s sender, subject and preheader. Every email kind
    goes through here, so discreet mode reaches all of them; templates see ``discreet``
    and leave the program's name out of the header area when it is set.
    ``wrap_text=False`` leaves the text part unwrapped, for the stage cache
    (reconnect/sending/stage_cache.py), which wraps once the names are in."""
    context.update(subject=env.subject, preheader=env.preheader, discreet=env.discreet)
    text = render(f"email/{template}.txt", **context)
    return RenderedEmail(subject=env.subject, preheader=env.preheader,
                         html=inline_css(render(f"email/{template}.html", **context)),
                         text=wrap_plain(text) if wrap_text else text,
                         sender_name=env.sender_name)
