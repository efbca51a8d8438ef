"""Running the checks side by side with a deadline, and the report they make."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from reconnect.db.migrate import script_directory
from reconnect.readiness.checks import (
    OK,
    check_database,
    check_redis,
    check_smtp,
    probe_engine,
    scrub,
    secrets_of,
)
from reconnect.settings import Settings

log = logging.getLogger(__name__)
CHECKS = ("database", "migrations", "redis", "smtp")
# The whole report: a check still running by then is reported as not answering (it goes
# on in the background, bounded by its own step timeouts, and later reports reuse it).
DEADLINE_SECONDS = 3.0
# A relay probe is a TCP and maybe TLS handshake (and a login) on someone else's server:
# a good answer is reused for RECONNECT_READY_SMTP_SECONDS (5 minutes by default, so at
# most 288 sessions a day per process), a bad one only this long, so a relay that comes
# back is seen soon.
SMTP_FAILURE_FRESH_SECONDS = 10.0


@dataclass(frozen=True)
class Report:
    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "not ready", "checks": self.checks}


class _Probe:
    """One kind of check: at most one run at a time; a result is reused while fresh."""

    def __init__(self, names: tuple[str, ...], run: Callable[[], dict[str, str]],
                 fresh_for: tuple[float, float], executor: ThreadPoolExecutor,
                 monotonic: Callable[[], float]) -> None:
        """``fresh_for``: how long a passing and a failing result are reused."""
        self.names = names
        self._run, self._fresh_for = run, fresh_for
        self._executor, self._monotonic = executor, monotonic
        self._lock = threading.Lock()
        self._running: Future[dict[str, str]] | None = None
        self._last: tuple[float, dict[str, str]] | None = None

    def start(self) -> Future[dict[str, str]]:
        with self._lock:
            if self._running is not None and not self._running.done():
                return self._running
            if self._last is not None and \
                    self._monotonic() - self._last[0] < self._freshness(self._last[1]):
                reused: Future[dict[str, str]] = Future()
                reused.set_result(self._last[1])
                return reused
            self._running = self._executor.submit(self._run_and_keep)
            return self._running

    def _freshness(self, result: dict[str, str]) -> float:
        passed = all(value == OK for value in result.values())
        return self._fresh_for[0] if passed else self._fresh_for[1]

    def _run_and_keep(self) -> dict[str, str]:
        try:
            result = self._run()
        except Exception as exc:  # a surprise must be a failed check, not a 500
            log.exception("readiness check failed", extra={"checks": ",".join(self.names)})
            result = dict.fromkeys(self.names, f"check failed: {type(exc).__name__}")
        with self._lock:
            self._last = (self._monotonic(), result)
        return result


class Readiness:
    """The checks for one process. Build one and keep it: it holds the migrations read
    from disk, the relay's last answer, and a few threads."""

    def __init__(self, settings: Settings, *, deadline: float = DEADLINE_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.deadline = deadline
        self._secrets = secrets_of(settings)
        self._scripts = script_directory()
        self._engine = probe_engine(settings.database_url)
        self._executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="readiness")
        self._monotonic = monotonic
        self._probes = [
            self._probe(("database", "migrations"), lambda: check_database(
                self._engine, self._scripts, settings.database_url)),
            self._probe(("redis",), lambda: check_redis(settings.redis_url)),
            self._probe(("smtp",), lambda: check_smtp(settings),
                        (settings.ready_smtp_seconds, SMTP_FAILURE_FRESH_SECONDS)),
        ]

    def check(self) -> Report:
        futures = [(probe.names, probe.start()) for probe in self._probes]
        wait([future for _, future in futures], timeout=self.deadline)
        checks: dict[str, str] = {}
        late = f"no answer within {self.deadline:g} s"
        for names, future in futures:
            if future.done():
                checks.update(future.result())
            else:
                checks.update({name: late for name in names})
                if "migrations" in names:
                    checks["migrations"] = "unknown: the database did not answer"
        return Report({name: scrub(checks[name], self._secrets) for name in CHECKS})

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._engine.dispose()

    def _probe(self, names: tuple[str, ...], run: Callable[[], dict[str, str]],
               fresh_for: tuple[float, float] = (0.0, 0.0)) -> _Probe:
        return _Probe(names, run, fresh_for, self._executor, self._monotonic)
