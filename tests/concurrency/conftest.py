"""Concurrency tests drive a real API server process (two uvicorn workers) on the test's
database: Postgres in CI, SQLite locally, with a worker process of its own. Their jobs go
to a Redis database of their own, so the in-process test worker never takes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.api_server import api_server
from tests.support.processes import Workers

ADMIN_TOKEN = "concurrency-admin-token-0123456789abcdef"


@pytest.fixture
def clock() -> ManualClock:
    # The server runs on the system clock; links made here must read as fresh there.
    return ManualClock(datetime.now(UTC))


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    assert base_settings.redis_url is not None
    url = base_settings.redis_url.rsplit("/", 1)[0] + "/6"
    return base_settings.model_copy(update={"redis_url": url, "admin_token": ADMIN_TOKEN})


@pytest.fixture
def server(runtime: Runtime, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """The API with a worker process beside it, as deployed: the worker processes the
    signups the API receives and sends what falls due."""
    workers = Workers(tmp_path)
    try:
        workers.start(settings, concurrency=1)
        with api_server(settings, tmp_path / "api.log") as base:
            yield base
    finally:
        workers.stop_all()
