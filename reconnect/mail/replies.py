"""What a relay's refusal means: its reply kept as text an operator can read (bounded,
with addresses taken out), and whose problem it is, by the enhanced status code (RFC 3463,
``class.subject.detail``) when the reply has one.

- **recipient**: the address or mailbox (``x.1.*``, ``x.2.*``). A permanent refusal counts
  toward suppressing the address.
- **message**: this email itself (``x.6.*`` content, ``x.3.4`` and ``x.2.3`` too big). A
  permanent refusal fails this email only; the address keeps getting mail.
- **relay**: the relay, our account or our sending setup (``x.3.*``, ``x.4.*`` routing,
  ``x.5.*`` protocol, ``x.7.*`` security and policy, ``x.1.7``/``x.1.8`` our sender
  address). Always temporary, whatever the basic code says: an account suspended for an
  hour or a misconfigured DKIM key must not lose anyone for good. It is retried with
  backoff, and what still fails can be sent again with ``reconnect admin retry-failed``.
"""

from __future__ import annotations

import re
from enum import StrEnum

# Room for the code, the enhanced code and the gist of the text.
MAX_REPLY_CHARS = 300
_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_ADDRESS = re.compile(r"<?[^\s<>@\"']+@[^\s<>\"',;]+>?")


class Blame(StrEnum):
    RECIPIENT = "recipient"
    MESSAGE = "message"
    RELAY = "relay"


def enhanced_code(text: str) -> str | None:
    match = _ENHANCED.search(text)
    return ".".join(match.groups()) if match else None


def blame_of(text: str, default: Blame) -> Blame:
    """Whose problem the reply describes; ``default`` when it carries no enhanced code
    (where in the conversation the refusal came decides then)."""
    code = enhanced_code(text)
    if code is None:
        return default
    _, subject, detail = (int(part) for part in code.split("."))
    if subject == 1:
        return Blame.RELAY if detail in (7, 8) else Blame.RECIPIENT  # 7, 8: our sender
    if subject == 2:
        return Blame.MESSAGE if detail == 3 else Blame.RECIPIENT
    if subject == 6 or (subject == 3 and detail == 4):
        return Blame.MESSAGE
    return Blame.RELAY


def readable(code: int | None, text: bytes | str, recipient: str | None = None) -> str:
    """``SMTP 550 5.1.1 …`` on one line, at most MAX_REPLY_CHARS, with no address (nor
    the recipient's name before the @) left in it."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    if recipient:
        words = words.replace(recipient, "address")
        local = recipient.partition("@")[0]
        if len(local) >= 3:
            words = re.sub(re.escape(local), "…", words, flags=re.IGNORECASE)
    words = _ADDRESS.sub("<address>", words)
    words = " ".join(words.split())
    line = f"SMTP {code} {words}".strip() if code else words
    return line if len(line) <= MAX_REPLY_CHARS else line[:MAX_REPLY_CHARS - 1] + "…"
