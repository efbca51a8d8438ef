"""The API as production runs it: a separate uvicorn process (with several worker
processes), on the test's database and Redis. Whoever starts it stops it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reconnect.settings import PROJECT_ROOT, Settings
from tests.support.http import wait_until_healthy
from tests.support.processes import worker_env
from tests.support.smtp import free_port

STOP_SECONDS = 15.0


@contextmanager
def api_server(settings: Settings, log_path: Path, *, workers: int = 2,
               **variables: str) -> Iterator[str]:
    """Yields the server's base URL; its output is in ``log_path``."""
    port = free_port()
    env = worker_env(settings)
    env.update(RECONNECT_SIGNUP_LIMIT_PER_CLIENT=settings.signup_limit_per_client,
               RECONNECT_SIGNUP_LIMIT_PER_EMAIL=settings.signup_limit_per_email,
               RECONNECT_INVITE_LIMIT_PER_EMAIL=settings.invite_limit_per_email,
               RECONNECT_DB_POOL_SIZE=str(settings.db_pool_size), **variables)
    if settings.admin_token:
        env["RECONNECT_ADMIN_TOKEN"] = settings.admin_token
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(workers), "--no-access-log"],
            cwd=PROJECT_ROOT, env=env, start_new_session=True, stdout=log,
            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(base, timeout=60)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{log_path.read_text(errors='replace')[-4000:]}") \
                from exc
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)
