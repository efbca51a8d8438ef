"""Turns a delivery row into the email it stands for."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from reconnect.deliveries import resends
from reconnect.mail.message import OutgoingEmail
from reconnect.mail.render import (
    prompt_views,
    reflect_url,
    render_confirmation_email,
    render_nudge_email,
    render_stage_email,
)
from reconnect.models import Delivery, DeliveryKind, Partner
from reconnect.partners.audience import audience_of
from reconnect.partners.links import link_token
from reconnect.partners.preference_links import preferences_token
from reconnect.partners.service import confirmation_token, unsubscribe_token
from reconnect.program.audience import Audience
from reconnect.program.model import Program, Stage
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
            other: Partner | None) -> OutgoingEmail:
    """``other`` is the partner's partner, if any (loaded by the caller with its batch).
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
    reflect_token = link_token(rt, partner, Purpose.REFLECT, s=stage.key)
    unsubscribe_url = f"{base}/unsubscribe/{unsubscribe_token(rt, partner)}"
    email_footer = footer(rt, program, unsubscribe_url, preferences_token(rt, partner))
    prompts = [p for p in stage.prompts if p.shared] if nudge else list(stage.prompts)
    views = prompt_views(tuple(prompts), lambda key, value: reflect_url(
        base, reflect_token, key, value))
    if nudge:
        rendered = render_nudge_email(program, stage, partner.first_name, views,
                                      email_footer, discreet=discreet)
    else:
        rendered = render_stage_email(
            program, stage,
            stage_variables(program, stage, partner.first_name,
                            other.first_name if other else "",
                            reader_audience(rt, partner, other),
                            previous_answers(session, program, stage, partner)),
            views, email_footer, discreet=discreet)
    return outgoing(rt, delivery, partner, program, rendered, unsubscribe_url)


def stage_key_of(delivery: Delivery) -> str:
    """The stage a stage email, nudge or resend is about (a resend is rendered exactly
    as the stage it copies)."""
    if delivery.kind is DeliveryKind.NUDGE:
        return stage_of(delivery)
    if delivery.kind is DeliveryKind.RESEND:
        return resends.stage_of(delivery)
    return delivery.key


def previous_answers(session: Session, program: Program, stage: Stage,
                     partner: Partner) -> dict[str, str]:
    """The partner's answers to the previous stage's questions ("" where unanswered), for
    content blocks that editors show only after certain answers."""
    before = previous_stage(program, stage)
    if before is None:
        return {}
    answers = dict.fromkeys((p.key for p in before.prompts), "")
    for reflection in ReflectionRepository(session).for_stage(partner.id, before.key):
        answers[reflection.prompt_key] = reflection.answer
    return answers
