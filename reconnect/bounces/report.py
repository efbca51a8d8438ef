"""One late report about one sent email, whichever way it came."""

from __future__ import annotations

from dataclasses import dataclass

from reconnect.mail.replies import enhanced_code, readable
from reconnect.models import BounceKind

MAX_DETAIL_CHARS = 300


@dataclass(frozen=True)
class Report:
    source: str  # ses, postmark, mailgun, sendgrid or imap
    kind: BounceKind
    event_key: str  # the provider's event id, or a digest of the report: seen twice, once
    message_id: str | None = None  # the Message-ID header of the email it is about
    tag: str | None = None  # the opaque tag of the email (envelope sender or metadata)
    status: str | None = None  # enhanced status code, e.g. 5.1.1
    detail: str | None = None  # the reason in the provider's words


def make_report(source: str, kind: BounceKind, event_key: str, *,
                message_id: str | None = None, tag: str | None = None,
                status: str | None = None, detail: str | None = None,
                recipient: str | None = None) -> Report:
    """A report with its text cleaned: one bounded line, addresses removed, the status
    code read from the text when the provider gives none apart."""
    clean = readable(None, detail, recipient)[:MAX_DETAIL_CHARS] if detail else None
    status = status if status and enhanced_code(status) else \
        (enhanced_code(clean) if clean else None)
    return Report(source=source, kind=kind, event_key=f"{source}:{event_key}"[:128],
                  message_id=normal_message_id(message_id), tag=tag, status=status,
                  detail=clean or None)


def normal_message_id(value: str | None) -> str | None:
    """``<id@domain>`` whatever the provider did with the brackets."""
    if not value:
        return None
    value = value.strip().strip("<>").strip()
    return f"<{value}>" if value and len(value) < 250 else None
