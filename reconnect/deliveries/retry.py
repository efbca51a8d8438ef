"""How long a delivery waits after a transient failure before it is tried again."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta


def retry_delay(attempt: int, base_seconds: float, cap_seconds: float,
                uniform: Callable[[float, float], float] = random.uniform) -> timedelta:
    """Exponential backoff with "equal jitter": the wait after attempt n is drawn from
    [d/2, d] where d = base * 2^(n-1), capped. The jitter spreads out the retries of a
    whole batch that failed together (a relay outage), so they do not return in a herd;
    the floor of d/2 keeps the backoff meaningful."""
    ceiling = min(cap_seconds, base_seconds * 2 ** max(0, attempt - 1))
    return timedelta(seconds=uniform(ceiling / 2, ceiling))
