"""Celery beat's scheduler, ticking only while it holds the beat leader lock: a second beat
(``docker compose run beat``, another machine) stands by instead of doubling every tick.
Selected by ``beat_scheduler`` in tasks/celery_app.py."""

from __future__ import annotations

from typing import Any

import redis
from celery.beat import PersistentScheduler

from reconnect.leader import LeaderLock
from reconnect.runtime import get_runtime

LOCK_KEY = "reconnect:beat:leader"


class LeaderScheduler(PersistentScheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_runtime().settings
        assert settings.redis_url is not None
        self.leader = LeaderLock(
            redis.Redis.from_url(settings.redis_url, socket_timeout=2,
                                 socket_connect_timeout=2), LOCK_KEY,
            settings.beat_lock_seconds)
        # Renew (or look for a free lock) three times per lifetime: a missed renewal or
        # two costs nothing, and a standby notices a dead leader soon after it expires.
        self.check_every = settings.beat_lock_seconds / 3

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.leader.hold():
            return self.check_every
        return min(float(super().tick(*args, **kwargs)), self.check_every)

    def close(self) -> None:
        self.leader.release()
        super().close()
