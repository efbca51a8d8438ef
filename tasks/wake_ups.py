"""At most one queued job per wake-up (``reconnect.jobs.WAKE_UPS``).

A flag in Redis says "one is queued and has not started". Whoever sends a wake-up sets
it first and publishes only if it was not set; the job clears it as it starts, before it
reads anything. So work committed before a send is always seen: either this send
publishes a job, or the flag was set and the job behind it clears the flag (and then
reads) after this work was committed. Under a burst of signups that is one SET per
request instead of one broker message, and one job for many requests.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY_PREFIX = "reconnect:wake-up:"
# A flag outlives a lost job by this much at most: then the next request sends another
# (the periodic sweeps find lost work sooner or later anyway). A job still queued behind
# a long backlog when it lapses just gets a harmless twin.
FLAG_SECONDS = 15
TIMEOUT_SECONDS = 0.5


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                socket_connect_timeout=TIMEOUT_SECONDS)


def should_send(url: str, name: str) -> bool:
    """True if no job of this name is queued (and marks one as queued from now)."""
    try:
        return bool(_client(url).set(KEY_PREFIX + name, b"1", nx=True, ex=FLAG_SECONDS))
    except RedisError:
        return True  # the publish says whether Redis is really away


def started(url: str, name: str) -> None:
    """Called by the job before it reads: later requests must queue a new one."""
    try:
        _client(url).delete(KEY_PREFIX + name)
    except RedisError:
        # The flag lapses on its own; until then requests are left to this job's reading
        # or to the sweep.
        log.warning("wake-up flag not cleared", extra={"job": name})
