"""A messages-per-second cap per SMTP relay, shared by every worker through Redis.

The cap is a GCRA (generic cell rate algorithm) kept as one timestamp in Redis: the
"theoretical arrival time" of the next message. A worker asks for as many sends as its
batch holds and is granted those that fit now; the script runs atomically and reads the
Redis server's clock, so workers on different machines agree without sharing a clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

# KEYS[1]: the relay's key. ARGV: seconds per message, burst (messages), messages wanted.
# Returns {granted, seconds until the rest could be granted} (as strings: Redis would
# truncate Lua numbers to integers).
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local horizon = now + burst * interval
local granted = math.floor((horizon - tat) / interval + 1e-9)
if granted > wanted then granted = wanted end
if granted < 0 then granted = 0 end
tat = tat + granted * interval
if granted > 0 then
  redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
end
local rest = wanted - granted
local wait = 0
if rest > 0 then
  if rest > burst then rest = burst end
  wait = tat + rest * interval - horizon
  if wait < 0 then wait = 0 end
end
return {tostring(granted), tostring(wait)}
"""


@dataclass(frozen=True)
class Grant:
    granted: int
    retry_after: float  # seconds until the sends not granted now could go


class SendThrottle:
    def __init__(self, client: redis.Redis, relay: str, per_second: float) -> None:
        self._client = client
        self._key = f"reconnect:smtp-rate:{relay}"
        self._interval = 1.0 / per_second
        # One second's worth of sends may go back to back; below 1/s, one at a time.
        self._burst = max(1, int(per_second))
        self._script = client.register_script(_GCRA)

    def acquire(self, wanted: int) -> Grant:
        if wanted <= 0:
            return Grant(0, 0.0)
        granted, wait = self._script(keys=[self._key],
                                     args=[self._interval, self._burst, wanted])
        return Grant(int(float(granted)), float(wait))
