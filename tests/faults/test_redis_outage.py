"""Redis loses the queued jobs (a restart without persistence, or FLUSHALL): their rows
stay claimed, the reaper returns them, and each email still arrives exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from reconnect.clock import ManualClock
from reconnect.runtime import Runtime
from reconnect.sending.service import DELIVER_BATCH, dispatch_due
from reconnect.settings import Settings
from tests.support.delivery_checks import (
    S,
    all_in,
    assert_each_arrived_once,
    reap_after_claim_timeout,
    sign_up_couples,
    wait_for_rows,
)
from tests.support.processes import RestartableRedis, Workers
from tests.support.smtp import SmtpSink
from tests.support.wait import wait_until

pytestmark = pytest.mark.timeout(60)

# 100 emails make four deliver jobs: the worker's two children run two, two wait in Redis.
COUPLES = 2 * DELIVER_BATCH
QUEUE = "celery"


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
    return base_settings.model_copy(update={"redis_url": own_redis.url()})


def _restart(server: RestartableRedis) -> None:
    server.restart()


def _flushall(server: RestartableRedis) -> None:
    with redis.Redis.from_url(server.url()) as client:
        client.flushall()


@pytest.mark.parametrize("lose_jobs", [_restart, _flushall], ids=["restart", "flushall"])
def test_jobs_lost_by_redis_are_reaped_and_each_email_arrives_once(
        lose_jobs: Callable[[RestartableRedis], None], own_redis: RestartableRedis,
        client: TestClient, dispatcher: Runtime, smtp_sink: SmtpSink, clock: ManualClock,
        workers: Workers) -> None:
    expected = sign_up_couples(client, COUPLES)
    smtp_sink.handler.delay = 0.05
    worker = workers.start(dispatcher.settings)
    dispatch_due(dispatcher)
    smtp_sink.wait_count(3, timeout=20)
    with redis.Redis.from_url(own_redis.url()) as queue:
        assert queue.llen(QUEUE) > 0, "jobs should be waiting in Redis"
    lose_jobs(own_redis)

    # The batches the worker was running finish; the jobs that waited are gone, and
    # their rows stay claimed with nobody to send them.
    def only_orphans_left(found: dict[int, S]) -> bool:
        return all(s in (S.SENT, S.CLAIMED) for s in found.values()) \
            and sum(s is S.SENT for s in found.values()) == len(smtp_sink.messages)

    orphans = wait_for_rows(dispatcher, only_orphans_left, timeout=20,
                            what="running batches finished")
    claimed = [i for i, s in orphans.items() if s is S.CLAIMED]
    assert claimed, "some jobs should have been lost"
    smtp_sink.handler.delay = 0.0

    assert reap_after_claim_timeout(dispatcher, clock) == len(claimed)
    dispatch_due(dispatcher)
    # The same worker, reconnected by itself, sends what the reaper handed back.
    wait_for_rows(dispatcher, all_in(S.SENT), timeout=30, what="all sent after the reaper")
    assert worker.alive()
    assert len(workers.started) == 1
    wait_until(lambda: len(smtp_sink.messages) >= len(expected), timeout=5)
    assert_each_arrived_once(smtp_sink, expected)
