"""Fault tests run the delivery engine as production does: real worker processes, real
Redis, a real SMTP server, the test database. Then they break one part and check that
every due email still arrives exactly once (docs/delivery.md, "The guarantee")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime, build_runtime
from reconnect.settings import Settings
from tasks.celery_app import CelerySender, make_celery
from tests.support.processes import Workers


@pytest.fixture
def clock() -> ManualClock:
    # Worker processes run on the system clock; the test's clock starts there too.
    return ManualClock(datetime.now(UTC))


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    # A Redis database of its own, so the in-process test worker never takes these jobs.
    assert base_settings.redis_url is not None
    url = base_settings.redis_url.rsplit("/", 1)[0] + "/7"
    return base_settings.model_copy(update={"redis_url": url})


@pytest.fixture
def workers(runtime: Runtime, tmp_path: Path) -> Iterator[Workers]:
    """Worker processes for this test (their logs are in tmp_path), all stopped when it
    ends, pass or fail, while its database and Redis are still there."""
    started = Workers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture
def dispatcher(runtime: Runtime, settings: Settings, clock: ManualClock) -> Iterator[Runtime]:
    """What beat's dispatcher and reaper ticks run on, on the test's clock: the jobs it
    queues go to the real Redis, where the worker processes take them."""
    app = make_celery(settings)
    rt = build_runtime(settings, clock=clock, sender=CelerySender(app))
    try:
        yield rt
    finally:
        rt.close()
        app.close()
