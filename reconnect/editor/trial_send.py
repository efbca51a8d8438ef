"""Sends one stage to an editor's own address, marked as a test, through the configured
SMTP relay: the email as a sample partner gets it, with answer buttons that open the
admin preview of the next stage instead of recording anything."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from reconnect.editor.preview import Sample, render_preview
from reconnect.editor.preview_web import WebLinks
from reconnect.mail.message import OutgoingEmail, build_message
from reconnect.mail.smtp import SmtpMailer
from reconnect.program.model import Program
from reconnect.settings import Settings

SUBJECT_MARK = "[Test] "


class TrialError(ValueError):
    pass


def send_trial(settings: Settings, program: Program, stage_key: str, to_address: str,
               who: Sample, previous: Mapping[str, str], now: datetime) -> str:
    """Sends it and returns its Message-ID; raises TrialError or MailError."""
    stage = program.stage(stage_key)
    if stage is None:
        raise TrialError(f"'{program.slug}' has no stage '{stage_key}'; its stages are: "
                         f"{', '.join(s.key for s in program.stages)}")
    try:
        address = validate_email(to_address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise TrialError(f"'{to_address}' is not an email address: {exc}") from exc
    links = WebLinks(program.slug, program, who)
    after = links.answer_link(stage)
    email = render_preview(program, stage, settings, who, previous,
                           lambda key, value: _absolute(settings, after(key, value)))
    message_id = f"<reconnect.test.{secrets.token_hex(8)}@{settings.mail_domain}>"
    mailer = SmtpMailer(settings)
    try:
        mailer.send(build_message(OutgoingEmail(
            to_name="", to_address=address, subject=SUBJECT_MARK + email.subject,
            html=email.html, text=email.text, message_id=message_id,
            sender_name=program.sender_name, is_test=True), settings.mail_from, now))
    finally:
        mailer.close()
    return message_id


def _absolute(settings: Settings, link: str) -> str:
    return f"{settings.base_url}{link}" if link.startswith("/") else link
