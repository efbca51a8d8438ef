"""Counters and durations shared by every process through Redis, exposed at ``/metrics``.

``events.Metrics`` is what the domain calls; ``store`` keeps the counts in Redis;
``api/metrics_collector.py``, beside the endpoint, turns them, and the database's
current state, into Prometheus families.
"""
