"""A messages-per-second cap per SMTP relay, honoured by all workers together."""

from __future__ import annotations

import time

import pytest
import redis
from fastapi.testclient import TestClient

from reconnect.mail.throttle import SendThrottle
from reconnect.runtime import Runtime
from reconnect.sending.service import dispatch_due
from reconnect.settings import Settings
from tests.support.flows import in_flight, signup_body, signups_settled
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

RATE = 5.0


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"smtp_max_per_second": RATE})


def _throttle(redis_url: str, relay: str = "relay.test:25") -> SendThrottle:
    return SendThrottle(redis.Redis.from_url(redis_url), relay, RATE)


def test_one_seconds_worth_of_sends_may_go_at_once(runtime: Runtime, redis_url: str) -> None:
    grant = _throttle(redis_url).acquire(8)
    assert grant.granted == 5
    assert 0 < grant.retry_after <= 3 / RATE + 0.05


def test_the_cap_is_shared_by_every_worker(runtime: Runtime, redis_url: str) -> None:
    first, second = _throttle(redis_url), _throttle(redis_url)
    assert first.acquire(3).granted == 3
    assert second.acquire(3).granted == 2
    assert first.acquire(1).granted == 0


def test_each_relay_has_its_own_cap(runtime: Runtime, redis_url: str) -> None:
    assert _throttle(redis_url, "a.test:25").acquire(5).granted == 5
    assert _throttle(redis_url, "b.test:25").acquire(5).granted == 5


def test_sends_become_available_again_as_time_passes(runtime: Runtime, redis_url: str) -> None:
    throttle = _throttle(redis_url)
    throttle.acquire(5)
    time.sleep(2 / RATE + 0.05)
    assert throttle.acquire(5).granted == 2


@pytest.mark.usefixtures("worker")
def test_a_burst_over_the_cap_is_spread_out_and_nothing_is_lost(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    for i in range(6):
        client.post("/api/v1/signups", json=signup_body(
            email=f"a{i}@example.org", partner_email=f"b{i}@example.org"))
    signups_settled(runtime)  # the worker's signup jobs have made all twelve due
    dispatch_due(runtime)
    smtp_sink.wait_count(1)
    started = time.monotonic()
    smtp_sink.wait_count(12, timeout=30)
    elapsed = time.monotonic() - started
    wait_until(lambda: not in_flight(runtime))
    # 5 at once, then one every 0.2 s: the last of 12 about 1.4 s after the first.
    assert elapsed >= (12 - 5) / RATE - 0.3
    assert len({m.to for m in smtp_sink.messages}) == 12


def test_under_a_cap_a_tick_claims_only_what_the_cap_lets_out_before_the_next(
        client: TestClient, runtime: Runtime) -> None:
    for i in range(30):
        client.post("/api/v1/signups", json=signup_body(
            email=f"p{i}@example.org", partner_email=None, partner_first_name=None))
    per_tick = int(RATE * runtime.settings.dispatch_interval_seconds)
    assert len(dispatch_due(runtime)) == per_tick
