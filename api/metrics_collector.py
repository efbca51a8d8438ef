"""Prometheus families at scrape time: the counters every process added to Redis, and
gauges of the current state read from the database (so they are right however many
processes run, and need no process to keep them up to date)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from reconnect import jobs
from reconnect.deliveries.health import queue_health
from reconnect.metrics import families as f
from reconnect.metrics.events import key
from reconnect.metrics.store import StoreUnavailable, decode
from reconnect.partners.repository import PartnerRepository
from reconnect.runtime import Runtime

log = logging.getLogger(__name__)

_HISTOGRAM_KEYS = (key(f.TASK_DURATION, "bucket"), key(f.TASK_DURATION, "sum"))
_KEYS = [*(key(family) for family in f.COUNTERS), *_HISTOGRAM_KEYS]
# Series shown at 0 before anything happened, so rates and alerts work from the start.
_KNOWN_TASKS = (jobs.DISPATCH_DUE, jobs.DELIVER, jobs.REAP_STALE, jobs.SWEEP_SIGNUPS)


class ReconnectCollector(Collector):
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[Metric]:
        yield from self._counted()
        yield from self._current_state()

    def _counted(self) -> Iterator[Metric]:
        try:
            found = self.rt.metrics.store.read(_KEYS)
        except StoreUnavailable:
            found = None
        yield GaugeMetricFamily(
            f.PREFIX + "metrics_store_up", "1 if the counters could be read from Redis; at "
            "0 this scrape has no counters or task durations.", 1 if found is not None else 0)
        if found is None:
            return
        known: dict[f.Family, list[tuple[str, ...]]] = {
            f.SIGNUPS: [(s,) for s in self.rt.programs.loaded_slugs()],
            f.CONFIRMATIONS: [(s,) for s in self.rt.programs.loaded_slugs()],
            f.ADDRESSES_SUPPRESSED: [()],
            f.TASK_FAILURES: [(t,) for t in _KNOWN_TASKS]}
        for family in f.COUNTERS:
            values = dict.fromkeys(known.get(family, []), 0.0)
            values.update({decode(name): v for name, v in found[key(family)].items()})
            counter = CounterMetricFamily(family.full_name, family.help,
                                          labels=family.labels)
            for labels, value in sorted(values.items()):
                counter.add_metric(labels, value)
            yield counter
        yield _histogram(*(found[k] for k in _HISTOGRAM_KEYS))

    def _current_state(self) -> Iterator[Metric]:
        try:
            with self.rt.read_session() as session:
                health = queue_health(session, self.rt.clock.now())
                suppressed = PartnerRepository(session).count_suppressed()
        except SQLAlchemyError:
            # The counters above are still worth a scrape while the database is down.
            log.warning("metrics: the database could not be read")
            yield _database_up(0)
            return
        yield _database_up(1)
        states = GaugeMetricFamily(f.PREFIX + "deliveries", "Emails in the outbox by state, "
                                   "now.", labels=["state"])
        for state, count in health.counts.items():
            states.add_metric([state.value], count)
        yield states
        yield GaugeMetricFamily(
            f.PREFIX + "dispatch_lag_seconds", "How long the oldest email that is due but "
            "not yet sent has been waiting, in seconds; 0 when none is waiting.",
            health.lag_seconds)
        yield GaugeMetricFamily(
            f.PREFIX + "suppressed_addresses", "Addresses that get no more mail after "
            "repeated permanent refusals, now.", suppressed)


def _database_up(value: int) -> Metric:
    return GaugeMetricFamily(f.PREFIX + "database_up", "1 if the database could be read; "
                             "at 0 this scrape has no delivery, lag or suppression gauges.",
                             value)


def _histogram(buckets: dict[str, float], sums: dict[str, float]) -> Metric:
    family = HistogramMetricFamily(f.TASK_DURATION.full_name, f.TASK_DURATION.help,
                                   labels=f.TASK_DURATION.labels)
    total = {decode(name)[0]: seconds for name, seconds in sums.items()}
    per_task: dict[str, dict[str, float]] = {}
    for name, count in buckets.items():
        task, bucket = decode(name)
        per_task.setdefault(task, {})[bucket] = count
    for task, counts in sorted(per_task.items()):
        # Stored per bucket; Prometheus wants each bucket to include the ones below it.
        cumulative, running = [], 0.0
        for bound in f.TASK_BUCKET_NAMES:
            running += counts.get(bound, 0.0)
            cumulative.append((bound, running))
        family.add_metric([task], cumulative, total.get(task, 0.0))
    return family
