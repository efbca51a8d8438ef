"""Fault tests: real worker processes, killed mid-batch; nothing is ever lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.deliveries.repository import DeliveryRepository
from reconnect.deliveries.service import dispatch_due, reap_stale
from reconnect.models import Delivery, DeliveryStatus
from reconnect.runtime import Runtime, build_runtime
from reconnect.settings import PROJECT_ROOT, Settings
from tasks.celery_app import CelerySender, make_celery
from tests.support.flows import signup_body
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

COUPLES = 15  # 30 confirmation emails


@pytest.fixture
def clock() -> ManualClock:
    # Worker processes run on the system clock; the test's clock starts there too.
    return ManualClock(datetime.now(UTC))


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    # A Redis database of its own, so the in-process test worker never takes these jobs.
    url = str(base_settings.redis_url).rsplit("/", 1)[0] + "/7"
    return base_settings.model_copy(update={"redis_url": url})


def _start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONNECT_")}
    env.update(RECONNECT_ENV="test", RECONNECT_SECRET_KEY=settings.secret_key,
               RECONNECT_DATABASE_URL=settings.database_url,
               RECONNECT_REDIS_URL=str(settings.redis_url),
               RECONNECT_SMTP_HOST=settings.smtp_host, RECONNECT_SMTP_PORT=str(settings.smtp_port),
               RECONNECT_MAIL_FROM=settings.mail_from, RECONNECT_BASE_URL=settings.base_url)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks.worker", "worker", "--concurrency", "2",
         "--loglevel", "WARNING", "--without-mingle", "--without-gossip", "-n",
         f"fault{os.getpid()}@%h"],
        cwd=PROJECT_ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def workers(settings: Settings) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _statuses(runtime: Runtime) -> dict[int, DeliveryStatus]:
    with runtime.read_session() as session:
        rows = session.query(Delivery.id, Delivery.status).all()
    return {row_id: status for row_id, status in rows}


def test_a_worker_killed_mid_batch_loses_nothing(
        client: TestClient, runtime: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        settings: Settings, workers: list[subprocess.Popen[bytes]]) -> None:
    for i in range(COUPLES):
        client.post("/api/v1/signups", json=signup_body(
            email=f"a{i}@example.org", partner_email=f"b{i}@example.org"))
    sender_rt = build_runtime(settings, clock=clock,
                              sender=CelerySender(make_celery(settings)))
    smtp_sink.handler.delay = 0.15
    try:
        workers.append(_start_worker(settings))
        dispatch_due(sender_rt)
        smtp_sink.wait_count(5, timeout=60)
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        at_kill = _statuses(runtime)
        sending_at_kill = {i for i, s in at_kill.items() if s is DeliveryStatus.SENDING}

        smtp_sink.handler.delay = 0.0
        workers.append(_start_worker(settings))
        # The reaper, one claim timeout later, hands abandoned rows back to the queue.
        clock.set(datetime.now(UTC) + timedelta(seconds=settings.claim_timeout_seconds + 1))
        reap_stale(sender_rt)
        dispatch_due(sender_rt)
        wait_until(lambda: all(s is DeliveryStatus.SENT for s in _statuses(runtime).values()),
                   timeout=90)
    finally:
        sender_rt.engine.dispose()

    received = Counter(m.to for m in smtp_sink.messages)
    expected = {f"{p}{i}@example.org" for i in range(COUPLES) for p in "ab"}
    assert set(received) == expected  # nothing lost
    duplicated = {address for address, count in received.items() if count > 1}
    # Only a message that was being handed to SMTP at the kill may arrive twice.
    with runtime.read_session() as session:
        repo = DeliveryRepository(session)
        window = set()
        for delivery_id in sending_at_kill:
            row = repo.get(delivery_id)
            assert row is not None
            window.add(row.partner_id)
    assert len(duplicated) <= len(window)
