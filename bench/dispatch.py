"""Delivery throughput from due rows to an SMTP server, beside a raw smtplib bound.

Builds a fresh schema in a scratch Postgres database with the project's migrations,
registers the `main` program, and inserts N confirmed, active partners (couples of two),
each with one stage delivery (stages spread over every stage but the last, so each
send also plans the partner's next stage, as in production). Then, in one run:

  1. raw bound: the same N messages, rendered beforehand with the project's compose() and
     build_message(), sent over ONE plain smtplib connection to the sink;
  2. render cost: compose + build_message (CRLF, as smtplib sends it) for
     every stage of the program, with real partners;
  3. emails per second: two Celery worker processes (one prefork worker with
     --concurrency 2, or two --pool solo workers with --pool solo) deliver the rows.
     The dispatcher is THIS process: it calls reconnect.sending.service.dispatch_due()
     every 0.2 s (with a CelerySender, so jobs go through Redis as in production; a full
     claim also queues the worker-side re-dispatch, as it does under beat) until no row
     is left to claim. No celery beat runs. The clock starts when the rows become due
     (one UPDATE moves their due_at to now, after a warm-up batch went through both
     worker processes) and stops when every row is `sent` in the database and the sink
     holds every message;
  4. worker peak RSS: VmHWM of each worker process (prefork parent and children), read
     before the workers are stopped.

The SMTP sink is aiosmtpd in a separate process (this script with --sink) that only
counts messages; it answers "count" on its stdin with the number received. The machine
may be shared, so the timed run also reports CPU milliseconds per email by process group
(workers, sink, this db's Postgres backends, the dispatcher, anything else that ran):
compare "machine busy" with the groups to see whether other work skewed the figure.

    .venv/bin/python bench/dispatch.py [--emails 3000] [--pool prefork|solo]
                                        [--profile none|phases|cprofile]
                                        [--no-metrics]

--no-metrics runs the workers and the dispatcher with RECONNECT_METRICS_ENABLED=false, so
two runs side by side show what counting costs.

--profile phases starts the workers through this script (--profiled-worker), which wraps
the delivery steps with timers and counts SQL statements and libpq round trips per
message; cprofile also runs cProfile around every task and writes one .prof per worker
process. Both slow the workers down: use them to see where time goes, not for the figure.

The database comes from RECONNECT_BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/reconnect_bench_dispatch; created if missing,
tables rebuilt on every run), Redis from RECONNECT_BENCH_REDIS_URL (default
redis://127.0.0.1:6379/11, flushed at start and end). Last line of stdout: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import Engine, between, func, insert, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import free_port  # noqa: E402
from bench.scratch import ensure_database  # noqa: E402
from reconnect.db.engine import make_engine  # noqa: E402
from reconnect.db.migrate import rebuild  # noqa: E402
from reconnect.mail.message import build_message  # noqa: E402
from reconnect.models import (  # noqa: E402
    Couple,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Partner,
    PartnerStatus,
)
from reconnect.program.model import Program  # noqa: E402
from reconnect.runtime import Runtime, build_runtime  # noqa: E402
from reconnect.sending.compose import compose  # noqa: E402
from reconnect.sending.service import DELIVER_BATCH, dispatch_due  # noqa: E402
from reconnect.settings import Environment, Settings  # noqa: E402
from tasks.celery_app import CelerySender, make_celery  # noqa: E402

BENCH_URL = os.environ.get(
    "RECONNECT_BENCH_DATABASE_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/reconnect_bench_dispatch")
REDIS_URL = os.environ.get("RECONNECT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
SECRET = "bench-dispatch-secret-key-long-enough-for-production"  # noqa: S105
BASE_URL = "https://reconnect.example"
MAIL_FROM = "hello@reconnect.example"
ZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney")
DISPATCH_EVERY = 0.2
WARMUP_EMAILS = 4 * DELIVER_BATCH  # enough jobs for both worker processes to take some
RENDER_SAMPLES_PER_STAGE = 60
# Worker throughput against the raw bound, worker CPU per email (both worker groups),
# and every worker process's peak memory.
GOAL_RATIO = 0.9
GOAL_CPU_MS = 1.2
GOAL_RSS_MB = 100.0
PROFILE_DIR_ENV = "BENCH_DISPATCH_PROFILE_DIR"
CPROFILE_ENV = "BENCH_DISPATCH_CPROFILE"
START_MARK = "start"

P = ParamSpec("P")
R = TypeVar("R")


def log(message: str) -> None:
    print(message, flush=True)


# --- the SMTP sink (a separate process: this script with --sink) ----------------------


def run_sink() -> None:
    """aiosmtpd on a free port; prints "port N", then answers "count" and "reset" lines
    on stdin with "<messages> <distinct recipients>". Exits at end of stdin."""
    from aiosmtpd.controller import Controller

    lock = threading.Lock()
    recipients: set[str] = set()
    counter = [0]

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with lock:
                counter[0] += 1
                recipients.update(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=free_port())
    controller.start()
    print(f"port {controller.port}", flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            with lock:
                if command == "reset":
                    counter[0] = 0
                    recipients.clear()
                print(f"{counter[0]} {len(recipients)}", flush=True)
    finally:
        controller.stop()


class Sink:
    def __init__(self, log_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--sink"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=(log_dir / "sink.log").open("wb"), text=True, bufsize=1,
            start_new_session=True)
        first = self._line()
        if not first.startswith("port "):
            raise SystemExit(f"SMTP sink did not start: {first!r}; see {log_dir}/sink.log")
        self.port = int(first.split()[1])

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("the SMTP sink process ended")
        return line.strip()

    def _ask(self, command: str) -> tuple[int, int]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        count, distinct = self._line().split()
        return int(count), int(distinct)

    def count(self) -> tuple[int, int]:
        return self._ask("count")

    def reset(self) -> None:
        self._ask("reset")

    def stop(self) -> None:
        if self.process.stdin is not None:
            with suppress(OSError):
                self.process.stdin.close()
        stop_process(self.process)


# --- processes ---------------------------------------------------------------------------


def stop_process(process: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    """Asks the process to stop (SIGTERM: a Celery warm shutdown), waits, then kills its
    whole session (it was started with start_new_session, so the group id is its pid)."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def worker_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONNECT_")}
    env.update(RECONNECT_ENV=settings.env.value, RECONNECT_SECRET_KEY=settings.secret_key,
               RECONNECT_DATABASE_URL=settings.database_url,
               RECONNECT_REDIS_URL=str(settings.redis_url),
               RECONNECT_SMTP_HOST=settings.smtp_host,
               RECONNECT_SMTP_PORT=str(settings.smtp_port),
               RECONNECT_MAIL_FROM=settings.mail_from, RECONNECT_BASE_URL=settings.base_url,
               RECONNECT_METRICS_ENABLED=str(settings.metrics_enabled).lower())
    return env


def start_workers(settings: Settings, pool: str, profile: str,
                  log_dir: Path) -> list[subprocess.Popen[bytes]]:
    env = worker_env(settings)
    if profile != "none":
        env[PROFILE_DIR_ENV] = str(log_dir / "profile")
        (log_dir / "profile").mkdir(exist_ok=True)
        if profile == "cprofile":
            env[CPROFILE_ENV] = "1"
        entry = [sys.executable, str(Path(__file__).resolve()), "--profiled-worker"]
    else:
        entry = [sys.executable, "-m", "celery"]
    layouts = [["--pool", "prefork", "--concurrency", "2"]] if pool == "prefork" \
        else [["--pool", "solo"], ["--pool", "solo"]]
    processes = []
    for i, layout in enumerate(layouts):
        processes.append(subprocess.Popen(
            [*entry, "-A", "tasks.worker", "worker", *layout, "--loglevel", "WARNING",
             "--without-mingle", "--without-gossip", "-n",
             f"bench-dispatch-{i}-{os.getpid()}@%h"],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=(log_dir / f"worker-{i}.log").open("wb")))
    return processes


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(match.group(1)) / 1024, 1) if match else None


@dataclass(frozen=True)
class CpuSample:
    per_pid: dict[int, tuple[str, int]]  # comm, utime + stime in clock ticks
    busy: int  # whole machine, ticks
    steal: int


def cpu_sample() -> CpuSample:
    per_pid: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        per_pid[int(entry.name)] = (comm, int(fields[11]) + int(fields[12]))
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    steal = values[7] if len(values) > 7 else 0
    return CpuSample(per_pid, sum(values[:8]) - idle - steal, steal)


def cpu_breakdown(before: CpuSample, after: CpuSample, groups: dict[str, set[int]],
                  emails: int) -> dict[str, float]:
    """CPU milliseconds per email, by process group, between two samples."""
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    spent: dict[str, float] = {}
    for pid, (comm, ticks) in after.per_pid.items():
        used = ticks - before.per_pid.get(pid, (comm, 0))[1]
        if used <= 0:
            continue
        name = next((g for g, pids in groups.items() if pid in pids), None)
        if name is None:
            name = {"postgres": "postgres (other dbs, background)",
                    "redis-server": "redis-server"}.get(comm, f"other: {comm}")
        spent[name] = spent.get(name, 0.0) + used * tick_ms / emails
    ours = sum(spent.values())
    spent["machine busy (all cores)"] = (after.busy - before.busy) * tick_ms / emails
    spent["machine busy, not accounted above (exited processes)"] = \
        spent["machine busy (all cores)"] - ours
    spent["steal"] = (after.steal - before.steal) * tick_ms / emails
    return {k: round(v, 3) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}


def wait_for_workers(rt: Runtime, nodes: int, workers: list[subprocess.Popen[bytes]],
                     timeout: float = 90.0) -> None:
    app = make_celery(rt.settings)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for process in workers:
                if process.poll() is not None:
                    raise SystemExit(f"a worker exited early with code {process.returncode}")
            replies = app.control.ping(timeout=1.0) or []
            mine = [r for r in replies for name in r if f"-{os.getpid()}@" in name]
            if len(mine) >= nodes:
                return
        raise SystemExit("workers did not answer ping in time")
    finally:
        app.close()


# --- database --------------------------------------------------------------------------


def vacuum_analyze(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("deliveries", "partners", "couples"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))


@dataclass(frozen=True)
class Population:
    first_id: int
    last_id: int

    @property
    def count(self) -> int:
        return self.last_id - self.first_id + 1


def populate(engine: Engine, program: Program, version_id: int, count: int, tag: str,
             due_at: datetime, now: datetime) -> Population:
    """``count`` active partners in couples of two, each with one stage delivery."""
    stages = program.stages[:-1] or program.stages  # each send then plans a next stage
    couples = (count + 1) // 2
    with engine.begin() as conn:
        couple_ids = list(conn.execute(
            insert(Couple).returning(Couple.id, sort_by_parameter_order=True),
            [{"created_at": now}] * couples).scalars())

        def partner_row(i: int, invited_by: int | None) -> dict[str, Any]:
            couple = i // 2
            zone = ZONES[couple % len(ZONES)]
            stage = stages[couple % len(stages)]
            today = now.astimezone(ZoneInfo(zone)).date()
            return {
                "couple_id": couple_ids[couple], "email": f"{tag}{i}@example.org",
                "first_name": ("Alex", "Sam", "Robin", "Charlie")[i % 4], "timezone": zone,
                "send_hour": 8, "status": PartnerStatus.ACTIVE, "invited_by_id": invited_by,
                "program_slug": program.slug, "program_version_id": version_id,
                "confirm_nonce": None, "confirmations_sent": 1,
                "program_start_date": today - timedelta(days=stage.day), "created_at": now,
                "confirmed_at": now, "quiet_days": "", "permanent_failures": 0,
            }

        inviters = list(conn.execute(
            insert(Partner).returning(Partner.id, sort_by_parameter_order=True),
            [partner_row(i, None) for i in range(0, count, 2)]).scalars())
        invitees = list(conn.execute(
            insert(Partner).returning(Partner.id, sort_by_parameter_order=True),
            [partner_row(i, inviters[i // 2]) for i in range(1, count, 2)]).scalars())
        partner_ids = [inviters[i // 2] if i % 2 == 0 else invitees[i // 2]
                       for i in range(count)]
        delivery_ids = list(conn.execute(
            insert(Delivery).returning(Delivery.id, sort_by_parameter_order=True),
            [{"partner_id": partner_ids[i], "kind": DeliveryKind.STAGE,
              "key": stages[(i // 2) % len(stages)].key,
              "position": stages[(i // 2) % len(stages)].position, "due_at": due_at,
              "status": DeliveryStatus.SCHEDULED, "attempts": 0, "created_at": now}
             for i in range(count)]).scalars())
    assert delivery_ids == list(range(delivery_ids[0], delivery_ids[0] + count)), \
        "delivery ids are not contiguous"
    return Population(delivery_ids[0], delivery_ids[-1])


def status_counts(engine: Engine, rows: Population) -> dict[str, int]:
    with engine.connect() as conn:
        found = conn.execute(
            select(Delivery.status, func.count())
            .where(between(Delivery.id, rows.first_id, rows.last_id))
            .group_by(Delivery.status)).all()
    return {str(status): int(n) for status, n in found}


def server_counters(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        row = conn.execute(text(
            "SELECT xact_commit, tup_inserted, tup_updated, tup_returned + tup_fetched "
            "FROM pg_stat_database WHERE datname = current_database()")).one()
    return {"xact_commit": row[0], "tup_inserted": row[1], "tup_updated": row[2],
            "tup_read": row[3]}


# --- rendering -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    to: str
    data: bytes


def render_rows(rt: Runtime, rows: Population) -> list[Rendered]:
    """The messages the workers will send, built by the project's own code."""
    out: list[Rendered] = []
    with rt.read_session() as session:
        deliveries = list(session.execute(
            select(Delivery).where(between(Delivery.id, rows.first_id, rows.last_id))
            .order_by(Delivery.id)).scalars())
        couple_ids = select(Partner.couple_id).where(
            Partner.id.in_(select(Delivery.partner_id).where(
                between(Delivery.id, rows.first_id, rows.last_id))))
        partners = {p.id: p for p in session.execute(
            select(Partner).where(Partner.couple_id.in_(couple_ids))).scalars()}
        by_couple: dict[int, list[Partner]] = {}
        for partner in partners.values():
            by_couple.setdefault(partner.couple_id, []).append(partner)
        now = rt.clock.now()
        for delivery in deliveries:
            partner = partners[delivery.partner_id]
            other = next((p for p in by_couple[partner.couple_id] if p.id != partner.id),
                         None)
            email = compose(session, rt, delivery, partner, other)
            message = build_message(email, rt.settings.mail_from, now)
            out.append(Rendered(partner.email, message.data))
    return out


def render_cost(rt: Runtime, program: Program, rows: Population,
                samples: int) -> tuple[list[float], dict[str, float]]:
    """Milliseconds to render one stage email (compose + build_message), for
    every stage of the program, with real partners and unsaved delivery rows."""
    timings: list[float] = []
    per_stage: dict[str, float] = {}
    with rt.read_session() as session:
        partners = list(session.execute(
            select(Partner).where(Partner.id.in_(
                select(Delivery.partner_id).where(
                    between(Delivery.id, rows.first_id, rows.first_id + 2 * samples)))))
            .scalars())
        by_couple: dict[int, list[Partner]] = {}
        for partner in partners:
            by_couple.setdefault(partner.couple_id, []).append(partner)
        now = rt.clock.now()
        for stage in program.stages:
            stage_times = []
            for n in range(samples):
                partner = partners[n % len(partners)]
                other = next((p for p in by_couple[partner.couple_id] if p.id != partner.id),
                             None)
                delivery = Delivery(id=10_000_000 + n, partner_id=partner.id,
                                    kind=DeliveryKind.STAGE, key=stage.key,
                                    position=stage.position, due_at=now,
                                    status=DeliveryStatus.SENDING, attempts=1, created_at=now)
                started = time.perf_counter()
                email = compose(session, rt, delivery, partner, other)
                build_message(email, rt.settings.mail_from, now)
                stage_times.append((time.perf_counter() - started) * 1000)
            per_stage[stage.key] = statistics.median(stage_times)
            timings += stage_times
    return timings, per_stage


def raw_send(port: int, messages: list[Rendered], sink: Sink) -> float:
    """Messages per second over one plain smtplib session, measured to the last reply."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        for item in messages[:50]:  # warm-up, untimed
            client.sendmail(MAIL_FROM, [item.to], item.data)
        sink.reset()
        started = time.perf_counter()
        for item in messages:
            client.sendmail(MAIL_FROM, [item.to], item.data)
        elapsed = time.perf_counter() - started
    received, _ = sink.count()
    assert received == len(messages), f"sink got {received} of {len(messages)} (raw)"
    sink.reset()
    return len(messages) / elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the timed run ---------------------------------------------------------------------


def drain(rt: Runtime, engine: Engine, sink: Sink, rows: Population, sink_before: int,
          timeout: float, progress: bool) -> float:
    """Dispatches until nothing in ``rows`` is left to claim; returns the seconds until
    every row is sent and the sink holds every message (clock starts on entry)."""
    started = time.perf_counter()
    deadline = started + timeout
    next_dispatch = started
    next_report = started + 1.0
    claiming = True
    sink_done = db_done = False
    received = sink_before
    while True:
        now = time.perf_counter()
        if now > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s: {status_counts(engine, rows)}")
        if claiming and now >= next_dispatch:
            claimed = dispatch_due(rt)
            next_dispatch = now + DISPATCH_EVERY
            if len(claimed) < rt.settings.dispatch_batch_size:
                claiming = status_counts(engine, rows).get("scheduled", 0) > 0
        if not sink_done:
            received, _ = sink.count()
            sink_done = received - sink_before >= rows.count
        if sink_done and not db_done:
            counts = status_counts(engine, rows)
            db_done = counts.get("sent", 0) == rows.count
            if not db_done and set(counts) - {"sent", "sending", "claimed", "scheduled"}:
                raise SystemExit(f"rows ended in another state: {counts}")
        if sink_done and db_done:
            return time.perf_counter() - started
        if progress and now >= next_report:
            counts = status_counts(engine, rows)
            bad = set(counts) - {"sent", "sending", "claimed", "scheduled"}
            if bad:
                raise SystemExit(f"rows ended in another state: {counts}")
            log(f"  {now - started:5.1f} s: sink {received - sink_before}, db {counts}")
            next_report = now + 1.0
        time.sleep(0.02)


def warm_up(rt: Runtime, engine: Engine, sink: Sink, rows: Population) -> None:
    """Sends a first batch through both worker processes (connections, caches), untimed."""
    sink.reset()
    seconds = drain(rt, engine, sink, rows, 0, timeout=120, progress=False)
    log(f"warm-up: {rows.count} emails in {seconds:.2f} s")
    sink.reset()


def make_due(engine: Engine, rows: Population, due_at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(Delivery).where(between(Delivery.id, rows.first_id, rows.last_id))
                     .values(due_at=due_at))


# --- worker instrumentation (--profiled-worker) ----------------------------------------


@dataclass
class Phases:
    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, elapsed: float, calls: int = 1) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + elapsed
        self.calls[name] = self.calls.get(name, 0) + calls


def run_profiled_worker(celery_args: list[str]) -> None:
    """A Celery worker with timers around the delivery steps, SQL and libpq counters,
    and optionally cProfile around each task. Writes <pid>.json (and <pid>.prof) in
    $BENCH_DISPATCH_PROFILE_DIR when the worker process ends. Figures are reset when the
    bench writes the start mark, so the warm-up is left out."""
    import cProfile
    import runpy

    import psycopg.waiting
    from celery import signals
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    import tasks.worker as worker_module
    from reconnect.sending import outcomes, service

    out_dir = Path(os.environ[PROFILE_DIR_ENV])
    use_cprofile = bool(os.environ.get(CPROFILE_ENV))
    state: dict[str, Any] = {"phases": Phases(), "profile": None, "started": False,
                             "task_started": 0.0}

    def timed(name: str, fn: Callable[P, R]) -> Callable[P, R]:
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                state["phases"].add(name, time.perf_counter() - began)
        return wrapper

    patches: list[tuple[object, str, str]] = [
        (service, "deliver", "task: deliver()"),
        (service, "dispatch_due", "task: dispatch_due()"),
        (service, "_within_send_rate", "deliver: send-rate check"),
        (service, "_prepare", "deliver: _prepare (start_sending + load + compose)"),
        (service, "compose", "deliver: compose (render)"),
        (service, "build_message", "deliver: build_message"),
        (service, "record_sent", "deliver: record_sent (transaction)"),
        (outcomes, "schedule_next", "record_sent: schedule_next"),
        (smtplib.SMTP, "sendmail", "smtp: sendmail (wire + sink)"),
        (Session, "commit", "sql: Session.commit (flush + COMMIT)"),
        (psycopg.waiting, "wait", "libpq: wait (round trips)"),
    ]
    for owner, name, label in patches:
        original = getattr(owner, name, None)
        if original is not None:
            setattr(owner, name, timed(label, original))
    mailer = worker_module.runtime.mailer
    mailer.send = timed("smtp: mailer.send (flatten + wire)", mailer.send)  # type: ignore[method-assign]
    engine = worker_module.runtime.engine
    tables = re.compile(r"\b(deliveries|partners|couples|program_versions)\b")

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        table = tables.search(statement)
        lock = " FOR UPDATE" if "FOR UPDATE" in statement else ""
        label = f"stmt: {verb} {table.group(1) if table else '?'}{lock}"
        state["phases"].add(label, time.perf_counter() - conn.info.pop("bench_started"))

    @event.listens_for(engine, "checkout")
    def _checkout(*_: Any) -> None:
        state["phases"].add("pool: checkout (pre-ping)", 0.0)

    def maybe_start() -> None:
        if not state["started"] and (out_dir / START_MARK).exists():
            state["started"] = True
            state["phases"] = Phases()
            state["profile"] = cProfile.Profile() if use_cprofile else None

    @signals.task_prerun.connect
    def _prerun(**_: object) -> None:
        maybe_start()
        state["task_started"] = time.perf_counter()
        if state["profile"] is not None:
            state["profile"].enable()

    @signals.task_postrun.connect
    def _postrun(**_: object) -> None:
        if state["profile"] is not None:
            state["profile"].disable()
        state["phases"].add("task: whole task incl. Celery trace",
                            time.perf_counter() - state["task_started"])

    def dump(**_: object) -> None:
        phases: Phases = state["phases"]
        if not state["started"] or not phases.calls:
            return
        pid = os.getpid()
        (out_dir / f"{pid}.json").write_text(json.dumps(
            {"seconds": phases.seconds, "calls": phases.calls}))
        if state["profile"] is not None:
            state["profile"].dump_stats(str(out_dir / f"{pid}.prof"))

    signals.worker_process_shutdown.connect(dump, weak=False)
    signals.worker_shutdown.connect(dump, weak=False)
    sys.argv = ["celery", *celery_args]
    runpy.run_module("celery", run_name="__main__", alter_sys=True)


def report_profile(profile_dir: Path, emails: int) -> None:
    total = Phases()
    files = sorted(profile_dir.glob("*.json"))
    for path in files:
        data = json.loads(path.read_text())
        for name, seconds in data["seconds"].items():
            total.add(name, seconds, data["calls"][name])
    if not files:
        log("profile: no worker wrote figures")
        return
    log(f"profile ({len(files)} worker processes), per email over {emails}:")
    for name in sorted(total.seconds, key=lambda n: (n.split(":")[0], -total.seconds[n])):
        log(f"  {name:58s} {total.calls[name] / emails:6.2f} calls  "
            f"{total.seconds[name] * 1000 / emails:7.3f} ms")
    for prof in sorted(profile_dir.glob("*.prof")):
        import io
        import pstats

        buffer = io.StringIO()
        pstats.Stats(str(prof), stream=buffer).sort_stats("tottime").print_stats(25)
        (prof.with_suffix(".txt")).write_text(buffer.getvalue())
        log(f"  cProfile: {prof} (top by tottime in {prof.with_suffix('.txt')})")


# --- main ------------------------------------------------------------------------------


@contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def bench_settings(port: int, metrics: bool) -> Settings:
    return Settings(
        _env_file=None, env=Environment.PRODUCTION, secret_key=SECRET, base_url=BASE_URL,
        database_url=BENCH_URL, redis_url=REDIS_URL, smtp_host="127.0.0.1", smtp_port=port,
        mail_from=MAIL_FROM, metrics_enabled=metrics)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=3000)
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork",
                        help="one prefork worker with 2 children, or two solo workers")
    parser.add_argument("--profile", choices=["none", "phases", "cprofile"], default="none")
    parser.add_argument("--no-metrics", action="store_true",
                        help="workers and dispatcher write no counters, to measure their cost")
    args = parser.parse_args()
    if args.emails < 2:
        parser.error("--emails must be at least 2")

    log_dir = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    log(f"logs in {log_dir}")
    ensure_database(BENCH_URL)
    rebuild(BENCH_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()

    sink: Sink | None = None
    workers: list[subprocess.Popen[bytes]] = []
    rt: Runtime | None = None
    engine = make_engine(BENCH_URL, pool_size=2)
    try:
        with terminate_on_sigterm():
            sink = Sink(log_dir)
            settings = bench_settings(sink.port, metrics=not args.no_metrics)
            rt = build_runtime(settings, sender=CelerySender(make_celery(settings)))
            rt.load_programs()
            version_id, program = rt.programs.current(settings.program)

            started = time.perf_counter()
            now = datetime.now(UTC)
            later = now + timedelta(days=30)
            timed_rows = populate(engine, program, version_id, args.emails, "b", later, now)
            warm_rows = populate(engine, program, version_id, WARMUP_EMAILS, "w", now, now)
            vacuum_analyze(engine)
            log(f"populated {args.emails} + {WARMUP_EMAILS} warm-up partners with a due "
                f"stage in {time.perf_counter() - started:.1f} s")

            started = time.perf_counter()
            messages = render_rows(rt, timed_rows)
            log(f"rendered {len(messages)} messages for the raw bound in "
                f"{time.perf_counter() - started:.1f} s (avg "
                f"{statistics.mean(len(m.data) for m in messages) / 1024:.1f} KiB)")
            raw_per_s = raw_send(sink.port, messages, sink)
            log(f"raw smtplib, one connection: {raw_per_s:.0f} messages/s")
            del messages

            render_ms, per_stage = render_cost(rt, program, timed_rows,
                                               RENDER_SAMPLES_PER_STAGE)
            log("render ms (median) by stage: "
                + ", ".join(f"{k} {v:.2f}" for k, v in per_stage.items()))

            workers = start_workers(settings, args.pool, args.profile, log_dir)
            wait_for_workers(rt, len(workers), workers)
            warm_up(rt, engine, sink, warm_rows)

            make_due(engine, timed_rows, datetime.now(UTC) - timedelta(seconds=1))
            vacuum_analyze(engine)
            time.sleep(1.1)  # lets this process's backend flush its statistics first
            before = server_counters(engine)
            if args.profile != "none":
                (log_dir / "profile" / START_MARK).touch()
            log(f"timed run: {args.emails} emails, {args.pool} pool, 2 worker processes")
            cpu_before = cpu_sample()
            seconds = drain(rt, engine, sink, timed_rows, 0, timeout=120 + args.emails / 20,
                            progress=True)
            cpu_after = cpu_sample()
            with engine.connect() as conn:
                backends = set(conn.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                ).scalars())
            received, distinct = sink.count()
            emails_per_s = args.emails / seconds
            log(f"all {args.emails} sent in {seconds:.2f} s: {emails_per_s:.0f} emails/s "
                f"(sink: {received} messages, {distinct} recipients)")

            kids = [pid for w in workers for pid in children(w.pid)]
            pids = [pid for w in workers for pid in [w.pid, *children(w.pid)]]
            cpu = cpu_breakdown(cpu_before, cpu_after, {
                "workers (prefork children)": set(kids),
                "workers" if args.pool == "solo" else "workers (prefork parent)":
                {w.pid for w in workers},
                "sink": {sink.process.pid}, "bench (dispatcher)":
                {os.getpid()}, "postgres (bench db backends)": backends}, args.emails)
            shown = {k: v for k, v in cpu.items() if v >= 0.05}
            log(f"CPU ms per email during the timed run ({os.cpu_count()} cores, "
                f"{1000 * (os.cpu_count() or 1) / emails_per_s:.1f} ms available): {shown}")
            rss = [mb for mb in (peak_rss_mb(pid) for pid in pids) if mb is not None]
            with engine.connect() as conn:
                next_rows = conn.execute(select(func.count()).select_from(Delivery).where(
                    Delivery.id > warm_rows.last_id,
                    Delivery.partner_id.in_(select(Delivery.partner_id).where(between(
                        Delivery.id, timed_rows.first_id, timed_rows.last_id))))
                ).scalar_one()
            log(f"next stages planned: {next_rows} of {args.emails}")
            for process in workers:
                stop_process(process)
            workers = []
            rt.close()
            rt = None
            engine.dispose()
            time.sleep(1.0)  # exited backends flush their statistics
            after = server_counters(engine)
            per_email = {k: round((after[k] - before[k]) / args.emails, 2) for k in after}
            log(f"server side per email (tup_read is mostly this process's polling): "
                f"{per_email}")
            if args.profile != "none":
                report_profile(log_dir / "profile", args.emails)
    finally:
        for process in workers:
            stop_process(process)
        if sink is not None:
            sink.stop()
        if rt is not None:
            rt.close()
        engine.dispose()
        with suppress(redis.RedisError):
            redis.Redis.from_url(REDIS_URL).flushdb()

    ratio = emails_per_s / raw_per_s
    worker_cpu = sum(v for k, v in cpu.items() if k.startswith("workers"))
    result = {
        "emails": args.emails,
        "seconds": round(seconds, 2),
        "emails_per_s": round(emails_per_s, 1),
        "raw_per_s": round(raw_per_s, 1),
        "ratio_to_raw": round(ratio, 3),
        "render_ms_median": round(statistics.median(render_ms), 2),
        "render_ms_p95": round(percentile(render_ms, 0.95), 2),
        "worker_peak_rss_mb": rss,
        "workers": 2,
        "cpu_ms_per_email": {k: v for k, v in cpu.items() if v >= 0.05},
        "pool": args.pool,
        "profile": args.profile,
        "metrics": not args.no_metrics,
        "worker_cpu_ms_per_email": round(worker_cpu, 2),
        "goal_met": ratio >= GOAL_RATIO and worker_cpu <= GOAL_CPU_MS
        and all(mb < GOAL_RSS_MB for mb in rss),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sink"]:
        run_sink()
    elif sys.argv[1:2] == ["--profiled-worker"]:
        run_profiled_worker(sys.argv[2:])
    else:
        main()
