"""Structured values for the headers that tell mail software what kind of mail this is:
``List-Id`` (RFC 2919), so inboxes can file and filter a program's emails as one list,
and ``X-Auto-Response-Suppress``, so Exchange and Outlook send no out-of-office or
other automatic replies to the sender."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import quote
from enum import StrEnum

# RFC 2919: list-label "." list-id-namespace, both dot-atom text; the whole id at most
# 255 octets.
_ATOMS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)+$")


@dataclass(frozen=True)
class ListId:
    description: str  # shown by some clients beside a filter: the program's sender name
    label: str  # the program's slug
    namespace: str  # a domain we own: the sending domain

    @property
    def identifier(self) -> str:
        return f"{self.label}.{self.namespace}"

    def __post_init__(self) -> None:
        if not _DOT_ATOM.match(self.identifier) or len(self.identifier) > 255:
            raise ValueError(f"'{self.identifier}' is not a list id (RFC 2919)")
        if not self.description or _CONTROL.search(self.description) or \
                "=?" in self.description:
            raise ValueError("a list description is one line of text with no encoded word")

    def header_value(self) -> str:
        """``Reconnect <main.reconnect.example.org>``: the description as an RFC 5322
        phrase (quoted when it holds specials), then the id. Words that are not ASCII
        are left for the header policy to encode (RFC 2047) as it folds the line."""
        return f"{_phrase(self.description)} <{self.identifier}>"


def _phrase(text: str) -> str:
    if not text.isascii() or _ATOMS.match(text):
        return text
    return f'"{quote(text)}"'


class AutoResponse(StrEnum):
    """The kinds of automatic response Exchange can be asked not to send (Microsoft's
    [MS-OXCMAIL] 2.2.3.2.14)."""

    DELIVERY_RECEIPT = "DR"
    NON_DELIVERY_REPORT = "NDR"
    READ_NOTIFICATION = "RN"
    NOT_READ_NOTIFICATION = "NRN"
    OUT_OF_OFFICE = "OOF"
    AUTO_REPLY = "AutoReply"


# Out-of-office notes and auto-replies only: bounces (NDRs) are how we learn an address
# is dead, and must keep coming.
SUPPRESSED_RESPONSES = (AutoResponse.OUT_OF_OFFICE, AutoResponse.AUTO_REPLY)


def auto_response_suppress(kinds: tuple[AutoResponse, ...]) -> str:
    return ", ".join(kind.value for kind in kinds)
