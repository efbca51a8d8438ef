"""Reading one message from the bounce mailbox: a delivery status notification (RFC 3464,
or one of the many non-standard forms flufl.bounce recognises) or a complaint in the
Abuse Reporting Format (RFC 5965). Anything else (an auto-reply, a person's answer) is
not a report."""

from __future__ import annotations

import email
import hashlib
from email.message import Message

from flufl.bounce import all_failures

from reconnect.bounces import tags
from reconnect.bounces.report import Report, make_report
from reconnect.models import BounceKind

# Where a bounce mailed back to a VERP address shows that address.
_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
_ORIGINAL_PARTS = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")


def read_report(raw: bytes, bounce_address: str | None) -> Report | None:
    message = email.message_from_bytes(raw)
    key = hashlib.sha256(str(message.get("Message-ID") or raw).encode()).hexdigest()
    tag = _tag(message, bounce_address) if bounce_address else None
    original = _original_message_id(message)
    if _is_complaint(message):
        feedback = _fields(message, "message/feedback-report").get("feedback-type", "abuse")
        if feedback == "not-spam":
            return None
        return make_report("imap", BounceKind.COMPLAINT, key, message_id=original, tag=tag,
                           detail=f"feedback report: {feedback}")
    temporary, permanent = all_failures(message)
    if not temporary and not permanent:
        return None
    status = _fields(message, "message/delivery-status")
    recipient = next(iter(permanent or temporary)).decode("utf-8", "replace")
    return make_report("imap", BounceKind.HARD if permanent else BounceKind.SOFT, key,
                       message_id=original, tag=tag, status=status.get("status"),
                       detail=status.get("diagnostic-code"), recipient=recipient)


def _is_complaint(message: Message) -> bool:
    return message.get_content_type() == "multipart/report" and \
        message.get_param("report-type") == "feedback-report"


def _tag(message: Message, bounce_address: str) -> str | None:
    for name in _RECIPIENT_HEADERS:
        for value in message.get_all(name) or []:
            found = tags.tag_in(str(value), bounce_address)
            if found:
                return found
    return None


def _original_message_id(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_type() not in _ORIGINAL_PARTS:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            found = payload[0].get("Message-ID")  # message/rfc822: a parsed message
        else:
            found = email.message_from_string(str(part.get_payload(decode=False))).get(
                "Message-ID")
        if found:
            return str(found)
    return None


def _fields(message: Message, content_type: str) -> dict[str, str]:
    """The first per-recipient fields of a report part, names lower-cased; the value of
    ``Status: 5.1.1`` or ``Diagnostic-Code: smtp; 550 …`` without its type prefix."""
    found: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_type() != content_type:
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else [email.message_from_string(
            str(payload))]
        for block in blocks:
            if not isinstance(block, Message):
                continue
            for name, value in block.items():
                found.setdefault(name.lower(), str(value).partition(";")[2].strip()
                                 if name.lower() == "diagnostic-code" and ";" in str(value)
                                 else " ".join(str(value).split()))
    return found
