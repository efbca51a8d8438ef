"""Many requests released at the same instant, while a watcher keeps asking /healthz."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx2 as httpx

# A request that takes longer than this has hung, for any purpose here.
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Answer:
    status: int
    seconds: float
    retry_after: str | None


@dataclass(frozen=True)
class BurstResult:
    answers: list[Answer]
    slowest_health: float  # the slowest /healthz answer while the burst ran

    @property
    def statuses(self) -> list[int]:
        return [a.status for a in self.answers]

    @property
    def slowest(self) -> float:
        return max(a.seconds for a in self.answers)


class _HealthWatch(threading.Thread):
    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.slowest = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=REQUEST_TIMEOUT) as client:
            while not self.stopped.is_set():
                started = time.monotonic()
                try:
                    client.get("/healthz").raise_for_status()
                except httpx.HTTPError:
                    self.slowest = max(self.slowest, REQUEST_TIMEOUT)
                self.slowest = max(self.slowest, time.monotonic() - started)
                time.sleep(0.02)


def burst(base: str, count: int,
          send: Callable[[httpx.Client, int], httpx.Response]) -> BurstResult:
    """``count`` requests, each ``send(client, n)`` on its own connection, released
    together by a barrier."""
    barrier = threading.Barrier(count)
    watch = _HealthWatch(base)
    watch.start()

    def one(number: int) -> Answer:
        with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
            client.get("/healthz")  # connected before the start signal
            barrier.wait()
            started = time.monotonic()
            response = send(client, number)
            return Answer(response.status_code, time.monotonic() - started,
                          response.headers.get("retry-after"))

    try:
        with ThreadPoolExecutor(count) as pool:
            answers = list(pool.map(one, range(count)))
        time.sleep(0.2)  # the watcher's view of the moments just after
    finally:
        watch.stopped.set()
        watch.join(timeout=REQUEST_TIMEOUT)
    return BurstResult(answers, watch.slowest)
