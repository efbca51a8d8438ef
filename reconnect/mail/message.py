"""Builds email messages from structured parts, never by formatting header strings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime


@dataclass(frozen=True)
class OutgoingEmail:
    to_name: str
    to_address: str
    subject: str
    html: str
    text: str
    message_id: str
    sender_name: str
    unsubscribe_url: str | None = None


def build_message(mail: OutgoingEmail, sender_address: str, sent_at: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = Address(display_name=mail.sender_name, addr_spec=sender_address)
    msg["To"] = Address(display_name=mail.to_name, addr_spec=mail.to_address)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe_url:
        # RFC 8058 one-click: the POST to this URI unsubscribes with no further step.
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.text, subtype="plain", cte="quoted-printable")
    msg.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    return msg
