"""``/readyz`` says which dependency is missing, ``/healthz`` does not care, and a database
behind on migrations stops the worker and beat (but not the API) with the command to run.

Each test that stops something stops its own: a Redis-protocol server, an SMTP server or
a database of its own, never the session's shared ones."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from api.main import create_app
from reconnect.db.migrate import script_directory, upgrade
from reconnect.readiness import Readiness, report
from reconnect.readiness.checks import check_smtp
from reconnect.runtime import build_runtime
from reconnect.settings import PROJECT_ROOT, Settings, SmtpSecurity
from tests.support.processes import RestartableRedis, worker_env
from tests.support.readiness import database_at, on_postgres
from tests.support.smtp import SmtpSink, authenticating_sink, free_port
from tests.support.wait import wait_until

ALL_OK = {"database": "ok", "migrations": "ok", "redis": "ok", "smtp": "ok"}
HEAD = str(script_directory().get_current_head())
PREVIOUS = str(script_directory().get_revision(HEAD).down_revision)  # the one before head
StartApp = Callable[[Settings], TestClient]
BACKENDS = ["sqlite", *(["postgres"] if on_postgres() else [])]


@pytest.fixture
def start_app() -> Iterator[StartApp]:
    """Starts apps on settings of the test's own; each is stopped at the end."""
    with ExitStack() as stack:
        def start(settings: Settings) -> TestClient:
            rt = build_runtime(settings)
            stack.callback(rt.close)
            return stack.enter_context(TestClient(create_app(rt)))

        yield start


def _ready(client: TestClient) -> tuple[int, dict[str, str]]:
    response = client.get("/readyz")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == ("ready" if response.status_code == 200 else "not ready")
    return response.status_code, body["checks"]


def test_ready_when_everything_is_up(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": ALL_OK}


def test_redis_stopped(settings: Settings, start_app: StartApp, tmp_path: Path) -> None:
    redis_server = RestartableRedis(tmp_path)
    redis_server.start()
    try:
        client = start_app(settings.model_copy(update={"redis_url": redis_server.url(6)}))
        assert _ready(client) == (200, ALL_OK)
    finally:
        redis_server.stop()
    status, checks = _ready(client)
    assert status == 503
    assert checks == {**ALL_OK, "redis": checks["redis"]}
    assert checks["redis"].startswith(f"unreachable at 127.0.0.1:{redis_server.port}: ")


def test_smtp_stopped(settings: Settings, start_app: StartApp,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "SMTP_FAILURE_FRESH_SECONDS", 0.0)  # see the caching test
    sink = SmtpSink()
    sink.start()
    try:
        client = start_app(settings.model_copy(update={"smtp_port": sink.port,
                                                       "ready_smtp_seconds": 0.0}))
        assert _ready(client) == (200, ALL_OK)
    finally:
        sink.stop()
    status, checks = _ready(client)
    assert status == 503
    assert checks == {**ALL_OK, "smtp": f"unreachable at 127.0.0.1:{sink.port}: "
                                        "[Errno 111] Connection refused"}
    assert sink.messages == []  # a probe never sends


def test_a_good_answer_from_the_relay_is_reused_for_minutes_and_a_bad_one_for_seconds(
        settings: Settings) -> None:
    now = [0.0]
    sink = SmtpSink()
    sink.start()
    checks = Readiness(settings.model_copy(update={"smtp_port": sink.port}),
                       monotonic=lambda: now[0])
    try:
        assert checks.check().checks["smtp"] == "ok"
        sink.stop()
        now[0] += settings.ready_smtp_seconds - 1
        assert checks.check().checks["smtp"] == "ok"  # the relay's answer, reused
        now[0] += 1
        assert checks.check().checks["smtp"].startswith("unreachable")
        sink = SmtpSink(port=sink.port)  # the relay comes back
        sink.start()
        now[0] += report.SMTP_FAILURE_FRESH_SECONDS - 1
        assert checks.check().checks["smtp"].startswith("unreachable")
        now[0] += 1
        assert checks.check().checks["smtp"] == "ok"  # back, seen within seconds
    finally:
        sink.stop()
        checks.close()


def test_a_day_of_healthchecks_every_15_seconds_opens_at_most_288_relay_sessions(
        settings: Settings) -> None:
    now = [0.0]
    opened = []

    def counted(s: Settings) -> dict[str, str]:
        opened.append(now[0])
        return check_smtp(s)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("reconnect.readiness.report.check_smtp", counted)
        checks = Readiness(settings, monotonic=lambda: now[0])
        try:
            for _ in range(24 * 3600 // 15):
                checks.check()
                now[0] += 15
        finally:
            checks.close()
    assert len(opened) == 24 * 3600 / settings.ready_smtp_seconds


@pytest.mark.parametrize(("password", "expected"), [
    ("relay-password", "ok"), ("wrong-password", "refused the login")])
def test_the_relay_login_is_checked_when_credentials_are_set(
        settings: Settings, password: str, expected: str) -> None:
    with authenticating_sink() as port:
        smtp = _checks(settings.model_copy(update={
            "smtp_port": port, "smtp_username": "relay-user", "smtp_password": password}))
    assert expected in smtp["smtp"]
    assert password not in smtp["smtp"]


def _checks(settings: Settings) -> dict[str, str]:
    checks = Readiness(settings)
    try:
        return checks.check().checks
    finally:
        checks.close()


@pytest.mark.parametrize(("security", "reason"), [
    ("starttls", "127.0.0.1:{port} does not offer STARTTLS; set RECONNECT_SMTP_SECURITY"),
    ("tls", "TLS with 127.0.0.1:{port} failed ("),
])
def test_smtp_security_the_relay_does_not_speak(security: str, reason: str,
                                                settings: Settings) -> None:
    smtp = _checks(settings.model_copy(update={"smtp_security": SmtpSecurity(security)}))["smtp"]
    assert smtp.startswith(reason.format(port=settings.smtp_port))


def test_redis_refusing_the_password(settings: Settings, tmp_path: Path) -> None:
    server = RestartableRedis(tmp_path)
    server.start()
    admin = redis.Redis.from_url(server.url())
    admin.config_set("requirepass", "the-right-password")
    try:
        wrong = server.url(6).replace("redis://", "redis://:a-wrong-password@")
        result = _checks(settings.model_copy(update={"redis_url": wrong}))["redis"]
    finally:
        admin.auth("the-right-password")
        admin.config_set("requirepass", "")
        admin.close()
        server.stop()
    assert result.startswith(f"127.0.0.1:{server.port} refused the credentials in "
                             "RECONNECT_REDIS_URL (")
    assert "password" not in result.replace("username-password pair", "")


@pytest.mark.parametrize("backend", BACKENDS)
def test_database_stopped(backend: str, settings: Settings, start_app: StartApp,
                          tmp_path: Path) -> None:
    if backend == "postgres":  # a server that is not there: the API starts all the same
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/ready_b"
        client = start_app(settings.model_copy(update={"database_url": url}))
        status, checks = _ready(client)
        assert checks["database"].startswith("unreachable: ")
        assert "Connection refused" in checks["database"]
        assert checks.pop("programs").startswith("not loaded yet")  # the API started anyway
    else:
        folder = tmp_path / "db"
        folder.mkdir()
        with database_at("head", folder / "r.db") as url:
            client = start_app(settings.model_copy(update={"database_url": url}))
            assert _ready(client) == (200, ALL_OK)
            shutil.rmtree(folder)
            status, checks = _ready(client)
            assert checks["database"] == f"unreachable: no database file at {folder / 'r.db'}"
            (folder / "r.db").mkdir(parents=True)  # there, but no database can open it
            status, checks = _ready(client)
            assert checks["database"] == "unreachable: unable to open database file"
    assert status == 503
    assert checks == {**ALL_OK, "database": checks["database"],
                      "migrations": "unknown: the database is unreachable"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_behind(backend: str, settings: Settings, start_app: StartApp,
                           tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with database_at(PREVIOUS, tmp_path / "behind.db", backend) as url:
        client = start_app(settings.model_copy(update={"database_url": url}))
        status, checks = _ready(client)
    assert status == 503
    assert {k: checks[k] for k in ALL_OK} == {
        **ALL_OK, "migrations": f"behind: at {PREVIOUS}, head is {HEAD}; "
                                "run `reconnect db upgrade`"}
    # The API started anyway, and said why it is not ready.
    assert [r.getMessage() for r in caplog.records
            if r.name == "api.health" and r.levelno == logging.ERROR] == [
        f"The database is behind on migrations (at {PREVIOUS}, latest {HEAD}). Run "
        "`reconnect db upgrade` (with Docker: `docker compose run --rm migrate`); until "
        "then /readyz answers 503."]


def test_healthz_answers_with_every_dependency_down(settings: Settings, start_app: StartApp,
                                                     tmp_path: Path) -> None:
    dead = settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gone' / 'r.db'}",
        "redis_url": f"redis://127.0.0.1:{free_port()}/6", "smtp_port": free_port()})
    client = start_app(dead)
    assert client.get("/healthz").json() == {"status": "ok"}
    status, checks = _ready(client)
    assert status == 503
    assert all(result != "ok" for result in checks.values())
    assert checks["programs"].startswith("not loaded yet")  # loaded once the database is
    page = client.get("/")
    assert (page.status_code, page.headers["retry-after"]) == (503, "30")


def test_the_api_serves_once_the_database_is_migrated(settings: Settings, start_app: StartApp,
                                                      tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    client = start_app(settings.model_copy(update={"database_url": url}))
    status, checks = _ready(client)
    assert status == 503
    assert checks["migrations"] == (f"not migrated: the database has no schema yet (head is "
                                    f"{HEAD}); run `reconnect db upgrade`")
    assert client.get("/").status_code == 503
    upgrade(url)  # what `reconnect db upgrade` does; no restart needed
    wait_until(lambda: _ready(client) == (200, ALL_OK))
    assert client.get("/").status_code == 200


def test_programs_that_never_validated_wait_for_a_fix_once_the_database_is_usable(
        settings: Settings, start_app: StartApp, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    programs = tmp_path / "program"
    shutil.copytree(PROJECT_ROOT / "program" / "main", programs / "main")
    welcome = programs / "main" / "stages" / "welcome.md"
    good = welcome.read_text(encoding="utf-8")
    welcome.write_text(good.replace("{{ first_name }}", "{{ firstname }}"), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'new.db'}"
    client = start_app(settings.model_copy(update={"database_url": url,
                                                   "program_dir": programs}))
    caplog.set_level(logging.ERROR, logger="api.health")
    upgrade(url)
    wait_until(lambda: any("do not validate" in r.getMessage() for r in caplog.records))
    assert client.get("/").status_code == 503  # still waiting, not stuck or crashed
    welcome.write_text(good, encoding="utf-8")
    wait_until(lambda: _ready(client) == (200, ALL_OK))
    assert client.get("/").status_code == 200


def test_reasons_never_show_passwords(settings: Settings) -> None:
    secretive = settings.model_copy(update={
        "redis_url": f"redis://:s3cret-redis-pass@127.0.0.1:{free_port()}/6",
        "database_url": f"postgresql+psycopg://u:s3cret-db-pass@127.0.0.1:{free_port()}/x"})
    reasons = " ".join(_checks(secretive).values())
    assert "unreachable" in reasons
    assert "s3cret" not in reasons


@pytest.mark.parametrize("role", ["worker", "beat"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_worker_and_beat_refuse_a_database_behind(role: str, backend: str, settings: Settings,
                                                  tmp_path: Path) -> None:
    with database_at(PREVIOUS, tmp_path / "behind.db", backend) as url:
        env = {**worker_env(settings, url), "PYTHONPATH": str(PROJECT_ROOT)}
        extra = ["--schedule", str(tmp_path / "schedule")] if role == "beat" else ["-P", "solo"]
        done = subprocess.run([sys.executable, "-m", "celery", "-A", "tasks.worker", role,
                               *extra], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.rstrip().endswith(
        f"The database is behind on migrations (at {PREVIOUS}, latest {HEAD}). Run "
        "`reconnect db upgrade` (with Docker: `docker compose run --rm migrate`), then "
        f"start the {role} again.")
    assert "Traceback" not in done.stderr


def test_the_ready_command_prints_each_check(settings: Settings, tmp_path: Path) -> None:
    with database_at(PREVIOUS, tmp_path / "behind.db") as url:
        env = {**worker_env(settings, url), "PYTHONPATH": str(PROJECT_ROOT)}
        done = subprocess.run([sys.executable, "-m", "cli", "ready"], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=60,
                              check=False)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "✓ database    ok",
        f"✗ migrations  behind: at {PREVIOUS}, head is {HEAD}; run `reconnect db upgrade`",
        "✓ redis       ok", "✓ smtp        ok", "Not ready."]
