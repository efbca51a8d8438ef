"""Opaque, signed link tokens, each bound to one purpose and one holder.

A token is ``base64url(json payload) . base64url(HMAC-SHA256)``. The purpose is part of
what is signed, so a reflection token can never be replayed as an unsubscribe token.
The holder is a random public identifier of one person (``partners.public_id``), never
a row id: erasing the person deletes it, and no one after them can ever hold it again,
so their old links can never reach anyone else. The issue time comes from the injected
clock so expiry follows fast-forwarded time too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from reconnect.clock import Clock

# 128 bits of MAC is far beyond guessing range and keeps links short enough for email.
MAC_BYTES = 16
MAX_TOKEN_LENGTH = 600
MAX_HOLDER_LENGTH = 64


class Purpose(StrEnum):
    CONFIRM = "confirm"
    REFLECT = "reflect"
    UNSUBSCRIBE = "unsubscribe"
    PREFERENCES = "preferences"
    # "Never invite me again", in every invitation: held by the invited address itself.
    NO_INVITES = "no-invites"
    # "Welcome back": coming back after unsubscribing, while still unsubscribed.
    REJOIN = "rejoin"
    # A new address's confirmation, sent to that address; names it, so a later change
    # of mind makes it void.
    ADDRESS = "address"


class TokenProblem(StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


class TokenError(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        self.problem = problem
        super().__init__(problem.value)


@dataclass(frozen=True)
class TokenPayload:
    """``holder`` names who the link belongs to. Links sent before holders existed
    carry a row id instead (``legacy_id``): see ``reconnect.partners.links`` for the
    one narrow way those are still honoured."""

    holder: str | None
    legacy_id: int | None
    issued_at: datetime
    data: dict[str, Any]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tokens:
    def __init__(self, secret_key: str, clock: Clock, max_age: dict[Purpose, timedelta]) -> None:
        self._key = hashlib.sha256(f"reconnect-tokens:{secret_key}".encode()).digest()
        self._clock = clock
        self._max_age = max_age

    def _mac(self, purpose: Purpose, body: str) -> bytes:
        message = f"{purpose.value}.{body}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()[:MAC_BYTES]

    def make(self, purpose: Purpose, holder: str, **data: Any) -> str:
        if not holder or len(holder) > MAX_HOLDER_LENGTH:
            raise ValueError("a token needs its holder's public identifier")
        issued = int(self._clock.now().timestamp())
        payload = json.dumps({"h": holder, "t": issued, **data}, separators=(",", ":"))
        body = _b64(payload.encode())
        return f"{body}.{_b64(self._mac(purpose, body))}"

    def read(self, purpose: Purpose, token: str) -> TokenPayload:
        body, _, mac = token.partition(".")
        if not body or not mac or len(token) > MAX_TOKEN_LENGTH:
            raise TokenError(TokenProblem.INVALID)
        try:
            given = _unb64(mac)
            raw = json.loads(_unb64(body))
        except (binascii.Error, ValueError) as exc:
            raise TokenError(TokenProblem.INVALID) from exc
        # Only the canonical spelling is accepted: base64 padding and the spare bits of
        # the last character would otherwise let one token be written several ways.
        if _b64(given) != mac or not hmac.compare_digest(given, self._mac(purpose, body)):
            raise TokenError(TokenProblem.INVALID)
        if not isinstance(raw, dict) or type(raw.get("t")) is not int:
            raise TokenError(TokenProblem.INVALID)
        holder, legacy_id = raw.pop("h", None), raw.pop("p", None)
        valid_holder = isinstance(holder, str) and 0 < len(holder) <= MAX_HOLDER_LENGTH
        if not ((valid_holder and legacy_id is None)
                or (holder is None and type(legacy_id) is int)):
            raise TokenError(TokenProblem.INVALID)
        issued = raw.pop("t")
        if self._clock.now().timestamp() - issued > self._max_age[purpose].total_seconds():
            raise TokenError(TokenProblem.EXPIRED)
        return TokenPayload(holder=holder, legacy_id=legacy_id,
                            issued_at=datetime.fromtimestamp(issued, UTC), data=raw)
