"""Keyed digests of email addresses, for what must recognise an address without keeping
it: rate-limit keys and "never invite me again". Keyed with the secret key, so no one
can recompute them from a list of addresses; changing the key forgets them."""

from __future__ import annotations

import hashlib
import hmac


def address_digest(secret_key: str, email: str) -> str:
    key = hashlib.sha256(f"reconnect-addresses:{secret_key}".encode()).digest()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()
