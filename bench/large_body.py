"""What a 200 MB request body does to the API's memory: declared (Content-Length) and
streamed without a length, against the signup API and the signup form.

Starts the real API (one uvicorn process, production settings) on a scratch database
and the local Redis, reads its resident memory before and after, and its peak.
Last line of output: one JSON object with the figures.

    .venv/bin/python bench/large_body.py [--mb 200] [--sqlite]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    api_env,
    free_port,
    fresh_postgres,
    fresh_sqlite,
    memory_mb,
    start_api,
    stop,
)

CHUNK = 1024 * 1024


def chunks(total_mb: int) -> Iterator[bytes]:
    block = b"x" * CHUNK
    for _ in range(total_mb):
        yield block


def send(base: str, path: str, total_mb: int, declared: bool) -> tuple[int, float]:
    headers = {"content-type": "application/json" if path.startswith("/api")
               else "application/x-www-form-urlencoded"}
    if declared:
        headers["content-length"] = str(total_mb * CHUNK)
    started = time.perf_counter()
    try:
        response = httpx.post(f"{base}{path}", content=chunks(total_mb), headers=headers,
                              timeout=120)
        status = response.status_code
    except httpx.HTTPError:
        status = 0  # the server closed the connection after answering
    return status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    database = fresh_sqlite(ROOT / "var" / "bench") if args.sqlite \
        else fresh_postgres("reconnect_bench_body")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api = start_api(api_env(database, port), port)
    try:
        httpx.get(f"{base}/")  # a page rendered once: templates and programs loaded
        before, _ = memory_mb(api.pid)
        results = {}
        for path in ("/api/v1/signups", "/"):
            for declared in (True, False):
                status, seconds = send(base, path, args.mb, declared)
                name = f"{'api' if path.startswith('/api') else 'form'}_" \
                       f"{'declared' if declared else 'streamed'}"
                results[name] = {"status": status, "seconds": round(seconds, 3)}
        after, peak = memory_mb(api.pid)
        healthy = httpx.get(f"{base}/healthz").status_code == 200
    finally:
        stop(api)
    figures = {"body_mb": args.mb, "rss_before_mb": round(before, 1),
               "rss_after_mb": round(after, 1), "rss_peak_mb": round(peak, 1),
               "rss_growth_mb": round(peak - before, 1), "healthy_after": healthy,
               "answers": results}
    for name, outcome in results.items():
        print(f"{name}: HTTP {outcome['status']} in {outcome['seconds']} s")
    print(f"API memory: {before:.0f} MB before, peak {peak:.0f} MB, {after:.0f} MB after")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
