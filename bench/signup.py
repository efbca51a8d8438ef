"""Signup throughput and latency over HTTP against Postgres, beside a trivial endpoint.

Starts the real API (uvicorn, production settings path) against a scratch Postgres
database and the local Redis, then measures in one run:
  1. closed-loop throughput of GET /healthz (the trivial endpoint) and POST /api/v1/signups;
  2. open-loop latency of signups offered at a fixed 200 per second.
Last line of output: one JSON object with the figures.

    .venv/bin/python bench/signup.py [--rate 200] [--seconds 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import redis
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import free_port, wait_until_healthy  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "reconnect_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")


def fresh_database() -> str:
    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    engine.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def start_api(database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONNECT_")}
    env.update(RECONNECT_ENV="production", RECONNECT_SECRET_KEY="b" * 48,
               RECONNECT_DATABASE_URL=database_url, RECONNECT_REDIS_URL=REDIS_URL,
               RECONNECT_BASE_URL=f"http://127.0.0.1:{port}",
               RECONNECT_SIGNUP_LIMIT_PER_CLIENT="10000000/hour",
               RECONNECT_SIGNUP_LIMIT_PER_EMAIL="100/hour")
    subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], env=env,
                   cwd=ROOT, check=True, capture_output=True)
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--workers",
         str(workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


def signup_body(i: int) -> dict[str, object]:
    return {"email": f"bench{i}@example.org", "first_name": "Bench",
            "timezone": "Europe/Paris", "send_hour": 8,
            "partner_email": f"bench{i}-partner@example.org", "partner_first_name": "Pat"}


async def one(client: httpx.AsyncClient, kind: str, ids: Counter) -> float:
    started = time.perf_counter()
    if kind == "trivial":
        response = await client.get("/healthz")
        expected = 200
    else:
        response = await client.post("/api/v1/signups", json=signup_body(ids.next()))
        expected = 202
    if response.status_code != expected:
        raise SystemExit(f"{kind}: unexpected {response.status_code} {response.text[:200]}")
    return time.perf_counter() - started


async def closed_loop(base: str, kind: str, seconds: float, concurrency: int,
                      ids: Counter) -> float:
    done = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        async def loop() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await one(client, kind, ids)
                done += 1
        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        return done / (time.perf_counter() - started)


async def open_loop(base: str, rate: float, seconds: float,
                    ids: Counter) -> tuple[list[float], float]:
    latencies: list[float] = []
    tasks: list[asyncio.Task[float]] = []
    limits = httpx.Limits(max_connections=400)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        total = int(rate * seconds)
        for i in range(total):
            target = started + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, "signup", ids)))
        latencies = list(await asyncio.gather(*tasks))
        elapsed = time.perf_counter() - started
    return latencies, total / elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    database_url = fresh_database()
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = start_api(database_url, port, args.workers)
    ids = Counter()
    try:
        wait_until_healthy(base)
        asyncio.run(closed_loop(base, "signup", 2, 8, ids))  # warm-up: pools, caches
        trivial = asyncio.run(closed_loop(base, "trivial", args.seconds / 2, args.concurrency,
                                          ids))
        signups = asyncio.run(closed_loop(base, "signup", args.seconds / 2, args.concurrency,
                                          ids))
        print(f"closed loop: trivial {trivial:.0f}/s, signups {signups:.0f}/s", flush=True)
        latencies, achieved = asyncio.run(open_loop(base, args.rate, args.seconds, ids))
    finally:
        api.terminate()
        try:
            api.wait(timeout=30)
        except subprocess.TimeoutExpired:
            api.kill()
        redis.Redis.from_url(REDIS_URL).flushdb()
    result = {
        "signups_per_s": round(signups, 1),
        "trivial_per_s": round(trivial, 1),
        "ratio_to_trivial": round(signups / trivial, 3),
        "offered_rate_per_s": args.rate,
        "achieved_rate_per_s": round(achieved, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "api_workers": args.workers,
        "signups_total": ids.n,
    }
    print(f"trivial GET /healthz: {trivial:.0f}/s; POST /api/v1/signups: {signups:.0f}/s")
    print(f"at {args.rate:.0f} signups/s offered: p50 {result['p50_ms']} ms, "
          f"p99 {result['p99_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
