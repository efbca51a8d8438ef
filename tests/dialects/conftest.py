"""Every repository method that branches on the database dialect runs here against both
databases, SQLite and PostgreSQL, in one pytest run: in `make test` on a developer's
machine (SQLite for the rest of the suite) and in CI (PostgreSQL for the rest), so each
branch is exercised in both places (docs/architecture.md, "Both databases")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from reconnect.clock import ManualClock
from reconnect.db.migrate import rebuild
from reconnect.runtime import Runtime, build_runtime, set_runtime
from reconnect.settings import Settings
from tests.support.databases import empty_tables, postgres_url
from tests.support.jobs import SignupsAtOnce
from tests.support.smtp import SmtpSink


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def dialect_url(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('dialects') / 'reconnect.db'}"
    else:
        found = postgres_url()
        if found is None:
            pytest.skip("no PostgreSQL server answers (set RECONNECT_DIALECT_POSTGRES_URL)")
        url = found
    rebuild(url)
    return url


@pytest.fixture
def dialect_runtime(dialect_url: str, base_settings: Settings, clock: ManualClock,
                    smtp_sink: SmtpSink) -> Iterator[Runtime]:
    """A runtime on the parametrised database, driven step by step (a signup's job runs
    at once; other jobs go nowhere)."""
    empty_tables(dialect_url)
    smtp_sink.clear()
    settings = base_settings.model_copy(update={"database_url": dialect_url})
    jobs = SignupsAtOnce()
    rt = build_runtime(settings, clock=clock, sender=jobs)
    jobs.runtime = rt
    rt.load_programs()
    set_runtime(rt)
    yield rt
    set_runtime(None)
    rt.close()


@pytest.fixture
def dialect_client(dialect_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(dialect_runtime), follow_redirects=False) as test_client:
        yield test_client
