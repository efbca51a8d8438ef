"""One beat across machines: the holder of a lock in Redis ticks, any other beat stands
by, and takes over when the leader dies. Two real beat processes on a Redis of the test's
own; which one dispatched is read off the queued messages' origin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from reconnect.db.migrate import upgrade
from reconnect.leader import LeaderLock
from reconnect.settings import PROJECT_ROOT
from tests.support.entrypoints import base_env, scratch_database
from tests.support.processes import RestartableRedis

LOCK_SECONDS = 2.0
SECRET = "beat-leader-test-secret-" + "y" * 32


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    server = RestartableRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def test_one_process_holds_the_lock_and_another_takes_it_when_it_lapses(
        own_redis: RestartableRedis) -> None:
    client = redis.Redis.from_url(own_redis.url())
    first = LeaderLock(client, "test:leader", LOCK_SECONDS)
    second = LeaderLock(client, "test:leader", LOCK_SECONDS)
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # renewing is holding
    time.sleep(LOCK_SECONDS + 0.2)  # the first stopped renewing (it died)
    assert second.hold()
    assert not first.hold()  # and cannot come back while the second leads
    second.release()
    assert first.hold()  # a clean stop hands over at once


def test_an_unreachable_redis_means_standing_by(own_redis: RestartableRedis) -> None:
    lock = LeaderLock(redis.Redis.from_url(own_redis.url(), socket_timeout=0.5,
                                           socket_connect_timeout=0.5), "test:leader", 2)
    assert lock.hold()
    own_redis.stop()
    assert not lock.hold()


def _dispatch_origins(client: redis.Redis) -> list[str]:
    """Who sent each queued dispatch tick (Celery's ``origin`` header: gen<pid>@host)."""
    found = []
    queued = client.lrange("celery", 0, -1)
    assert isinstance(queued, list)
    for raw in queued:
        headers = json.loads(raw)["headers"]
        if headers["task"] == "reconnect.dispatch_due":
            found.append(str(headers["origin"]).partition("@")[0].removeprefix("gen"))
    return found


def _beat(env: dict[str, str], log: Path, schedule: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks.worker", "--quiet", "beat",
             "--loglevel", "INFO", "--schedule", str(schedule)],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)


def _wait_for(check: object, timeout: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not within {timeout}s\n" +
                         "\n".join(p.read_text()[-2000:] for p in logs))


def test_two_beats_tick_as_one_and_the_standby_takes_over_when_the_leader_dies(
        own_redis: RestartableRedis, database_url: str, tmp_path: Path) -> None:
    with scratch_database(database_url, tmp_path) as url:
        upgrade(url)
        env = base_env(RECONNECT_ENV="test", RECONNECT_SECRET_KEY=SECRET,
                       RECONNECT_DATABASE_URL=url, RECONNECT_REDIS_URL=own_redis.url(),
                       RECONNECT_DISPATCH_INTERVAL_SECONDS="0.5",
                       RECONNECT_BEAT_LOCK_SECONDS=str(LOCK_SECONDS))
        client = redis.Redis.from_url(own_redis.url())
        logs = [tmp_path / "beat-1.log", tmp_path / "beat-2.log"]
        beats = [_beat(env, logs[n], tmp_path / f"schedule-{n}") for n in range(2)]
        try:
            _wait_for(lambda: len(_dispatch_origins(client)) >= 6, 30, "six ticks", logs)
            time.sleep(2)  # both beats are surely up and checking the lock by now
            origins = set(_dispatch_origins(client))
            assert len(origins) == 1, origins  # one beat ticked; the other stood by
            [leader_pid] = origins
            leader = next(b for b in beats if str(b.pid) == leader_pid)
            standby = next(b for b in beats if b is not leader)
            assert any("standing by" in p.read_text() for p in logs)

            client.delete("celery")
            os.killpg(leader.pid, signal.SIGKILL)  # dies without letting go of the lock
            leader.wait(timeout=10)
            _wait_for(lambda: str(standby.pid) in _dispatch_origins(client),
                      LOCK_SECONDS * 4 + 5, "the standby's first tick", logs)
            assert set(_dispatch_origins(client)) == {str(standby.pid)}
        finally:
            for beat in beats:
                if beat.poll() is None:
                    os.killpg(beat.pid, signal.SIGTERM)
                    beat.wait(timeout=15)
