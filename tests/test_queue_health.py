"""What code (and later the metrics) can read about the delivery queue."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.health import queue_health
from reconnect.models import DeliveryStatus
from reconnect.runtime import Runtime
from tests.support.flows import send_due_now, signup_body
from tests.support.smtp import SmtpSink

S = DeliveryStatus


def _health(runtime: Runtime) -> tuple[dict[DeliveryStatus, int], float]:
    with runtime.read_session() as session:
        health = queue_health(session, runtime.clock.now())
    return health.counts, health.lag_seconds


def test_an_empty_queue_reports_every_state_at_zero_and_no_lag(runtime: Runtime) -> None:
    counts, lag = _health(runtime)
    assert counts == dict.fromkeys(DeliveryStatus, 0)
    assert lag == 0.0


def test_the_lag_is_how_long_the_oldest_due_email_has_waited(
        client: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    client.post("/api/v1/signups", json=signup_body())
    clock.advance(timedelta(seconds=90))
    counts, lag = _health(runtime)
    assert counts[S.SCHEDULED] == 2
    assert lag == 90.0


def test_sent_emails_and_retries_not_yet_due_add_no_lag(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    client.post("/api/v1/signups", json=signup_body(partner_email=None,
                                                    partner_first_name=None))
    client.post("/api/v1/signups", json=signup_body(email="cy@example.org",
                                                    partner_email=None,
                                                    partner_first_name=None))
    smtp_sink.handler.refuse["cy@example.org"] = "451 4.7.1 later"
    send_due_now(runtime)
    counts, lag = _health(runtime)
    assert (counts[S.SENT], counts[S.SCHEDULED]) == (1, 1)
    assert lag == 0.0
