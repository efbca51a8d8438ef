"""Counters live in Redis, so separate processes (workers on other machines) add up, and
counts made while Redis is away are written once it is back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reconnect.metrics.events import Metrics
from reconnect.metrics.store import RedisStore
from reconnect.settings import PROJECT_ROOT, Settings
from tests.support.processes import RestartableRedis
from tests.test_metrics import TOKEN, scrape, value

PER_PROCESS = 300

_COUNTING = textwrap.dedent("""
    import sys
    from reconnect.metrics.events import Metrics
    from reconnect.metrics.store import RedisStore
    from reconnect.models import DeliveryKind

    metrics = Metrics(RedisStore.from_url(sys.argv[1]))
    for i in range(int(sys.argv[2])):
        if i % 2:
            metrics.email_sent(DeliveryKind.STAGE, "welcome")  # a write each
        else:
            with metrics.batch():  # two counts, one write
                metrics.email_sent(DeliveryKind.STAGE, "welcome")
                metrics.task_ran("reconnect.deliver", 0.07, failed=False)
""")


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy(update={"admin_token": TOKEN})


def test_counts_from_separate_processes_add_up(client: TestClient, settings: Settings) -> None:
    processes = [subprocess.Popen([sys.executable, "-c", _COUNTING, str(settings.redis_url),
                                   str(PER_PROCESS)], cwd=PROJECT_ROOT) for _ in range(2)]
    assert [p.wait(timeout=60) for p in processes] == [0, 0]
    samples = scrape(client)
    assert value(samples, "reconnect_emails_sent_total", kind="stage", stage="welcome") \
        == 2 * PER_PROCESS
    assert value(samples, "reconnect_task_duration_seconds_bucket", task="reconnect.deliver",
                 le="0.05") == 0
    assert value(samples, "reconnect_task_duration_seconds_bucket", task="reconnect.deliver",
                 le="0.1") == PER_PROCESS
    assert value(samples, "reconnect_task_duration_seconds_count",
                 task="reconnect.deliver") == PER_PROCESS
    assert value(samples, "reconnect_task_duration_seconds_sum",
                 task="reconnect.deliver") == pytest.approx(PER_PROCESS * 0.07)


def test_counts_made_while_redis_is_down_are_written_when_it_is_back(
        tmp_path: Path) -> None:
    server = RestartableRedis(tmp_path / "redis")
    server.start()
    try:
        metrics = Metrics(RedisStore.from_url(server.url(), retry_after=0.0))
        server.stop()
        metrics.signed_up("main", 2)  # kept in memory
        metrics.signed_up("main")
        server.start()
        metrics.confirmed("main")
        found = metrics.store.read(["reconnect:metrics:signups",
                                    "reconnect:metrics:confirmations"])
        assert found == {"reconnect:metrics:signups": {'["main"]': 3.0},
                         "reconnect:metrics:confirmations": {'["main"]': 1.0}}
        metrics.close()
    finally:
        server.stop()
