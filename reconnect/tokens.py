"""Opaque, signed link tokens, each bound to one purpose.

A token is ``base64url(json payload) . base64url(HMAC-SHA256)``. The purpose is part of
what is signed, so a reflection token can never be replayed as an unsubscribe token.
The issue time comes from the injected clock so expiry follows fast-forwarded time too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from reconnect.clock import Clock

# 128 bits of MAC is far beyond guessing range and keeps links short enough for email.
MAC_BYTES = 16
MAX_TOKEN_LENGTH = 600


class Purpose(StrEnum):
    CONFIRM = "confirm"
    REFLECT = "reflect"
    UNSUBSCRIBE = "unsubscribe"
    PREFERENCES = "preferences"


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
    partner_id: int
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

    def make(self, purpose: Purpose, partner_id: int, **data: Any) -> str:
        issued = int(self._clock.now().timestamp())
        payload = json.dumps({"p": partner_id, "t": issued, **data}, separators=(",", ":"))
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
        if not (isinstance(raw, dict) and isinstance(raw.get("p"), int)
                and isinstance(raw.get("t"), int)):
            raise TokenError(TokenProblem.INVALID)
        age = self._clock.now().timestamp() - raw.pop("t")
        if age > self._max_age[purpose].total_seconds():
            raise TokenError(TokenProblem.EXPIRED)
        return TokenPayload(partner_id=raw.pop("p"), data=raw)
