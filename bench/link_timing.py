"""Does "email me my links" take longer for an address that is enrolled? It must not:
the answer and its timing may not tell a stranger who is enrolled.

Starts the real API (one uvicorn process, production settings) on a scratch database
and the local Redis; enrols --pairs addresses, then asks for links one request at a
time, alternating an enrolled address and an unknown one, and compares the two latency
distributions. Last line of output: one JSON object with the figures.

    .venv/bin/python bench/link_timing.py [--pairs 300] [--sqlite]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, update  # noqa: E402

from bench.harness import (  # noqa: E402
    REDIS_URL,
    api_env,
    free_port,
    fresh_postgres,
    fresh_sqlite,
    percentile,
    start_api,
    start_worker,
    stop,
)
from bench.signup_timing import body, settle  # noqa: E402
from reconnect.models import Partner, PartnerStatus  # noqa: E402


def enrol_all(database_url: str) -> None:
    """Everyone signed up becomes a confirmed partner, as if each had clicked."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(update(Partner).values(status=PartnerStatus.ACTIVE.value,
                                            confirmed_at=datetime.now(UTC),
                                            confirm_nonce=None))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    database = fresh_sqlite(ROOT / "var" / "bench-links") if args.sqlite \
        else fresh_postgres("reconnect_bench_links")
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    env = api_env(database, port, RECONNECT_SIGNUP_LIMIT_PER_CLIENT="10000000/hour",
                  RECONNECT_SIGNUP_LIMIT_PER_EMAIL="100/hour")
    api = start_api(env, port)
    worker = start_worker(env)  # signups and link requests are processed by its jobs
    known: list[float] = []
    unknown: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for i in range(args.pairs):
                client.post("/api/v1/signups", json=body(f"known{i}@example.org"))
            settle(database, args.pairs)
            enrol_all(database)
            for i in range(20):  # warm-up, not counted
                client.post("/my-link", data={"email": f"warm{i}@example.org"})
            order = random.Random(7)
            for i in range(args.pairs):
                pair = [(f"known{i}@example.org", known), (f"new{i}@example.org", unknown)]
                order.shuffle(pair)  # neither kind always follows the other
                for email, into in pair:
                    started = time.perf_counter()
                    response = client.post("/my-link", data={"email": email})
                    into.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise SystemExit(f"unexpected {response.status_code}")
                    time.sleep(0.03)  # the processing after the answer finishes first
    finally:
        stop(api)
        stop(worker)
        redis.Redis.from_url(REDIS_URL).flushdb()

    def ms(value: float) -> float:
        return round(value * 1000, 3)

    figures = {
        "database": "sqlite" if args.sqlite else "postgresql", "pairs": args.pairs,
        "known_median_ms": ms(statistics.median(known)),
        "unknown_median_ms": ms(statistics.median(unknown)),
        "median_difference_ms": ms(statistics.median(known) - statistics.median(unknown)),
        "known_p90_ms": ms(percentile(known, 0.9)),
        "unknown_p90_ms": ms(percentile(unknown, 0.9)),
    }
    print(f"enrolled addresses: median {figures['known_median_ms']} ms, "
          f"p90 {figures['known_p90_ms']} ms")
    print(f"unknown addresses:  median {figures['unknown_median_ms']} ms, "
          f"p90 {figures['unknown_p90_ms']} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
