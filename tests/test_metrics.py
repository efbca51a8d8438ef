"""GET /metrics: what happened (counted in Redis by every process) and what is (read from
the database), for Prometheus, behind the admin token."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from api.main import create_app
from reconnect import jobs
from reconnect.clock import ManualClock
from reconnect.db.engine import make_engine, make_read_session_factory, make_session_factory
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.metrics.events import Metrics
from reconnect.metrics.store import RedisStore
from reconnect.models import Delivery
from reconnect.runtime import Runtime
from reconnect.sending.service import Outcome, reap_stale
from reconnect.settings import Settings
from tests.support.flows import (
    ANA,
    deliver_due,
    enrol,
    send_due_now,
    sign_up_and_confirm,
    signup_body,
)
from tests.support.links import reflect_paths
from tests.support.smtp import SmtpSink, free_port
from tests.support.wait import wait_until

TOKEN = "metrics-test-admin-token"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": TOKEN})


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_need_the_admin_token(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert right.headers["content-type"].startswith("text/plain; version=")


def test_without_an_admin_token_there_are_no_metrics(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"admin_token": None})
    with TestClient(create_app(runtime)) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
                          ).status_code == 404


def test_signups_and_confirmations_are_counted_once_saved(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink) -> None:
    assert value(scrape(client), "reconnect_signups_total", program="main") == 0
    enrol(client, runtime, smtp_sink)
    samples = scrape(client)
    assert value(samples, "reconnect_signups_total", program="main") == 1
    assert value(samples, "reconnect_confirmations_total", program="main") == 1
    # A couple is two new addresses; signing up again adds none.
    body = signup_body(email="cy@example.org", partner_email="di@example.org")
    assert client.post("/api/v1/signups", json=body).status_code == 202
    assert client.post("/api/v1/signups", json=body).status_code == 202
    assert value(scrape(client), "reconnect_signups_total", program="main") == 3


def test_a_rejected_signup_counts_nothing(client: TestClient) -> None:
    response = client.post("/api/v1/signups", json=signup_body(email="not an address"))
    assert response.status_code == 422
    samples = scrape(client)
    assert value(samples, "reconnect_signups_total", program="main") == 0
    assert value(samples, "reconnect_deliveries", state="scheduled") == 0


@pytest.mark.usefixtures("worker")
def test_emails_the_worker_sends_are_counted_by_stage_with_task_durations(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    sign_up_and_confirm(client, runtime, smtp_sink)
    wait_until(lambda: value(scrape(client), "reconnect_emails_sent_total",
                             kind="confirmation", stage="") == 2)
    clock.advance(timedelta(days=1))
    deliver_due(runtime, smtp_sink, 2)
    wait_until(lambda: value(scrape(client), "reconnect_emails_sent_total",
                             kind="stage", stage="welcome") == 2)
    runtime.sender.send(jobs.DISPATCH_DUE, ())
    wait_until(lambda: value(scrape(client), "reconnect_task_duration_seconds_count",
                             task=jobs.DISPATCH_DUE) >= 1)
    samples = scrape(client)
    assert value(samples, "reconnect_task_duration_seconds_count", task=jobs.DELIVER) >= 2
    assert value(samples, "reconnect_task_duration_seconds_bucket", task=jobs.DELIVER,
                 le="+Inf") == value(samples, "reconnect_task_duration_seconds_count",
                                     task=jobs.DELIVER)
    assert value(samples, "reconnect_task_duration_seconds_sum", task=jobs.DELIVER) > 0
    assert value(samples, "reconnect_task_failures_total", task=jobs.DELIVER) == 0
    assert value(samples, "reconnect_emails_failed_total", kind="stage", stage="welcome",
                 permanence="permanent") == 0
    assert value(samples, "reconnect_deliveries", state="sent") == 4


@pytest.mark.usefixtures("worker")
def test_a_saved_reflection_is_counted_by_stage_once(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    sign_up_and_confirm(client, runtime, smtp_sink)
    clock.advance(timedelta(days=1))
    welcome = {m.to: m for m in deliver_due(runtime, smtp_sink, 2)}[ANA]
    path = urlsplit(reflect_paths(welcome)[0]).path
    assert client.post(path, data={"answer": "2"}).status_code == 200
    assert client.post(path, data={"answer": "4"}).status_code == 200  # a change
    samples = scrape(client)
    assert value(samples, "reconnect_reflections_recorded_total", stage="welcome") == 1


def test_retries_refusals_and_suppression_are_counted(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock) -> None:
    enrol(client, runtime, smtp_sink)
    smtp_sink.handler.reply_override = "451 4.7.1 try again later"
    clock.advance(timedelta(days=1))
    assert list(send_due_now(runtime).values()) == [Outcome.RETRY]
    samples = scrape(client)
    assert value(samples, "reconnect_delivery_retries_total", kind="stage",
                 stage="welcome") == 1
    assert value(samples, "reconnect_emails_failed_total", kind="stage", stage="welcome",
                 permanence="permanent") == 0

    smtp_sink.handler.reply_override = "550 5.1.1 mailbox unavailable"
    clock.advance(timedelta(days=1))
    assert list(send_due_now(runtime).values()) == [Outcome.FAILED]
    samples = scrape(client)
    assert value(samples, "reconnect_emails_failed_total", kind="stage", stage="welcome",
                 permanence="permanent") == 1
    assert value(samples, "reconnect_addresses_suppressed_total") == 0

    clock.advance(timedelta(days=7))
    assert list(send_due_now(runtime).values()) == [Outcome.FAILED]
    samples = scrape(client)
    assert value(samples, "reconnect_emails_failed_total", kind="stage", stage="acknowledge",
                 permanence="permanent") == 1
    assert value(samples, "reconnect_addresses_suppressed_total") == 1
    assert value(samples, "reconnect_suppressed_addresses") == 1
    assert value(samples, "reconnect_emails_sent_total", kind="stage", stage="welcome") == 0


def test_an_email_the_reaper_gives_up_on_counts_as_a_temporary_failure(
        client: TestClient, runtime: Runtime, clock: ManualClock) -> None:
    body = signup_body(partner_email=None, partner_first_name=None)
    assert client.post("/api/v1/signups", json=body).status_code == 202
    with runtime.unit_of_work() as uow:
        assert len(DeliveryRepository(uow.session).claim_due(clock.now(), 10)) == 1
        # As if workers had died with it every time it was tried.
        uow.session.execute(update(Delivery).values(
            attempts=runtime.settings.delivery_max_attempts))
    clock.advance(timedelta(seconds=runtime.settings.claim_timeout_seconds + 1))
    reap_stale(runtime)
    samples = scrape(client)
    assert value(samples, "reconnect_emails_failed_total", kind="confirmation", stage="",
                 permanence="temporary") == 1
    assert value(samples, "reconnect_deliveries", state="failed") == 1


def test_the_queue_gauges_read_the_database(client: TestClient, clock: ManualClock) -> None:
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    clock.advance(timedelta(seconds=90))
    samples = scrape(client)
    assert value(samples, "reconnect_deliveries", state="scheduled") == 2
    assert value(samples, "reconnect_deliveries", state="sent") == 0
    assert ("reconnect_deliveries", frozenset({("state", "held")})) in samples
    assert value(samples, "reconnect_dispatch_lag_seconds") == 90
    assert value(samples, "reconnect_suppressed_addresses") == 0


def test_sending_goes_on_when_the_metrics_redis_is_down(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink,
        caplog: pytest.LogCaptureFixture) -> None:
    runtime.metrics = Metrics(RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0"))
    with caplog.at_level(logging.WARNING, logger="reconnect.metrics.store"):
        enrol(client, runtime, smtp_sink)  # a signup, an email, a confirmation
        assert client.post("/api/v1/signups", json=signup_body(
            email="cy@example.org", partner_email=None, partner_first_name=None)
        ).status_code == 202
        assert list(send_due_now(runtime).values()) == [Outcome.SENT]
    warnings = [r for r in caplog.records if r.name == "reconnect.metrics.store"]
    assert len(warnings) == 1
    samples = scrape(client)
    assert value(samples, "reconnect_metrics_store_up") == 0
    assert value(samples, "reconnect_deliveries", state="sent") == 2
    assert ("reconnect_signups_total", frozenset({("program", "main")})) not in samples


def test_counters_are_still_served_while_the_database_is_down(
        client: TestClient, runtime: Runtime) -> None:
    assert client.post("/api/v1/signups", json=signup_body()).status_code == 202
    # The same API process, its database gone (a server no longer listening).
    gone = make_engine(f"postgresql+psycopg://x@127.0.0.1:{free_port()}/x")
    client.app.state.runtime = replace(  # type: ignore[attr-defined]
        runtime, engine=gone, session_factory=make_session_factory(gone),
        read_factory=make_read_session_factory(gone))
    samples = scrape(client)
    assert value(samples, "reconnect_database_up") == 0
    assert value(samples, "reconnect_signups_total", program="main") == 2
    assert ("reconnect_dispatch_lag_seconds", frozenset()) not in samples
