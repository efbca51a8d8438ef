"""What the domain counts, one typed method per event.

Call these only for what really happened: after the transaction that recorded it has
committed (``UnitOfWork.after_commit``). Each call writes at once (one Redis round trip),
unless it runs inside :meth:`Metrics.batch`, which gathers every count made in it and
writes them together when it ends: a worker's batch of emails costs one round trip.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from reconnect.metrics import families as f
from reconnect.metrics.store import KEY_PREFIX, NullStore, Store, Tally, encode
from reconnect.models import DeliveryKind


def key(family: f.Family, part: str = "") -> str:
    """The Redis hash of a family (a histogram has a ``bucket`` and a ``sum`` part)."""
    return f"{KEY_PREFIX}{family.name}" + (f":{part}" if part else "")


# The batch open in this thread or task, with the Metrics it belongs to.
_batch: ContextVar[tuple[Metrics, Tally] | None] = ContextVar("metrics_batch", default=None)


class Metrics:
    def __init__(self, store: Store | None = None) -> None:
        self.store: Store = store or NullStore()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Gathers the counts made inside and writes them in one round trip at the end,
        also when the block fails (what was committed before still happened)."""
        if _batch.get() is not None:
            yield  # the outer batch writes
            return
        tally = Tally()
        token = _batch.set((self, tally))
        try:
            yield
        finally:
            _batch.reset(token)
            self.store.write(tally)

    def _add(self, family: f.Family, labels: tuple[str, ...], n: int = 1) -> None:
        slot = (key(family), encode(labels))

        def update(t: Tally) -> None:
            t.counts[slot] += n

        self._tally(update)

    def _tally(self, update: Callable[[Tally], None]) -> None:
        current = _batch.get()
        if current is not None and current[0] is self:
            update(current[1])
            return
        tally = Tally()
        update(tally)
        self.store.write(tally)

    def signed_up(self, program: str, count: int = 1) -> None:
        self._add(f.SIGNUPS, (program,), count)

    def confirmed(self, program: str) -> None:
        self._add(f.CONFIRMATIONS, (program,))

    def email_sent(self, kind: DeliveryKind, stage: str) -> None:
        self._add(f.EMAILS_SENT, (kind.value, stage))

    def email_failed(self, kind: DeliveryKind, stage: str, permanent: bool) -> None:
        self._add(f.EMAILS_FAILED,
                  (kind.value, stage, "permanent" if permanent else "temporary"))

    def delivery_retried(self, kind: DeliveryKind, stage: str) -> None:
        self._add(f.DELIVERY_RETRIES, (kind.value, stage))

    def address_suppressed(self) -> None:
        self._add(f.ADDRESSES_SUPPRESSED, ())

    def bounce_received(self, source: str, kind: str) -> None:
        self._add(f.BOUNCES, (source, kind))

    def bounce_unmatched(self, source: str) -> None:
        self._add(f.BOUNCES_UNMATCHED, (source,))

    def webhook_rejected(self, provider: str, reason: str) -> None:
        self._add(f.WEBHOOKS_REJECTED, (provider, reason))

    def reflection_recorded(self, stage: str) -> None:
        self._add(f.REFLECTIONS_RECORDED, (stage,))

    def task_ran(self, task: str, seconds: float, failed: bool) -> None:
        """One round trip: the duration's bucket and sum, and the failure if it failed."""
        labels = encode((task,))
        bucket = f.TASK_BUCKET_NAMES[bisect.bisect_left(f.TASK_BUCKETS, seconds)]

        def update(t: Tally) -> None:
            t.counts[(key(f.TASK_DURATION, "bucket"), encode((task, bucket)))] += 1
            t.sums[(key(f.TASK_DURATION, "sum"), labels)] += seconds
            if failed:
                t.counts[(key(f.TASK_FAILURES), labels)] += 1

        self._tally(update)

    def close(self) -> None:
        self.store.close()
