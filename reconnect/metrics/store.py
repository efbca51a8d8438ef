"""Counts kept in Redis, so every process on every machine adds to the same numbers.

One hash per metric family (field: the label values, value: the count), written with
HINCRBY / HINCRBYFLOAT in one MULTI/EXEC round trip per write. Counting must never break
the real work: when Redis cannot be reached, the counts wait in memory (the label sets
are few, so this stays small), a warning is logged once, and they are written with the
next write that succeeds.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

KEY_PREFIX = "reconnect:metrics:"
# A metrics write waits at most this long for Redis: long enough for a busy server,
# short enough that a dead one costs a batch of emails little.
TIMEOUT_SECONDS = 0.5
# After a failed write, counts stay in memory this long before Redis is tried again, so
# an outage does not cost every email a timeout.
RETRY_AFTER_SECONDS = 10.0


class StoreUnavailable(Exception):
    """The counts could not be read."""


def encode(labels: Sequence[str]) -> str:
    return json.dumps(list(labels), separators=(",", ":"))


def decode(field_name: bytes | str) -> tuple[str, ...]:
    return tuple(str(v) for v in json.loads(field_name))


@dataclass
class Tally:
    """Increments not yet written: (hash key, field) to an amount."""

    counts: defaultdict[tuple[str, str], int] = field(
        default_factory=lambda: defaultdict(int))
    sums: defaultdict[tuple[str, str], float] = field(
        default_factory=lambda: defaultdict(float))

    def merge(self, other: Tally) -> None:
        for slot, n in other.counts.items():
            self.counts[slot] += n
        for slot, x in other.sums.items():
            self.sums[slot] += x

    def __bool__(self) -> bool:
        return bool(self.counts or self.sums)


class Store(Protocol):
    def write(self, tally: Tally) -> None:
        """Adds the tally; never raises."""

    def read(self, keys: Sequence[str]) -> dict[str, dict[str, float]]:
        """Every field of each hash; raises StoreUnavailable."""

    def close(self) -> None: ...


class NullStore:
    """Counts nothing: for processes without Redis (one-shot commands)."""

    def write(self, tally: Tally) -> None:
        return None

    def read(self, keys: Sequence[str]) -> dict[str, dict[str, float]]:
        return {key: {} for key in keys}

    def close(self) -> None:
        return None


class RedisStore:
    def __init__(self, client: redis.Redis, retry_after: float = RETRY_AFTER_SECONDS) -> None:
        self._client = client
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._waiting = Tally()  # counts a failed write left behind
        self._quiet_until = 0.0
        self._failing = False

    @classmethod
    def from_url(cls, url: str, retry_after: float = RETRY_AFTER_SECONDS) -> RedisStore:
        # No retries inside redis-py: its default backs off for seconds on a dead server.
        return cls(redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                        socket_connect_timeout=TIMEOUT_SECONDS,
                                        retry=Retry(NoBackoff(), 0)), retry_after)

    def write(self, tally: Tally) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.merge(tally)
                if time.monotonic() < self._quiet_until:
                    return
                tally, self._waiting = self._waiting, Tally()
        if not tally:
            return
        try:
            self._send(tally)
        except Exception as exc:  # whatever goes wrong, counting must not fail the work
            with self._lock:
                self._waiting.merge(tally)
                self._quiet_until = time.monotonic() + self._retry_after
                first = not self._failing
                self._failing = True
            if first:
                log.warning("metrics not written: Redis is unreachable; counting in memory "
                            "until it is back", extra={"error": type(exc).__name__})
            return
        if self._failing:
            self._failing = False
            log.info("metrics written to Redis again")

    def _send(self, tally: Tally) -> None:
        # MULTI/EXEC: a write lands whole or not at all. Only a reply lost after Redis
        # applied it (a timeout at that moment) makes the retry count it a second time.
        pipe = self._client.pipeline(transaction=True)
        for (key, name), n in tally.counts.items():
            pipe.hincrby(key, name, n)
        for (key, name), x in tally.sums.items():
            pipe.hincrbyfloat(key, name, x)
        pipe.execute()

    def read(self, keys: Sequence[str]) -> dict[str, dict[str, float]]:
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        try:
            found: list[dict[bytes, bytes]] = pipe.execute()
        except (redis.RedisError, OSError) as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return {key: {name.decode(): float(value) for name, value in values.items()}
                for key, values in zip(keys, found, strict=True)}

    def close(self) -> None:
        self._client.close()
