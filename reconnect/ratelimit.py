"""Signup rate limits, kept in Redis so every API process shares one count."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    namespace: str
    item: RateLimitItem


class SignupLimiter:
    def __init__(self, redis_url: str, per_client: str, per_email: str, salt: str) -> None:
        self._salt = salt
        storage = storage_from_string(redis_url)
        self._limiter = MovingWindowRateLimiter(storage)
        self._client = Limit("client", parse(per_client))
        self._email = Limit("email", parse(per_email))

    def check(self, client: str, emails: list[str]) -> None:
        """Counts one signup against the client and every address it would mail.

        ``hit`` tests and counts atomically in Redis, so concurrent requests cannot
        slip past a limit together; a refused attempt still counts, which is what a
        limit meant to slow down a flood should do."""
        keys = [(self._client, client)] + [(self._email, _digest(self._salt, e)) for e in emails]
        for limit, key in keys:
            if not self._limiter.hit(limit.item, "signup", limit.namespace, key):
                raise RateLimited(self._retry_after(limit, key))

    def _retry_after(self, limit: Limit, key: str) -> int:
        stats = self._limiter.get_window_stats(limit.item, "signup", limit.namespace, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def _digest(salt: str, email: str) -> str:
    # Addresses never reach Redis in the clear, nor as a hash anyone could recompute.
    return hashlib.blake2b(email.encode(), key=salt.encode()[:64], digest_size=16).hexdigest()
