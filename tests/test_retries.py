"""Transient failures come back later, spread out; the attempt limit ends the trying."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.retry import retry_delay
from reconnect.models import DeliveryKind, DeliveryStatus
from reconnect.runtime import Runtime
from reconnect.settings import Settings
from tests.support.flows import ANA, deliveries, enrol, send_due_now, signup_body
from tests.support.smtp import SmtpSink

S = DeliveryStatus


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"delivery_max_attempts": 3})


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 8])
def test_each_retry_waits_between_half_and_all_of_the_doubled_backoff(attempt: int) -> None:
    ceiling = min(3600.0, 60.0 * 2 ** (attempt - 1))
    waits = {retry_delay(attempt, 60.0, 3600.0).total_seconds() for _ in range(200)}
    assert min(waits) >= ceiling / 2
    assert max(waits) <= ceiling


def test_retries_of_a_batch_that_failed_together_are_spread_out() -> None:
    waits = {retry_delay(3, 60.0, 3600.0) for _ in range(50)}
    assert len(waits) > 40


def test_the_backoff_never_exceeds_its_cap() -> None:
    assert retry_delay(30, 60.0, 600.0) <= timedelta(seconds=600)


def test_a_delivery_that_keeps_failing_temporarily_fails_after_the_attempt_limit(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    body = signup_body(partner_email=None, partner_first_name=None)
    assert client.post("/api/v1/signups", json=body).status_code == 202
    smtp_sink.handler.reply_override = "451 4.7.1 greylisted"
    outcomes = []
    for _ in range(3):
        [outcome] = send_due_now(runtime).values()
        outcomes.append(outcome.value)
        clock.advance(timedelta(days=1))
    assert outcomes == ["retry", "retry", "failed"]
    [row] = deliveries(runtime, ANA)
    assert row.status is S.FAILED
    assert row.attempts == 3
    assert row.last_error is not None
    assert "451" in row.last_error


def test_a_stage_that_exhausts_its_attempts_still_lets_the_program_go_on(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink)
    smtp_sink.handler.reply_override = "421 4.3.2 service not available"
    for _ in range(3):
        clock.advance(timedelta(days=1))
        send_due_now(runtime)
    stages = {d.key: d for d in deliveries(runtime, ANA) if d.kind is DeliveryKind.STAGE}
    assert stages["welcome"].status is S.FAILED
    assert stages["acknowledge"].status is S.SCHEDULED
