"""The one source of "now" for the whole system.

Everything asks a :class:`Clock`; nothing calls ``datetime.now`` directly, so tests can
freeze time and a development command can fast-forward it for every process at once.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


class OffsetReader(Protocol):
    def __call__(self) -> float: ...


# The offset lives in the database; reading it on every ``now()`` would cost a query per
# call, and a one-second lag after a fast-forward is invisible to a person.
OFFSET_CACHE_SECONDS = 1.0


class TravellingClock:
    """System time plus a shared, persisted offset (development only)."""

    def __init__(self, read_offset: OffsetReader) -> None:
        self._read_offset = read_offset
        self._offset = 0.0
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if time.monotonic() - self._read_at > OFFSET_CACHE_SECONDS:
                self._offset = self._read_offset()
                self._read_at = time.monotonic()
            offset = self._offset
        return datetime.now(UTC) + timedelta(seconds=offset)

    def forget(self) -> None:
        with self._lock:
            self._read_at = float("-inf")
