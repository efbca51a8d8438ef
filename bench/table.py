"""The performance table in docs/operating.md, written from the benchmarks' own output.

    .venv/bin/python bench/table.py run      # runs every benchmark, keeps their JSON in
                                             # bench/results.json, rewrites the table
    .venv/bin/python bench/table.py render   # rewrites the table from bench/results.json
    .venv/bin/python bench/table.py check    # exits 1 if the table differs from it

Each benchmark's last line of output is one JSON object; ``run`` keeps those objects
together with the date, the machine (CPU model, cores, memory, Python, Postgres and
Redis versions) and the command line, so the figures in the docs are never typed by
hand and always say where they came from. Last line of output: one JSON object.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "operating.md"
START = "<!-- performance table: written by bench/table.py from bench/results.json -->"
END = "<!-- end of performance table -->"

# (name, arguments): the runs the table is made of, in its order.
RUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("signup", ("bench/signup.py",)),
    ("concurrency-postgres", ("bench/concurrency.py",)),
    ("concurrency-sqlite", ("bench/concurrency.py", "--sqlite")),
    ("dispatch", ("bench/dispatch.py",)),
    ("dispatch-no-metrics", ("bench/dispatch.py", "--no-metrics")),
    ("claim", ("bench/claim.py",)),
)

Figures = dict[str, Any]


def machine() -> dict[str, object]:
    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                     .splitlines() if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024 ** 2, 1),
            "python": platform.python_version(), "postgres": _version(["psql", "--version"]),
            "redis": _version(["redis-server", "--version"])}


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return "not found"
    found = re.search(r"\d+\.\d+(\.\d+)?", out)
    return found.group(0) if found else "unknown"


def run_all() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, args in RUNS:
        print(f"running {' '.join(args)}", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True,
                              text=True, check=False)
        last = (done.stdout.strip().splitlines() or [""])[-1]
        try:
            figures = json.loads(last)
        except json.JSONDecodeError:
            figures = {"failed": True, "exit_code": done.returncode,
                       "stderr_tail": done.stderr[-500:]}
        results[name] = {"command": " ".join(args), "figures": figures}
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "runs": results}


def _ms(value: object) -> str:
    return "–" if value is None else f"{value} ms"


def _burst(figures: Figures, key: str) -> str:
    burst = figures.get(key) or {}
    return (f"p50 {_ms(burst.get('p50_ms'))}, p99 {_ms(burst.get('p99_ms'))}, "
            f"{burst.get('errors', '?')} errors")


def _signup(f: Figures) -> str:
    offered = f.get("offered", {})
    rates = "; ".join(
        f"at {rate}/s offered: p50 {_ms(o.get('p50_ms'))}, p99 {_ms(o.get('p99_ms'))}, "
        f"{o.get('timeouts', 0)} timeouts, {o.get('errors', 0)} errors"
        for rate, o in offered.items())
    return (f"{f.get('signups_per_s')} signups/s closed loop against {f.get('trivial_per_s')}/s "
            f"for `/healthz` (ratio {f.get('ratio_to_trivial')}); {rates}")


def _concurrency(f: Figures) -> str:
    return "; ".join(f"{label}: {_burst(f, key)}" for key, label in (
        ("signup_forms", "50 signup forms"), ("confirmations", "50 confirmations"),
        ("preference_saves", "50 preference saves"),
        ("one_person_saving_50_times", "one person saving 50 times")))


def _dispatch(f: Figures) -> str:
    rss = f.get("worker_peak_rss_mb") or []
    return (f"{f.get('emails_per_s')} emails/s against a raw `smtplib` bound of "
            f"{f.get('raw_per_s')}/s (ratio {f.get('ratio_to_raw')}); worker CPU "
            f"{f.get('worker_cpu_ms_per_email')} ms per email; render median "
            f"{f.get('render_ms_median')} ms; worker peak RSS "
            f"{', '.join(f'{mb:.0f}' for mb in rss)} MB")


def _claim(f: Figures) -> str:
    return (f"10,000 due among 100,000: median {_ms(f.get('claim_ms_100k'))}, first after "
            f"loading {_ms(f.get('first_ms_100k'))}; among 1,000,000: median "
            f"{_ms(f.get('claim_ms_1m'))}, first {_ms(f.get('first_ms_1m'))}; ratio "
            f"{f.get('ratio_1m_to_100k')}")


DESCRIBE: dict[str, tuple[str, Callable[[Figures], str]]] = {
    "signup": ("`bench/signup.py`: signups over HTTP, two API processes, one worker",
               _signup),
    "concurrency-postgres": ("`bench/concurrency.py`: bursts of 50 at once, Postgres",
                             _concurrency),
    "concurrency-sqlite": ("`bench/concurrency.py --sqlite`: the same on SQLite",
                           _concurrency),
    "dispatch": ("`bench/dispatch.py`: due rows to an SMTP sink, two worker processes",
                 _dispatch),
    "dispatch-no-metrics": ("`bench/dispatch.py --no-metrics`: the same, counting nothing",
                            _dispatch),
    "claim": ("`bench/claim.py`: claiming due rows on Postgres", _claim),
}


def table(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        START,
        f"Measured {results['date']} on {m['cores']} cores ({m['cpu']}), "
        f"{m['memory_gb']} GB, Python {m['python']}, Postgres {m['postgres']}, "
        f"Redis {m['redis']}; everything on the one machine.",
        "",
        "| Benchmark | Figures | Goal met |",
        "| --- | --- | --- |",
    ]
    for name, run in results["runs"].items():
        label, describe = DESCRIBE.get(name, (f"`{run['command']}`", lambda f: json.dumps(f)))
        figures = run["figures"]
        if figures.get("failed"):
            lines.append(f"| {label} | did not finish (exit {figures.get('exit_code')}) | no |")
            continue
        met = figures.get("goal_met")
        lines.append(f"| {label} | {describe(figures)} | "
                     f"{'yes' if met else 'no' if met is not None else '–'} |")
    lines.append(END)
    return "\n".join(lines)


def with_table(doc: str, new_table: str) -> str:
    if START not in doc or END not in doc:
        raise SystemExit(f"{DOC} has no performance table markers")
    before, rest = doc.split(START, 1)
    _, after = rest.split(END, 1)
    return before + new_table + after


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "render"
    if command == "run":
        RESULTS.write_text(json.dumps(run_all(), indent=2) + "\n")
    if command not in ("run", "render", "check"):
        raise SystemExit(__doc__)
    results = json.loads(RESULTS.read_text())
    doc = DOC.read_text()
    updated = with_table(doc, table(results))
    if command == "check":
        same = updated == doc
        print(json.dumps({"table_matches_results": same}))
        raise SystemExit(0 if same else 1)
    DOC.write_text(updated)
    print(json.dumps({"written": str(DOC.relative_to(ROOT)), "date": results["date"],
                      "runs": len(results["runs"])}))


if __name__ == "__main__":
    main()
