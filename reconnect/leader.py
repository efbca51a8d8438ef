"""A leader lock in Redis: of the processes that ask, one holds it at a time.

Beat uses it so that any number of beat processes, on any machines, tick the dispatcher
as one: the holder ticks, the others stand by and take over when it stops renewing (it
died, or lost Redis) within ``ttl`` seconds. Holding is checked before every tick; a
holder that cannot reach Redis stops ticking rather than risk two leaders.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid

import redis

log = logging.getLogger(__name__)

# Renews the lock only while this process still holds it (compare, then extend).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class LeaderLock:
    def __init__(self, client: redis.Redis, key: str, ttl_seconds: float) -> None:
        self.client, self.key, self.ttl = client, key, ttl_seconds
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._leading: bool | None = None  # what was last logged

    def hold(self) -> bool:
        """True while this process leads: renews the lock, or takes it if free."""
        ttl_ms = max(1, int(self.ttl * 1000))
        try:
            leading = bool(self.client.eval(_RENEW, 1, self.key, self.identity, ttl_ms)) or \
                bool(self.client.set(self.key, self.identity, nx=True, px=ttl_ms))
        except redis.RedisError as exc:
            if self._leading is not False:
                log.warning("leader lock unreachable; standing by",
                            extra={"lock": self.key, "error": type(exc).__name__})
            self._leading = False
            return False
        if leading != self._leading:
            log.info("leading" if leading else "standing by: another process leads",
                     extra={"lock": self.key, "identity": self.identity})
            self._leading = leading
        return leading

    def release(self) -> None:
        """Lets a standby take over at once (on a clean stop)."""
        with contextlib.suppress(redis.RedisError):  # it expires by itself
            self.client.eval(_RELEASE, 1, self.key, self.identity)
        self._leading = None
