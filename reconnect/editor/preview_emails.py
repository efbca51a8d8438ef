"""The emails a program sends besides its stages, as a sample reader gets them: the
confirmation of someone who signs up, the invitation their partner gets, and the one
reminder for each stage with a shared question. Rendered by the real renderer with the
footer a delivery gets; links lead nowhere. The preview gallery shows them and the
email checks run over them with the stages."""

from __future__ import annotations

from dataclasses import dataclass

from reconnect.editor.preview import HARMLESS_LINK, SAMPLES, harmless
from reconnect.mail.render import (
    RenderedEmail,
    prompt_views,
    render_confirmation_email,
    render_nudge_email,
)
from reconnect.program.model import Program
from reconnect.sending.compose import footer_with_links
from reconnect.sending.notice_compose import render_invitation_notice
from reconnect.settings import Settings

# The page these emails are on, in the gallery; stage keys cannot take this name.
PAGE_KEY = "other-emails"


@dataclass(frozen=True)
class OtherEmail:
    id: str
    title: str
    email: RenderedEmail


def other_emails(program: Program, settings: Settings) -> list[OtherEmail]:
    reader = SAMPLES[0]
    without_pages = footer_with_links(settings, program, None, None, harmless)
    with_pages = footer_with_links(settings, program, HARMLESS_LINK, harmless, harmless)
    emails = [
        OtherEmail("confirmation", f"Confirmation: {reader.first_name} signed up",
                   render_confirmation_email(program, reader.first_name, None,
                                             HARMLESS_LINK, without_pages)),
        OtherEmail("invitation", f"Invitation: {reader.partner_name} invited by "
                                 f"{reader.first_name}",
                   render_confirmation_email(program, reader.partner_name, reader.first_name,
                                             HARMLESS_LINK, without_pages)),
        # Every kind looks like this from outside for a reader in discreet mode.
        OtherEmail("discreet-confirmation", "Discreet mode: the confirmation, with the "
                                            "sender, subject and preheader every email "
                                            "then has",
                   render_confirmation_email(program, reader.first_name, None,
                                             HARMLESS_LINK, without_pages, discreet=True)),
    ]
    for stage in program.stages:
        shared = tuple(p for p in stage.prompts if p.shared)
        if shared:
            views = prompt_views(shared, lambda _key, _value: HARMLESS_LINK)
            emails.append(OtherEmail(
                f"reminder-{stage.key}", f"Reminder for “{stage.title}”",
                render_nudge_email(program, stage, reader.first_name, views, with_pages)))
    emails.append(OtherEmail(
        "invitation-expired", f"Notice: {reader.first_name}'s invitation expired",
        render_invitation_notice(program, reader.first_name, 2, HARMLESS_LINK, with_pages)))
    return emails
