"""Signup throughput and latency over HTTP against Postgres, beside a trivial endpoint.

Starts the real API (uvicorn, production settings) and one Celery worker against a
scratch Postgres database and the local Redis, then measures in one run:
  1. closed-loop throughput of GET /healthz (the trivial endpoint) and of
     POST /api/v1/signups at the same concurrency, in turns (three rounds of five
     seconds each by default): the signup rate is where the API saturates, and their
     ratio is the goal's;
  2. open-loop latency of signups offered at fixed rates (100, 200 and 400 per second by
     default): p50, p99, the rate achieved, and every timeout and error counted;
  3. that every accepted signup was processed: after the load, the worker must leave no
     signup request waiting (``backlog_after_s`` is how long that took).
Nothing is allowed to crash the benchmark: a request that times out or fails is a figure.
Last line of output: one JSON object with the figures and ``goal_met``.

    .venv/bin/python bench/signup.py [--rates 100,200,400] [--seconds 10] [--workers 2]
                                      [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import redis
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    REDIS_URL,
    api_env,
    free_port,
    fresh_postgres,
    percentile,
    start_api,
    start_worker,
    stop,
)

GOAL_P99_MS = 50.0
GOAL_RATIO = 0.5
MIN_P99_MS = 100.0
MIN_RATIO = 0.3
TIMEOUT_S = 10.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0  # seconds of closed loop, when it was one

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def add(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.timeouts += other.timeouts
        self.errors += other.errors
        self.elapsed += other.elapsed
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    def figures(self, offered: float, elapsed: float) -> dict[str, object]:
        done = len(self.latencies)
        return {
            "offered_per_s": offered,
            "achieved_per_s": round(done / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(statistics.median(self.latencies) * 1000, 1) if done else None,
            "p99_ms": round(percentile(self.latencies, 0.99) * 1000, 1) if done else None,
            "answered": done,
            "timeouts": self.timeouts,
            "errors": self.errors,
            "unexpected_statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def signup_body(i: int) -> dict[str, object]:
    return {"email": f"bench{i}@example.org", "first_name": "Bench",
            "timezone": "Europe/Paris", "send_hour": 8,
            "partner_email": f"bench{i}-partner@example.org", "partner_first_name": "Pat"}


async def one(client: httpx.AsyncClient, kind: str, ids: Ids, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        if kind == "trivial":
            response = await client.get("/healthz")
            expected = 200
        else:
            response = await client.post("/api/v1/signups", json=signup_body(ids.next()))
            expected = 202
    except httpx.TimeoutException:
        tally.timeouts += 1
        return
    except httpx.HTTPError:
        tally.errors += 1
        return
    if response.status_code != expected:
        tally.errors += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        return
    tally.latencies.append(time.perf_counter() - started)


async def closed_loop(base: str, kind: str, seconds: float, concurrency: int,
                      ids: Ids) -> Tally:
    tally = Tally()
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT_S) as client:
        async def loop() -> None:
            while time.perf_counter() < deadline:
                await one(client, kind, ids, tally)
        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        tally.elapsed = time.perf_counter() - started
    return tally


def side_by_side(base: str, seconds: float, concurrency: int, rounds: int,
                 ids: Ids) -> tuple[Tally, Tally]:
    """Closed loops of the trivial endpoint and of signups, taken in turns ``rounds``
    times: the machine drifts (other work, the worker catching up on signups), and
    alternating lets both figures see the same drift. Rates are over all rounds."""
    trivial, signup = Tally(), Tally()
    for _ in range(rounds):
        trivial.add(asyncio.run(closed_loop(base, "trivial", seconds, concurrency, ids)))
        signup.add(asyncio.run(closed_loop(base, "signup", seconds, concurrency, ids)))
    return trivial, signup


async def open_loop(base: str, rate: float, seconds: float, ids: Ids) -> dict[str, object]:
    """Requests start on a fixed schedule whatever the answers do (so a slow server shows
    as latency, not as a lower offered rate)."""
    tally = Tally()
    limits = httpx.Limits(max_connections=1000)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT_S) as client:
        tasks: list[asyncio.Task[None]] = []
        started = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, "signup", ids, tally)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return tally.figures(rate, elapsed)


def waiting_signups(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM signup_requests")).scalar_one())
    finally:
        engine.dispose()


def drain(database_url: str, limit_s: float) -> tuple[float | None, int]:
    started = time.perf_counter()
    while True:
        left = waiting_signups(database_url)
        if left == 0:
            return round(time.perf_counter() - started, 1), 0
        if time.perf_counter() - started > limit_s:
            return None, left
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="100,200,400")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3,
                        help="closed-loop rounds, each /healthz then signups")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]

    database_url = fresh_postgres("reconnect_bench_signup")
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = api_env(database_url, port, RECONNECT_SIGNUP_LIMIT_PER_CLIENT="10000000/hour",
                  RECONNECT_SIGNUP_LIMIT_PER_EMAIL="100/hour",
                  RECONNECT_INVITE_LIMIT_PER_EMAIL="100/hour")
    api = start_api(env, port, args.workers)
    worker = start_worker(env)
    ids = Ids()
    try:
        asyncio.run(closed_loop(base, "signup", 2, 8, ids))  # warm-up: pools, caches
        trivial_tally, signup_tally = side_by_side(base, args.seconds / 2, args.concurrency,
                                                   args.rounds, ids)
        trivial, signups = trivial_tally.rate, signup_tally.rate
        print(f"closed loop at {args.concurrency} in flight: GET /healthz {trivial:.0f}/s, "
              f"POST /api/v1/signups {signups:.0f}/s", flush=True)
        offered: dict[str, dict[str, object]] = {}
        for rate in rates:
            figures = asyncio.run(open_loop(base, rate, args.seconds, ids))
            offered[str(int(rate))] = figures
            print(f"at {rate:.0f}/s offered: p50 {figures['p50_ms']} ms, p99 "
                  f"{figures['p99_ms']} ms, achieved {figures['achieved_per_s']}/s, "
                  f"timeouts {figures['timeouts']}, errors {figures['errors']}", flush=True)
        # One worker process takes a few hundred signups a second: give it time for all.
        backlog_s, left_waiting = drain(database_url, max(120.0, ids.n / 50))
    finally:
        stop(api)
        stop(worker)
        redis.Redis.from_url(REDIS_URL).flushdb()
    ratio = signups / trivial if trivial else 0.0
    at_200 = offered.get("200", {})
    p99_200 = at_200.get("p99_ms")
    clean = all(f["timeouts"] == 0 and f["errors"] == 0 for f in offered.values()) \
        and signup_tally.timeouts == 0 and signup_tally.errors == 0
    p99_ok = isinstance(p99_200, float)
    result = {
        "signups_per_s": round(signups, 1),
        "trivial_per_s": round(trivial, 1),
        "ratio_to_trivial": round(ratio, 3),
        "saturation_per_s": round(signups, 1),
        "closed_loop_timeouts": signup_tally.timeouts + trivial_tally.timeouts,
        "closed_loop_errors": signup_tally.errors + trivial_tally.errors,
        "offered": offered,
        "backlog_drained_after_s": backlog_s,
        "left_waiting": left_waiting,
        "api_workers": args.workers,
        "signups_total": ids.n,
        "goal_met": bool(clean and p99_ok and float(str(p99_200)) < GOAL_P99_MS
                         and ratio >= GOAL_RATIO and left_waiting == 0),
        "minimum_met": bool(clean and p99_ok and float(str(p99_200)) < MIN_P99_MS
                            and ratio >= MIN_RATIO and left_waiting == 0),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
