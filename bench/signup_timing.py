"""Does a signup take longer for an address that is already known? It must not: the
answer and its timing may not tell a stranger who is enrolled.

Starts the real API (one uvicorn process, production settings) on a scratch database
and the local Redis; enrols --known addresses, then sends signups one at a time,
alternating a known address and a new one, and compares the two latency distributions.
Last line of output: one JSON object with the figures.

    .venv/bin/python bench/signup_timing.py [--pairs 400] [--sqlite]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import httpx2 as httpx
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402

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
from reconnect.models import Partner, SignupRequest  # noqa: E402


def body(email: str) -> dict[str, object]:
    return {"email": email, "first_name": "Bench", "timezone": "Europe/Paris", "send_hour": 8}


def settle(database_url: str, expected_partners: int) -> None:
    """Waits until every received signup has been processed."""
    engine = create_engine(database_url)
    deadline = time.monotonic() + 120
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(select(func.count()).select_from(SignupRequest)).scalar()
            partners = conn.execute(select(func.count()).select_from(Partner)).scalar()
            conn.rollback()
            if waiting == 0 and partners == expected_partners:
                return
            time.sleep(0.2)
    raise SystemExit(f"the worker did not process {expected_partners} signups in 120 s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=400)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    database = fresh_sqlite(ROOT / "var" / "bench") if args.sqlite \
        else fresh_postgres("reconnect_bench_timing")
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    env = api_env(database, port, RECONNECT_SIGNUP_LIMIT_PER_CLIENT="10000000/hour",
                  RECONNECT_SIGNUP_LIMIT_PER_EMAIL="100/hour")
    api = start_api(env, port)
    worker = start_worker(env)  # signups are processed by its jobs
    known: list[float] = []
    unknown: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for i in range(args.pairs):
                client.post("/api/v1/signups", json=body(f"known{i}@example.org"))
            settle(database, args.pairs)
            for i in range(20):  # warm-up, not counted
                client.post("/api/v1/signups", json=body(f"warm{i}@example.org"))
            order = random.Random(7)
            for i in range(args.pairs):
                pair = [(f"known{i}@example.org", known), (f"new{i}@example.org", unknown)]
                order.shuffle(pair)  # neither kind always follows the other
                for email, into in pair:
                    started = time.perf_counter()
                    response = client.post("/api/v1/signups", json=body(email))
                    into.append(time.perf_counter() - started)
                    if response.status_code != 202:
                        raise SystemExit(f"unexpected {response.status_code}: {response.text}")
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
    print(f"known addresses: median {figures['known_median_ms']} ms, "
          f"p90 {figures['known_p90_ms']} ms")
    print(f"new addresses:   median {figures['unknown_median_ms']} ms, "
          f"p90 {figures['unknown_p90_ms']} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
