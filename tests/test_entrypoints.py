"""The containers' processes without Docker: docker/entrypoint.sh run as the stack runs it
(migrate to the end, then the API, two workers and one beat) in production mode, and a
couple signing up, confirming and getting their first program email through it.

Its own database (a fresh one beside the test database, so `migrate` starts from
nothing), its own Redis server (the session's Redis carries the in-process test worker's
queue, which would take these jobs) and its own SMTP sink."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest
from sqlalchemy import select, update

from reconnect.db.engine import make_engine
from reconnect.models import Delivery, DeliveryKind, DeliveryStatus, Partner
from reconnect.program.loader import load_program_dir
from reconnect.settings import PROJECT_ROOT
from reconnect.startup.wait import wait_for_database
from tests.support.entrypoints import Entrypoints, base_env, scratch_database
from tests.support.flows import ANA, BEN, signup_body
from tests.support.links import confirm_path
from tests.support.processes import RestartableRedis
from tests.support.smtp import Received, SmtpSink, free_port

SECRET = "entrypoint-test-secret-" + "x" * 32
# No daylight saving time: "the next hour" is always less than an hour away.
ZONE = "Asia/Tokyo"
WORKERS = ("worker1@entrypoint-test", "worker2@entrypoint-test")
# Starting four Python processes side by side on a small machine takes a few seconds.
START_SECONDS = 45.0
MAIL_SECONDS = 30.0


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RestartableRedis]:
    server = RestartableRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    own = SmtpSink()
    own.start()
    yield own
    own.stop()


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    with scratch_database(database_url, tmp_path) as url:
        yield url


@pytest.fixture
def stack(tmp_path: Path, scratch_url: str, redis_server: RestartableRedis,
          sink: SmtpSink) -> Iterator[tuple[Entrypoints, str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = base_env(
        RECONNECT_ENV="production", RECONNECT_SECRET_KEY=SECRET, RECONNECT_BASE_URL=base,
        RECONNECT_DATABASE_URL=scratch_url, RECONNECT_REDIS_URL=redis_server.url(0),
        RECONNECT_SMTP_HOST="127.0.0.1", RECONNECT_SMTP_PORT=str(sink.port),
        RECONNECT_SMTP_SECURITY="none", RECONNECT_MAIL_FROM="hello@reconnect.test",
        RECONNECT_DATA_DIR=str(tmp_path / "data"),
        # Beat ticks the dispatcher every second rather than every five.
        RECONNECT_DISPATCH_INTERVAL_SECONDS="1",
        API_HOST="127.0.0.1", API_PORT=str(port), WEB_CONCURRENCY="2",
        WORKER_CONCURRENCY="2", BEAT_SCHEDULE_FILE=str(tmp_path / "beat" / "schedule"),
        DB_WAIT_SECONDS="20", HEALTH_TIMEOUT_SECONDS="3")
    stack = Entrypoints(tmp_path, env)
    try:
        yield stack, base
    finally:
        stack.stop_all()


def _wait(condition_name: str, check: Callable[[], bool], stack: Entrypoints,
          timeout: float = START_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        dead = [role.name for role in stack.roles if not role.alive()]
        assert not dead, f"{dead} exited while waiting for {condition_name}\n{stack.report()}"
        time.sleep(0.2)
    raise AssertionError(f"{condition_name} not within {timeout:.0f}s\n{stack.report()}")


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=3).status_code == 200
    except httpx.TransportError:
        return False


def _answers(entrypoints: Entrypoints, worker_name: str) -> bool:
    return entrypoints.run("health", "worker", WORKER_NAME=worker_name).returncode == 0


def _mail_to(sink: SmtpSink, stack: Entrypoints, address: str, count: int) -> list[Received]:
    _wait(f"{count} email(s) to {address}", lambda: len(sink.to(address)) >= count, stack,
          MAIL_SECONDS)
    return sink.to(address)


def _make_first_stage_due_now(database_url: str, email: str) -> None:
    """The first stage is due at the partner's next send hour, up to an hour away: the
    test moves it to now, as if that hour had come. Beat's next tick dispatches it."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            partner_id = conn.execute(
                select(Partner.id).where(Partner.email == email)).scalar_one()
            first_stage = (Delivery.partner_id == partner_id,
                           Delivery.kind == DeliveryKind.STAGE,
                           Delivery.status == DeliveryStatus.SCHEDULED)
            planned = conn.execute(select(Delivery.due_at).where(*first_stage)).scalar_one()
            now = datetime.now(UTC)
            assert now < planned <= now + timedelta(hours=1)
            moved = conn.execute(update(Delivery).where(*first_stage).values(due_at=now))
            assert moved.rowcount == 1
    finally:
        engine.dispose()


def test_the_entrypoints_run_the_whole_system(
        stack: tuple[Entrypoints, str], sink: SmtpSink, scratch_url: str) -> None:
    entrypoints, base = stack

    migrated = entrypoints.run("migrate")
    assert migrated.returncode == 0, entrypoints.report()
    assert "Database is at the latest migration." in migrated.stdout, entrypoints.report()

    entrypoints.start("api", "api")
    for name in WORKERS:
        entrypoints.start(name.partition("@")[0], "worker", WORKER_NAME=name)
    entrypoints.start("beat", "beat")
    _wait("the API to be ready", lambda: _ready(base), entrypoints)
    assert entrypoints.run("health", "api").returncode == 0, entrypoints.report()

    # The next hour in the couple's zone: the program could start no sooner on its own.
    hour = (datetime.now(ZoneInfo(ZONE)) + timedelta(hours=1)).hour
    signup = httpx.post(f"{base}/api/v1/signups",
                        json=signup_body(timezone=ZONE, send_hour=hour), timeout=10)
    assert signup.status_code == 202, f"{signup.text}\n{entrypoints.report()}"

    for name in WORKERS:  # both workers answer the container healthcheck
        _wait(f"{name} to answer a ping", partial(_answers, entrypoints, name), entrypoints)
    [confirm_ana] = _mail_to(sink, entrypoints, ANA, 1)
    [confirm_ben] = _mail_to(sink, entrypoints, BEN, 1)
    assert "/confirm/" in confirm_ben.text

    confirmed = httpx.post(f"{base}{confirm_path(confirm_ana)}", timeout=10)
    assert confirmed.status_code == 200, f"{confirmed.text}\n{entrypoints.report()}"
    _make_first_stage_due_now(scratch_url, ANA)
    first_stage = load_program_dir(PROJECT_ROOT / "program" / "main").stages[0]
    [_, welcome] = _mail_to(sink, entrypoints, ANA, 2)
    assert welcome.subject == first_stage.subject
    assert len(sink.to(BEN)) == 1  # Ben has not confirmed: nothing more for him

    unknown = entrypoints.run("health", "worker", WORKER_NAME="nobody@entrypoint-test",
                              HEALTH_TIMEOUT_SECONDS="1")
    assert unknown.returncode == 1
    assert "did not answer" in unknown.stderr

    statuses = entrypoints.stop_all()
    assert statuses == {"api": 0, "worker1": 0, "worker2": 0, "beat": 0}, \
        f"{statuses}\n{entrypoints.report()}"
    for role in entrypoints.roles:  # uvicorn's and Celery's own lines included
        assert_every_line_is_json(role.log(), role.name)


def assert_every_line_is_json(output: str, name: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, f"{name} logged nothing"
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"{name} wrote a line that is not JSON: {line!r}") from None
        assert {"time", "level", "logger", "event"} <= set(entry), line


def test_an_uncaught_exception_is_one_json_line_with_its_traceback(tmp_path: Path) -> None:
    script = ("from reconnect.logging import configure_logging\n"
              "configure_logging()\n"
              "def deep():\n    raise RuntimeError('first line\\nsecond line')\n"
              "deep()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=base_env(),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    entry = json.loads(line)
    assert (entry["level"], entry["event"]) == ("critical", "uncaught exception")
    assert "Traceback" in entry["error"]
    assert "in deep" in entry["error"]
    assert "RuntimeError: first line\nsecond line" in entry["error"]


def test_migrate_waits_for_the_database_and_gives_up_with_a_message(tmp_path: Path) -> None:
    dead = f"postgresql+psycopg://reconnect:s3cret-passw0rd@127.0.0.1:{free_port()}/reconnect"
    entrypoints = Entrypoints(tmp_path, base_env(
        RECONNECT_ENV="production", RECONNECT_SECRET_KEY=SECRET,
        RECONNECT_DATABASE_URL=dead, RECONNECT_REDIS_URL="redis://127.0.0.1:1/0",
        DB_WAIT_SECONDS="2"))
    started = time.monotonic()
    result = entrypoints.run("migrate", timeout=30)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert time.monotonic() - started < 15
    assert "Waiting for the database at" in output
    assert "did not accept connections within 2 s" in output
    assert "Database is at the latest migration" not in output
    assert "s3cret-passw0rd" not in output


def test_waiting_ends_once_the_database_answers(tmp_path: Path) -> None:
    # SQLite cannot open a file in a folder that does not exist yet: the database
    # "comes up" when another thread creates the folder.
    folder = tmp_path / "later"
    appear = threading.Timer(0.7, folder.mkdir)
    appear.start()
    lines: list[str] = []
    try:
        assert wait_for_database(f"sqlite:///{folder / 'db.sqlite'}", 10, log=lines.append)
    finally:
        appear.cancel()
    assert lines[0].startswith("Waiting for the database at sqlite:///")
    assert lines[-1].endswith("accepts connections.")


def test_the_entrypoint_refuses_unknown_health_targets(tmp_path: Path) -> None:
    result = Entrypoints(tmp_path, base_env()).run("health", "beat")
    assert result.returncode == 64
    assert "usage:" in result.stderr


def test_any_other_command_runs_as_given(tmp_path: Path) -> None:
    result = Entrypoints(tmp_path, base_env()).run("reconnect", "program", "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert os.fspath(PROJECT_ROOT / "program") in result.stdout
