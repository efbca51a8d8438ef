"""Fifty people at the same instant: form signups, confirmations and preference saves.

Starts the real API (uvicorn, production settings, two worker processes) and a Celery
worker against a scratch Postgres database (or SQLite with --sqlite) and the local
Redis. Then, each as one burst of 50 requests released together:
  1. 50 signup forms (POST /), each for a new person;
  2. once the worker has processed them, 50 confirmations (POST /confirm/{token});
  3. 50 preference saves by 50 different people (POST /preferences/{token});
  4. 50 saves of ONE person's preferences (a double click, fifty times over).
Each burst reports p50, p99 and the slowest answer, and counts errors (any status other
than the expected one, timeouts, connection failures). None are allowed: ``goal_met``
is true only when every request of every burst got its expected answer.
Last line of output: one JSON object.

    .venv/bin/python bench/concurrency.py [--people 50] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import redis
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    REDIS_URL,
    SECRET_KEY,
    api_env,
    free_port,
    fresh_postgres,
    fresh_sqlite,
    percentile,
    start_api,
    start_worker,
    stop,
)
from reconnect.clock import SystemClock  # noqa: E402
from reconnect.tokens import Purpose, Tokens  # noqa: E402

TIMEOUT_S = 30.0
Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def burst(base: str, count: int, request: Request, expected: int) -> dict[str, object]:
    """``count`` requests on ``count`` connections, opened first and released together."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    release = asyncio.Event()
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT_S) as client:
        await asyncio.gather(*(client.get("/healthz") for _ in range(count)))  # connections

        async def one(i: int) -> None:
            await release.wait()
            started = time.perf_counter()
            try:
                response = await request(client, i)
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return
            if response.status_code != expected:
                key = str(response.status_code)
                errors[key] = errors.get(key, 0) + 1
                return
            latencies.append(time.perf_counter() - started)

        tasks = [asyncio.create_task(one(i)) for i in range(count)]
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(*tasks)
    return {
        "requests": count,
        "answered": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "slowest_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }


def signup_form(i: int) -> dict[str, str]:
    return {"email": f"person{i}@example.org", "first_name": "Robin",
            "timezone": "Europe/Dublin", "send_hour": "8", "taking_part": "alone"}


def wait_for(database_url: str, query: str, done: Callable[[int], bool], limit_s: float) -> None:
    engine = create_engine(database_url)
    deadline = time.monotonic() + limit_s
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if done(int(conn.execute(text(query)).scalar_one())):
                    return
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise SystemExit(f"not done within {limit_s:.0f} s: {query}")


def people(database_url: str) -> list[tuple[str, str | None]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [(row[0], row[1]) for row in conn.execute(text(
                "SELECT public_id, confirm_nonce FROM partners ORDER BY id"))]
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of Postgres")
    args = parser.parse_args()
    n = args.people

    scratch = tempfile.TemporaryDirectory()
    database_url = fresh_sqlite(Path(scratch.name)) if args.sqlite \
        else fresh_postgres("reconnect_bench_concurrency")
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = api_env(database_url, port, RECONNECT_SIGNUP_LIMIT_PER_CLIENT="100000/hour")
    api = start_api(env, port, 2)
    worker = start_worker(env)
    tokens = Tokens(SECRET_KEY, SystemClock(), {p: timedelta(days=7) for p in Purpose})
    results: dict[str, dict[str, object]] = {}
    try:
        results["signup_forms"] = asyncio.run(burst(
            base, n, lambda c, i: c.post("/", data=signup_form(i)), 200))
        wait_for(database_url, "SELECT count(*) FROM signup_requests", lambda k: k == 0, 120)
        everyone = people(database_url)
        confirm = [tokens.make(Purpose.CONFIRM, holder, n=nonce) for holder, nonce in everyone]
        results["confirmations"] = asyncio.run(burst(
            base, len(confirm), lambda c, i: c.post(f"/confirm/{confirm[i]}"), 200))
        prefs = [tokens.make(Purpose.PREFERENCES, holder) for holder, _ in everyone]
        results["preference_saves"] = asyncio.run(burst(
            base, len(prefs), lambda c, i: c.post(f"/preferences/{prefs[i]}", data={
                "action": "schedule", "send_hour": str(6 + i % 12),
                "timezone": "Europe/Dublin", "nudges": "yes"}), 200))
        results["one_person_saving_50_times"] = asyncio.run(burst(
            base, n, lambda c, i: c.post(f"/preferences/{prefs[0]}", data={
                "action": "schedule", "send_hour": str(6 + i % 12),
                "timezone": "Europe/Dublin", "nudges": "yes"}), 200))
    finally:
        stop(api)
        stop(worker)
        redis.Redis.from_url(REDIS_URL).flushdb()
        scratch.cleanup()
    for name, figures in results.items():
        print(f"{name}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
              f"errors {figures['errors']} {figures['error_kinds'] or ''}", flush=True)
    print(json.dumps({
        "database": "sqlite" if args.sqlite else "postgresql",
        "people": n,
        **{name: figures for name, figures in results.items()},
        "errors": sum(int(str(f["errors"])) for f in results.values()),
        "goal_met": all(f["errors"] == 0 for f in results.values()) and len(results) == 4,
    }))


if __name__ == "__main__":
    main()
