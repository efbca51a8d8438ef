"""Rate limits kept in Redis, so every API process shares one count, that go on working
(per process, in memory) while Redis is away."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from reconnect.keyed import address_digest

log = logging.getLogger(__name__)

# A request must not wait on a Redis that is gone: half a second, then the fallback.
REDIS_TIMEOUT_SECONDS = 0.5
# Counts a hit against several moving windows at once, in order, stopping at the first
# that is full (its number is returned, 0 if none was). The lists are the ones the limits
# library keeps for a moving window, so its window statistics read them as usual.
HIT_ALL = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
    local limit = tonumber(ARGV[2 * i])
    local expiry = tonumber(ARGV[2 * i + 1])
    local oldest = redis.call('lindex', key, limit - 1)
    if oldest and tonumber(oldest) >= now - expiry then
        return i
    end
    redis.call('lpush', key, ARGV[1])
    redis.call('ltrim', key, 0, limit - 1)
    redis.call('expire', key, expiry)
end
return 0
"""
Hit = tuple[RateLimitItem, tuple[str, ...]]
# While Redis is down, one request in this many seconds tries it again; the others go
# straight to the fallback instead of each paying the timeout.
RETRY_REDIS_SECONDS = 10.0


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class ResilientLimiter:
    """A moving-window limiter in Redis. While Redis cannot be reached, limits are kept
    in this process's memory instead (said once in the log, and once when Redis is back):
    a burst is still slowed down, per process, and nobody gets an error."""

    def __init__(self, redis_url: str, name: str) -> None:
        storage = RedisStorage(redis_url, wrap_exceptions=True,
                               socket_timeout=REDIS_TIMEOUT_SECONDS,
                               socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self._shared = MovingWindowRateLimiter(storage)
        self._key_of = storage.prefixed_key
        # On the storage's own client: its connections and timeouts, no second pool.
        self._hit_all = storage.storage.register_script(HIT_ALL)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._name = name
        self._lock = threading.Lock()
        self._down_since: float | None = None

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._call("hit", item, identifiers)

    def hit_all(self, hits: Sequence[Hit]) -> int | None:
        """Counts one hit against each limit in turn, stopping at the first that is full:
        returns its index, or None if every one had room. Atomic, in one round trip."""
        if not self._using_local():
            keys = [self._key_of(item.key_for(*identifiers)) for item, identifiers in hits]
            arguments: list[float | int] = [time.time()]
            for item, _ in hits:
                arguments += [item.amount, item.get_expiry()]
            try:
                refused = int(self._hit_all(keys=keys, args=arguments))
            except RedisError:
                self._went_down()
            else:
                self._came_back()
                return refused - 1 if refused else None
        for index, (item, identifiers) in enumerate(hits):
            if not self._local.hit(item, *identifiers):
                return index
        return None

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._call("test", item, identifiers)

    def retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        limiter = self._local if self._using_local() else self._shared
        try:
            stats = limiter.get_window_stats(item, *identifiers)
        except StorageError:
            stats = self._local.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _call(self, method: str, item: RateLimitItem, identifiers: tuple[str, ...]) -> bool:
        if not self._using_local():
            try:
                result: bool = getattr(self._shared, method)(item, *identifiers)
            except StorageError:
                self._went_down()
            else:
                self._came_back()
                return result
        local: bool = getattr(self._local, method)(item, *identifiers)
        return local

    def _using_local(self) -> bool:
        with self._lock:
            down = self._down_since
        return down is not None and time.monotonic() - down < RETRY_REDIS_SECONDS

    def _went_down(self) -> None:
        with self._lock:
            first = self._down_since is None
            self._down_since = time.monotonic()
        if first:
            log.warning("rate limits kept in this process until Redis answers again",
                        extra={"limits": self._name})

    def _came_back(self) -> None:
        with self._lock:
            was_down, self._down_since = self._down_since is not None, None
        if was_down:
            log.info("rate limits shared through Redis again", extra={"limits": self._name})


@dataclass(frozen=True)
class Limit:
    namespace: str
    item: RateLimitItem


class SignupLimiter:
    """Per client, per address signing up, and per address invited. An address is
    limited by its own signups only: naming someone as a partner counts against the
    invitations to them, so a stranger cannot lock anyone out of signing up."""

    def __init__(self, redis_url: str, per_client: str, per_email: str, per_invite: str,
                 salt: str) -> None:
        self._salt = salt
        self._limiter = ResilientLimiter(redis_url, "signup")
        self._client = Limit("client", parse(per_client))
        self._email = Limit("email", parse(per_email))
        self._invite = Limit("invite", parse(per_invite))

    def check(self, client: str, email: str, invited: str | None) -> None:
        """Counts one signup against each of its limits.

        ``hit`` tests and counts atomically, so concurrent requests cannot slip past a
        limit together; a refused attempt still counts, which is what a limit meant to
        slow down a flood should do."""
        keys = [(self._client, client), (self._email, address_digest(self._salt, email))]
        if invited:
            keys.append((self._invite, address_digest(self._salt, invited)))
        self._count("signup", keys)

    def check_link_request(self, client: str, email: str) -> None:
        """Counts one "email me my links" request, with the signup limits but counted
        apart from signups: asking for links never uses up anyone's signups."""
        self._count("links", [(self._client, client),
                              (self._email, address_digest(self._salt, email))])

    def _count(self, kind: str, keys: list[tuple[Limit, str]]) -> None:
        hits = [(limit.item, (kind, limit.namespace, key)) for limit, key in keys]
        refused = self._limiter.hit_all(hits)
        if refused is not None:
            item, identifiers = hits[refused]
            raise RateLimited(self._limiter.retry_after(item, *identifiers))
