"""Turns a delivery row into the email it stands for."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from reconnect.deliveries import resends
from reconnect.mail.message import OutgoingEmail
from reconnect.mail.render import (
    Footer,
    PromptView,
    RenderedEmail,
    prompt_views,
    reflect_url,
    render_confirmation_email,
    render_nudge_email,
    render_stage_email,
)
from reconnect.models import Delivery, DeliveryKind, Partner, Reflection
from reconnect.partners.audience import audience_of
from reconnect.partners.links import link_token
from reconnect.partners.preference_links import preferences_token
from reconnect.partners.service import confirmation_token, unsubscribe_token
from reconnect.program.audience import Audience
from reconnect.program.model import Program, Prompt, Stage
from reconnect.program.reader import previous_stage
from reconnect.program.reader import stage_variables as reader_variables
from reconnect.reflections.nudges import stage_of
from reconnect.reflections.repository import ReflectionRepository
from reconnect.sending.email_parts import (
    NothingToSend,
    footer,
    footer_with_links,
    message_id,
    outgoing,
    program_list_id,
)
from reconnect.sending.needs import Needs
from reconnect.sending.notice_compose import compose_notice
from reconnect.sending.stage_cache import Draw, StageCache
from reconnect.settings import Settings
from reconnect.signups.invitations import no_invites_token
from reconnect.tokens import Purpose

# The parts every email shares live in email_parts.py; named here too, where callers of
# the composition have always found them.
__all__ = ["NothingToSend", "compose", "footer", "footer_with_links", "message_id",
           "outgoing", "previous_answers", "program_list_id", "reader_audience",
           "stage_key_of", "stage_variables"]


def reader_audience(rt: Needs, partner: Partner, other: Partner | None) -> Audience:
    """Who is reading: the partner's role and where the other partner stands now."""
    return audience_of(partner, other, rt.clock.now(),
                       timedelta(days=rt.settings.confirm_token_days))


def stage_variables(program: Program, stage: Stage, first_name: str, partner_name: str,
                    audience: Audience, previous: dict[str, str]) -> dict[str, object]:
    """What a stage's text may use (the preview renders with the same names);
    ``previous`` holds the stored answers to the previous stage's questions."""
    return reader_variables(program, stage, first_name, partner_name, audience, previous)


def compose(session: Session, rt: Needs, delivery: Delivery, partner: Partner,
            other: Partner | None, known: KnownAnswers | None = None) -> OutgoingEmail:
    """``other`` is the partner's partner, if any (loaded by the caller with its batch);
    ``known``, the answers of the batch's partners, loaded with it (else looked up).
    Every kind goes out under the discreet envelope when the partner chose it."""
    base = rt.settings.base_url
    if delivery.kind is DeliveryKind.NOTICE:
        # One branch for every notice; notice_compose picks its email by the notice kind.
        return compose_notice(session, rt, delivery, partner)
    discreet = partner.discreet
    if delivery.kind is DeliveryKind.CONFIRMATION:
        _, program = rt.programs.current(partner.program_slug)
        # The one who invited a partner is always the other half of their couple.
        inviter = other if other is not None and partner.invited_by_id == other.id else None
        confirm_url = f"{base}/confirm/{confirmation_token(rt, partner)}"
        # An invitation's one-click unsubscribe is "never invite me again".
        no_invites_url = f"{base}/no-invitations/{no_invites_token(rt, partner)}" \
            if inviter else None
        rendered = render_confirmation_email(program, partner.first_name,
                                             inviter.first_name if inviter else None,
                                             confirm_url, footer(rt, program, None),
                                             no_invites_url, discreet=discreet)
        return outgoing(rt, delivery, partner, program, rendered, no_invites_url)

    if partner.program_version_id is None:
        raise NothingToSend("partner has no program version")
    program = rt.programs.version(session, partner.program_version_id)
    nudge = delivery.kind is DeliveryKind.NUDGE
    stage_key = stage_key_of(delivery)
    stage = program.stage(stage_key)
    if stage is None:
        raise NothingToSend(f"stage {stage_key} is not in the partner's program version")
    tokens = {"reflect": link_token(rt, partner, Purpose.REFLECT, s=stage.key),
              "unsubscribe": unsubscribe_token(rt, partner),
              "preferences": preferences_token(rt, partner)}
    unsubscribe_url = f"{base}/unsubscribe/{tokens['unsubscribe']}"
    if nudge:
        rendered = render_nudge_email(
            program, stage, partner.first_name,
            _views(base, [p for p in stage.prompts if p.shared], tokens["reflect"]),
            _footer(rt, program, tokens), discreet=discreet)
        return outgoing(rt, delivery, partner, program, rendered, unsubscribe_url)
    audience = reader_audience(rt, partner, other)
    previous = previous_answers(session, program, stage, partner, known)
    rendered = STAGE_CACHE.render(
        stage_cache_key(rt.settings, program, stage, audience, previous, discreet), program,
        stage,
        {"first_name": partner.first_name, "partner_name": other.first_name if other else ""},
        tokens, stage_drawing(rt.settings, program, stage, audience, previous, discreet))
    return outgoing(rt, delivery, partner, program, rendered, unsubscribe_url)


# One per process: a worker renders each stage once per kind of reader.
STAGE_CACHE = StageCache()


def stage_cache_key(settings: Settings, program: Program, stage: Stage, audience: Audience,
              previous: Mapping[str, str], discreet: bool) -> Hashable:
    """Everything but names and tokens that a stage email depends on."""
    return (program.content_hash, stage.key, audience, tuple(sorted(previous.items())),
            discreet, settings.base_url, settings.safety_url, settings.postal_address,
            settings.reply_to is not None)


def stage_drawing(settings: Settings, program: Program, stage: Stage, audience: Audience,
                  previous: Mapping[str, str], discreet: bool) -> Draw:
    """How to render the stage email for this reader with given names and tokens
    ("first_name", "partner_name"; "reflect", "unsubscribe", "preferences")."""
    base = settings.base_url

    def draw(values: Mapping[str, str], wrap: bool) -> RenderedEmail:
        views = prompt_views(stage.prompts, lambda key, value: reflect_url(
            base, values["reflect"], key, value))
        email_footer = footer_with_links(
            settings, program, f"{base}/unsubscribe/{values['unsubscribe']}",
            lambda page: f"{base}/{page}/{values['preferences']}")
        return render_stage_email(
            program, stage,
            stage_variables(program, stage, values["first_name"], values["partner_name"],
                            audience, dict(previous)),
            views, email_footer, discreet=discreet, wrap=wrap)

    return draw


def _views(base: str, prompts: list[Prompt], reflect_token: str) -> tuple[PromptView, ...]:
    return prompt_views(tuple(prompts), lambda key, value: reflect_url(
        base, reflect_token, key, value))


def _footer(rt: Needs, program: Program, tokens: Mapping[str, str]) -> Footer:
    return footer(rt, program, f"{rt.settings.base_url}/unsubscribe/{tokens['unsubscribe']}",
                  tokens["preferences"])


def stage_key_of(delivery: Delivery) -> str:
    """The stage a stage email, nudge or resend is about (a resend is rendered exactly
    as the stage it copies)."""
    if delivery.kind is DeliveryKind.NUDGE:
        return stage_of(delivery)
    if delivery.kind is DeliveryKind.RESEND:
        return resends.stage_of(delivery)
    return delivery.key


# Every answer of each partner in a batch, oldest first: one query for the batch instead of
# one per email.
KnownAnswers = Mapping[int, Sequence[Reflection]]


def known_answers(session: Session, partner_ids: Collection[int]) -> KnownAnswers:
    known: dict[int, list[Reflection]] = {partner_id: [] for partner_id in partner_ids}
    if partner_ids:
        for reflection in ReflectionRepository(session).for_partners(sorted(partner_ids)):
            known[reflection.partner_id].append(reflection)
    return known


def previous_answers(session: Session, program: Program, stage: Stage,
                     partner: Partner, known: KnownAnswers | None = None) -> dict[str, str]:
    """The partner's answers to the previous stage's questions ("" where unanswered), for
    content blocks that editors show only after certain answers."""
    before = previous_stage(program, stage)
    if before is None:
        return {}
    answers = dict.fromkeys((p.key for p in before.prompts), "")
    reflections = ReflectionRepository(session).for_stage(partner.id, before.key) \
        if known is None or partner.id not in known \
        else [r for r in known[partner.id] if r.stage_key == before.key]
    for reflection in reflections:
        answers[reflection.prompt_key] = reflection.answer
    return answers
