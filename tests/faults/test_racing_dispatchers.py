"""Two dispatchers and two worker processes racing over the same due rows: each email is
claimed once, sent once, and every row ends sent."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime, build_runtime
from reconnect.sending.service import dispatch_due
from reconnect.settings import Settings
from tasks.celery_app import CelerySender, make_celery
from tests.support.delivery_checks import (
    S,
    all_in,
    assert_each_arrived_once,
    sign_up_couples,
    statuses,
    wait_for_rows,
)
from tests.support.processes import Workers
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

pytestmark = pytest.mark.timeout(60)

COUPLES = 150  # 300 confirmation emails
# Small claims make many rounds of the race, and each claim is one deliver job. A full
# claim also queues another dispatch, so the workers join the race with their own.
BATCH = 10
DISPATCHERS = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The worker processes get the same batch size through their environment.
    return settings.model_copy(update={"dispatch_batch_size": BATCH})


def _dispatch_loop(settings: Settings, clock: ManualClock, start: threading.Barrier,
                   claimed: list[int], errors: list[BaseException]) -> None:
    """One dispatcher with its own runtime and engine, claiming until nothing is due."""
    app = make_celery(settings)
    rt = build_runtime(settings, clock=clock, sender=CelerySender(app))
    try:
        statuses(rt)  # connected before the race starts, so neither gets a head start
        start.wait(timeout=10)
        while any(s is S.SCHEDULED for s in statuses(rt).values()):
            claimed.extend(dispatch_due(rt))
    except BaseException as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        rt.close()
        app.close()


def test_racing_dispatchers_and_workers_send_every_email_exactly_once(
        client: TestClient, runtime: Runtime, settings: Settings, smtp_sink: SmtpSink,
        clock: ManualClock, workers: Workers) -> None:
    expected = sign_up_couples(client, COUPLES)
    for _ in range(2):
        workers.start(settings, wait=False)
    for worker in workers.started:
        worker.wait_ready()

    start = threading.Barrier(DISPATCHERS)
    claims: list[list[int]] = [[] for _ in range(DISPATCHERS)]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_dispatch_loop, args=(settings, clock, start, c, errors),
                                daemon=True) for c in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=40)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    assert all(claims), "both dispatchers should have taken part in the race"
    # Whatever one dispatcher claimed, the other did not.
    assert not set(claims[0]) & set(claims[1])
    wait_for_rows(runtime, all_in(S.SENT), timeout=40, what="all sent")
    wait_until(lambda: len(smtp_sink.messages) >= len(expected), timeout=5)
    assert_each_arrived_once(smtp_sink, expected)
    assert len(smtp_sink.messages) == len(expected)
