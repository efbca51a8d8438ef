"""Builds the bytes of an email from structured parts, never by formatting header strings.

Headers that carry anything a person typed (names, subject) go through the standard
library's structured header classes, which quote and encode them (RFC 5322, RFC 2047).
The body is two quoted-printable parts written directly: the standard library's
general-purpose MIME builder costs more than rendering the email itself.
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.utils import format_datetime
from functools import lru_cache

from reconnect.mail.list_headers import SUPPRESSED_RESPONSES, ListId, auto_response_suppress

_POLICY = policy.SMTP  # CRLF line ends, as sent over SMTP


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
    # An editor's test send (``reconnect program send-test``), not a partner's email.
    is_test: bool = False
    # The email's opaque tag as Postmark metadata (X-PM-Metadata-*, which Postmark
    # removes before delivery and returns with bounces): Postmark replaces Message-IDs.
    postmark_tag: str | None = None
    # The program's weekly emails form a list inboxes can file together; confirmations
    # and test sends are one-offs, outside it.
    list_id: ListId | None = None
    # The operator's monitored mailbox (RECONNECT_REPLY_TO), when there is one.
    reply_to: str | None = None


@dataclass(frozen=True)
class WireMessage:
    """What goes over SMTP: the envelope and the message bytes."""

    sender: str
    recipient: str
    data: bytes


def build_message(mail: OutgoingEmail, sender_address: str, sent_at: datetime,
                  envelope_sender: str | None = None) -> WireMessage:
    """``envelope_sender``: where bounces go (MAIL FROM), when not the From address."""
    boundary = f"=_reconnect_{secrets.token_hex(12)}"
    headers = [
        _address_header("From", mail.sender_name, sender_address),
        _address_header("To", mail.to_name, mail.to_address),
        _header("Subject", mail.subject),
        *([_address_header("Reply-To", "", mail.reply_to)] if mail.reply_to else []),
        _plain("Date", format_datetime(sent_at)),
        _plain("Message-ID", mail.message_id),
        _plain("Auto-Submitted", "auto-generated"),
        _plain("X-Auto-Response-Suppress", auto_response_suppress(SUPPRESSED_RESPONSES)),
    ]
    if mail.list_id is not None:
        headers.append(_header("List-Id", mail.list_id.header_value()))
    if mail.is_test:
        headers.append(_plain("X-Reconnect-Test", "yes"))
    if mail.postmark_tag:
        headers.append(_plain("X-PM-Metadata-reconnect-tag", mail.postmark_tag))
    if mail.unsubscribe_url:
        # RFC 8058 one-click: the POST to this URI unsubscribes with no further step.
        headers += [_plain("List-Unsubscribe", f"<{mail.unsubscribe_url}>"),
                    _plain("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    headers += [b"MIME-Version: 1.0\r\n",
                f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode()]
    parts = [_text_part("plain", mail.text), _text_part("html", mail.html)]
    marker = f"--{boundary}\r\n".encode()
    # The line break before each boundary belongs to the boundary (RFC 2046), so each part
    # gets one more to keep its own last line break.
    body = b"\r\n" + b"".join(marker + part + b"\r\n" for part in parts) \
        + f"--{boundary}--\r\n".encode()
    return WireMessage(envelope_sender or sender_address, mail.to_address,
                       b"".join(headers) + body)


# The standard library's header classes are the slowest step of building an email, and
# most headers repeat from email to email (the sender, a stage's subject, the list): each
# distinct one is folded once. Only what goes in is cached, never a refusal.
_FOLDED_HEADERS = 4096


# A name of plain words and an address of plain characters come out of the standard
# library exactly as written ("To: Sam <sam@example.org>"): the recipient changes with
# every email, so that common case skips the parser. tests/test_message_format.py checks
# the shortcut against the library over names and addresses of every kind.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
                            r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_UNFOLDED = 78


def _address_header(name: str, display_name: str, addr_spec: str) -> bytes:
    if _PLAIN_ADDRESS.fullmatch(addr_spec) and (
            not display_name or _PLAIN_NAME.fullmatch(display_name)):
        line = f"{name}: {display_name} <{addr_spec}>" if display_name \
            else f"{name}: {addr_spec}"
        if len(line) <= _UNFOLDED:
            return f"{line}\r\n".encode("ascii")
    return _folded_address(name, display_name, addr_spec)


@lru_cache(maxsize=_FOLDED_HEADERS)
def _folded_address(name: str, display_name: str, addr_spec: str) -> bytes:
    return _fold(name, Address(display_name=display_name, addr_spec=addr_spec))


@lru_cache(maxsize=_FOLDED_HEADERS)
def _header(name: str, value: str) -> bytes:
    return _fold(name, value)


def _fold(name: str, value: str | Address) -> bytes:
    """A header carrying words people wrote (names, subjects): quoted and encoded by the
    standard library's structured headers."""
    if isinstance(value, str) and "=?" in value:
        # An encoded word in the input could decode to a line break in some readers,
        # and this Python's folding can emit it raw (CVE-2024-6923).
        raise ValueError(f"{name} must not contain an encoded word ('=?')")
    _, header = _POLICY.header_store_parse(name, value)  # refuses CR and LF
    folded = str(header.fold(policy=_POLICY))
    # Every line after the first must be a continuation: anything else is a new header.
    if any(line[:1] not in (" ", "\t") for line in folded.split("\r\n")[1:-1]):
        raise ValueError(f"{name} would fold into more than one header")
    return folded.encode("ascii")


def _plain(name: str, value: str) -> bytes:
    """A header of our own making (dates, ids, URLs): written as is, never encoded, as
    readers of List-Unsubscribe and Message-ID expect; 998 octets is the hard limit."""
    if not value.isascii() or any(c in value for c in "\r\n\0") or len(value) > 900:
        raise ValueError(f"{name} must be one line of plain ASCII")
    return f"{name}: {value}\r\n".encode("ascii")


def _text_part(subtype: str, content: str) -> bytes:
    # Line ends are normalised before encoding so the soft breaks and the hard ones agree.
    normalised = content.replace("\r\n", "\n").replace("\r", "\n")
    if not normalised.endswith("\n"):
        normalised += "\n"
    encoded = binascii.b2a_qp(normalised.encode("utf-8"), istext=True)
    head = (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode()
    return head + encoded.replace(b"\n", b"\r\n")
