"""Redis goes away while the API serves: signups, the admin API and /metrics keep
answering. Rate limits and the admin lockout continue per process (said once in the log),
jobs wait for the sweep, and nothing answers 500."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from api.main import create_app
from reconnect.clock import ManualClock
from reconnect.models import SignupRequest
from reconnect.runtime import Runtime, build_runtime
from reconnect.settings import Settings
from reconnect.signups import service as signups
from reconnect.signups.service import SWEEP_AFTER
from tasks.celery_app import CelerySender, make_celery
from tests.support.admin import ADMIN_TOKEN, BEARER
from tests.support.flows import ANA, partner, signup_body
from tests.support.processes import RestartableRedis
from tests.support.wait import wait_until

pytestmark = [pytest.mark.fault, pytest.mark.process, pytest.mark.timeout(120)]

# Each request may try Redis once (half a second) before the fallback takes over.
ANSWER_LIMIT = 3.0


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    server = RestartableRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def settings(base_settings: Settings, own_redis: RestartableRedis) -> Settings:
    return base_settings.model_copy(update={
        "redis_url": own_redis.url(), "admin_token": ADMIN_TOKEN,
        "signup_limit_per_client": "5/minute"})


@pytest.fixture
def api(runtime: Runtime, settings: Settings, clock: ManualClock) -> Iterator[TestClient]:
    """The API as production wires it: jobs go to Celery over the same Redis."""
    app: Celery = make_celery(settings)
    rt = build_runtime(settings, clock=clock, sender=CelerySender(app))
    rt.load_programs()
    try:
        with TestClient(create_app(rt)) as client:
            yield client
    finally:
        rt.close()
        app.close()


def _timed(call: object) -> tuple[int, float]:
    started = time.monotonic()
    response = call()  # type: ignore[operator]
    return response.status_code, time.monotonic() - started


def test_signups_keep_answering_and_are_kept(
        api: TestClient, runtime: Runtime, own_redis: RestartableRedis,
        clock: ManualClock) -> None:
    own_redis.stop()
    status, seconds = _timed(lambda: api.post("/api/v1/signups", json=signup_body()))
    assert (status, seconds < ANSWER_LIMIT) == (202, True)
    status, seconds = _timed(lambda: api.post("/", data={**signup_body(
        email="cy@example.org", partner_email=None, partner_first_name=None),
        "send_hour": "7"}))
    assert (status, seconds < ANSWER_LIMIT) == (200, True)
    # Kept as received, their jobs unsent; the sweep takes them once beat runs again.
    assert _waiting_signups(runtime) == 2
    clock.advance(SWEEP_AFTER + timedelta(seconds=1))
    assert signups.process_waiting(runtime) == 2
    assert partner(runtime, ANA).email == ANA


def _waiting_signups(runtime: Runtime) -> int:
    with runtime.read_session() as session:
        return int(session.execute(select(func.count()).select_from(SignupRequest))
                   .scalar_one())


def test_the_signup_limit_still_holds_per_process(
        api: TestClient, own_redis: RestartableRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    own_redis.stop()
    statuses = [api.post("/api/v1/signups", json=signup_body(
        email=f"p{n}@example.org", partner_email=None, partner_first_name=None)).status_code
        for n in range(7)]
    assert statuses == [202] * 5 + [429] * 2
    told = [r for r in caplog.records if "kept in this process" in r.getMessage()]
    assert len(told) == 1


def test_the_admin_api_answers_and_its_lockout_holds(
        api: TestClient, own_redis: RestartableRedis) -> None:
    own_redis.stop()
    assert api.get("/api/v1/admin/queue", headers=BEARER).status_code == 200
    wrong = {"Authorization": "Bearer wrong-token-wrong-token-wrong"}
    statuses = [api.get("/api/v1/admin/queue", headers=wrong).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    assert api.get("/api/v1/admin/queue", headers=BEARER).status_code == 429


def test_metrics_are_served_saying_the_store_is_away(
        api: TestClient, own_redis: RestartableRedis) -> None:
    own_redis.stop()
    response = api.get("/metrics", headers=BEARER)
    assert response.status_code == 200
    samples = {s.name: s.value for f in text_string_to_metric_families(response.text)
               for s in f.samples}
    assert samples["reconnect_metrics_store_up"] == 0
    assert samples["reconnect_database_up"] == 1


def test_limits_are_shared_again_once_redis_is_back(
        api: TestClient, own_redis: RestartableRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="reconnect.ratelimit")
    own_redis.stop()
    api.post("/api/v1/signups", json=signup_body())
    own_redis.start()
    # The next look at Redis is at most RETRY_REDIS_SECONDS after it went away.
    from reconnect import ratelimit

    ratelimit.RETRY_REDIS_SECONDS = 0.0
    try:
        wait_until(lambda: api.post("/api/v1/signups", json=signup_body(
            email="back@example.org", partner_email=None,
            partner_first_name=None)).status_code == 202 and any(
            "through Redis again" in r.getMessage() for r in caplog.records), timeout=10)
    finally:
        ratelimit.RETRY_REDIS_SECONDS = 10.0
