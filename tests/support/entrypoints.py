"""docker/entrypoint.sh run as plain processes: the script, roles and variables every
container uses, with no Docker engine. Whoever starts a role stops it, even when a test
fails, and a failing assertion carries every process's output."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from reconnect.settings import PROJECT_ROOT

ENTRYPOINT = PROJECT_ROOT / "docker" / "entrypoint.sh"
# The test's own interpreter's bin/ (the project's .venv in practice), first on PATH so the
# script's `python` is the one with the project installed, as /usr/local/bin is in the
# image. Not resolved: .venv/bin/python is a symlink to the system interpreter.
VENV_BIN = Path(sys.executable).parent
# A warm shutdown: uvicorn closes its connections, Celery finishes running tasks. Docker
# gives 30-60 s (stop_grace_period); nothing runs long here.
STOP_SECONDS = 20.0
LOG_TAIL_CHARS = 4000


def base_env(**variables: str) -> dict[str, str]:
    """The machine's environment without any RECONNECT_ setting, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONNECT_")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(PROJECT_ROOT)  # as PYTHONPATH=/app in the image
    env.update(variables)
    return env


@dataclass
class Role:
    """One long-running ``entrypoint.sh <role>`` process."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Entrypoints:
    """Starts roles in ``workdir`` (no stray .env is read there) with ``env``."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.roles: list[Role] = []
        self.finished: list[tuple[str, subprocess.CompletedProcess[str]]] = []

    def run(self, *args: str, timeout: float = 60.0,
            **variables: str) -> subprocess.CompletedProcess[str]:
        """A one-shot role (``migrate``, ``health api``) to its end."""
        result = subprocess.run([str(ENTRYPOINT), *args], cwd=self.workdir,
                                env={**self.env, **variables}, capture_output=True,
                                text=True, timeout=timeout, check=False)
        self.finished.append((" ".join(args), result))
        return result

    def start(self, name: str, *args: str, **variables: str) -> Role:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as log:
            # A session of its own: whatever the role forks can be killed as a group.
            process = subprocess.Popen([str(ENTRYPOINT), *args], cwd=self.workdir,
                                       env={**self.env, **variables}, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        role = Role(name, process, log_path)
        self.roles.append(role)
        return role

    def stop_all(self) -> dict[str, int]:
        """SIGTERM to each role's main process, as `docker stop` sends it; SIGKILL to each
        group after STOP_SECONDS. Returns each role's exit status."""
        for role in self.roles:
            if role.alive():
                role.process.send_signal(signal.SIGTERM)
        statuses: dict[str, int] = {}
        for role in self.roles:
            try:
                statuses[role.name] = role.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                statuses[role.name] = -signal.SIGKILL
            with contextlib.suppress(ProcessLookupError):  # leftover children go too
                os.killpg(role.process.pid, signal.SIGKILL)
            role.process.wait(timeout=STOP_SECONDS)
        return statuses

    def report(self) -> str:
        """Every process's output so far, for an assertion message."""
        parts = [f"--- {name} (exit {result.returncode})\n"
                 f"{(result.stdout + result.stderr)[-LOG_TAIL_CHARS:]}"
                 for name, result in self.finished]
        parts += [f"--- {role.name} ({'running' if role.alive() else role.process.returncode})"
                  f"\n{role.log()[-LOG_TAIL_CHARS:]}" for role in self.roles]
        return "\n".join(parts)


@contextlib.contextmanager
def scratch_database(test_database_url: str, directory: Path) -> Iterator[str]:
    """An empty database of this test's own beside the test database: a new SQLite file,
    or a new database on the same PostgreSQL server, dropped afterwards."""
    url = make_url(test_database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{directory / 'entrypoints.db'}"
        return
    name = f"{url.database}_entrypoints_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:  # WITH (FORCE): a killed process may hold a session
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
