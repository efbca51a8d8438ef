"""What the HTTP benchmarks share: a scratch database, the real API as a process with
production settings, and reading a process's memory. Nothing here comes from the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
# The API and the benchmark both sign links with it, so the benchmark can follow them.
SECRET_KEY = "b" * 48


def fresh_postgres(name: str) -> str:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def fresh_sqlite(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bench.db"
    for leftover in directory.glob("bench.db*"):
        leftover.unlink()
    return f"sqlite:///{path}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_healthy(base: str, timeout: float = 60.0) -> None:
    """Waits for a freshly started API process to answer /healthz."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"no healthy API at {base} after {timeout:.0f}s")


def api_env(database_url: str, port: int, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONNECT_")}
    env.update(RECONNECT_ENV="production", RECONNECT_SECRET_KEY=SECRET_KEY,
               RECONNECT_DATABASE_URL=database_url, RECONNECT_REDIS_URL=REDIS_URL,
               RECONNECT_BASE_URL=f"http://127.0.0.1:{port}", **variables)
    return env


def start_api(env: dict[str, str], port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    """Migrates, then starts uvicorn; returns once /healthz answers."""
    subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--workers",
         str(workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
    except SystemExit:
        process.kill()
        raise
    return process


def start_worker(env: dict[str, str], concurrency: int = 1) -> subprocess.Popen[bytes]:
    """One Celery worker (prefork) with the API's settings; returns once it answers a ping."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--concurrency",
         str(concurrency), "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ping = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "tasks.worker", "inspect", "ping",
             "--timeout", "1"], cwd=ROOT, env=env, capture_output=True)
        if ping.returncode == 0:
            return process
        if process.poll() is not None:
            raise SystemExit("the Celery worker exited at start")
    process.kill()
    raise SystemExit("the Celery worker did not answer within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MB, from /proc."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
