"""Failed admin sign-ins, counted per client in Redis so every API process shares one
count, and the constant-time token check."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from limits import parse

from reconnect.ratelimit import ResilientLimiter

# Ten wrong tokens from one client within ten minutes (a moving window), then that client
# is refused, even with the right token, until the oldest failure is ten minutes old.
# Ten is plenty for a person mistyping or pasting a stale token; for a guesser it is
# 60 tries an hour against a random token of at least 32 characters (16 outside
# production): nothing. Refusing the right token too means a lucky guess after the limit
# teaches nothing. Requests without any credential (a browser's first request, before it
# asks for the password) are not counted.
FAILURE_LIMIT = parse("10 per 10 minutes")
_NAMESPACE = "admin-auth-failures"

# Keys the digests below. Random per process: the digests are compared, never kept.
_COMPARE_KEY = secrets.token_bytes(32)


def tokens_match(given: str, expected: str) -> bool:
    """Constant time, and over fixed-length HMAC digests of both values, so neither the
    position of the first wrong character nor the length of either token leaks."""
    return hmac.compare_digest(_digest(given), _digest(expected))


def _digest(value: str) -> bytes:
    return hmac.new(_COMPARE_KEY, value.encode("utf-8", "surrogatepass"),
                    hashlib.sha256).digest()


class AdminLockout:
    def __init__(self, redis_url: str) -> None:
        # While Redis is away the count is kept per process: still a lockout.
        self._limiter = ResilientLimiter(redis_url, "admin sign-in")

    def retry_after(self, client: str) -> int | None:
        """Seconds until this client may try again, or None if it may now."""
        if self._limiter.test(FAILURE_LIMIT, _NAMESPACE, client):
            return None
        return self._limiter.retry_after(FAILURE_LIMIT, _NAMESPACE, client)

    def failed(self, client: str) -> None:
        self._limiter.hit(FAILURE_LIMIT, _NAMESPACE, client)
