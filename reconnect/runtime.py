"""Wires the parts every process needs: settings, database, clock, tokens, programs, mail.

``api/``, ``tasks/`` and ``cli/`` each build one :class:`Runtime` at start; tests build
their own with a manual clock and hand it in with :func:`set_runtime`. Nothing else in
``reconnect/`` imports this module: services take the small interfaces of
:mod:`reconnect.ports`, which a Runtime satisfies (the narrow-dependencies contract in
pyproject.toml).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import redis
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session, sessionmaker

from reconnect.clock import Clock, SystemClock, TravellingClock
from reconnect.db.engine import (
    Waits,
    make_engine,
    make_read_session_factory,
    make_session_factory,
)
from reconnect.db.uow import TaskSender, UnitOfWork, unit_of_work
from reconnect.mail.smtp import SmtpMailer
from reconnect.mail.throttle import SendThrottle
from reconnect.metrics.events import Metrics
from reconnect.metrics.store import RedisStore
from reconnect.models import ClockOffset
from reconnect.program.catalog import ProgramCatalog
from reconnect.settings import Settings, get_settings
from reconnect.tokens import Purpose, Tokens


class NullSender:
    """Drops jobs: for one-shot commands that run no background work."""

    def send(self, name: str, args: tuple[int, ...], countdown: float = 0.0) -> None:
        return None


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    tokens: Tokens
    programs: ProgramCatalog
    mailer: SmtpMailer
    sender: TaskSender = field(default_factory=NullSender)
    throttle: SendThrottle | None = None
    metrics: Metrics = field(default_factory=Metrics)  # counts nothing unless given a store
    read_factory: sessionmaker[Session] | None = None

    def unit_of_work(self, bind: Connection | None = None
                     ) -> AbstractContextManager[UnitOfWork]:
        return unit_of_work(self.session_factory, self.sender, bind)

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reads; closing it ends the transaction without writing. On
        SQLite it never takes the write lock, so reads do not wait for writers."""
        factory = self.read_factory or self.session_factory
        with factory() as session:
            yield session

    def close(self) -> None:
        """Ends the SMTP session and closes pooled database connections."""
        self.mailer.close()
        self.metrics.close()
        self.engine.dispose()

    def load_programs(self) -> None:
        self.programs.load(self.session_factory, self.clock.now())


def build_runtime(settings: Settings | None = None, clock: Clock | None = None,
                  sender: TaskSender | None = None) -> Runtime:
    settings = settings or get_settings()
    if settings.database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url, settings.db_pool_size, settings.db_max_overflow,
                         waits_of(settings))
    factory = make_session_factory(engine)
    if clock is None:
        clock = TravellingClock(lambda: read_clock_offset(engine)) if settings.time_travel \
            else SystemClock()
    tokens = Tokens(settings.secret_key, clock, {
        Purpose.CONFIRM: timedelta(days=settings.confirm_token_days),
        Purpose.REFLECT: timedelta(days=settings.reflect_token_days),
        Purpose.UNSUBSCRIBE: timedelta(days=settings.unsubscribe_token_days),
        # The preferences link sits beside the unsubscribe link and lives as long.
        Purpose.PREFERENCES: timedelta(days=settings.unsubscribe_token_days),
        # "Never invite me again" must work however late the invitation is read.
        Purpose.NO_INVITES: timedelta(days=settings.unsubscribe_token_days),
        # Both answer an email sent on request, like a confirmation.
        Purpose.REJOIN: timedelta(days=settings.confirm_token_days),
        Purpose.ADDRESS: timedelta(days=settings.confirm_token_days),
    })
    return Runtime(settings=settings, engine=engine, session_factory=factory,
                   read_factory=make_read_session_factory(engine), clock=clock,
                   tokens=tokens, programs=ProgramCatalog(settings.program_dir, settings.program,
                                           settings.program_reload_seconds, clock.now),
                   mailer=SmtpMailer(settings), sender=sender or NullSender(),
                   throttle=_throttle(settings), metrics=_metrics(settings))


@contextmanager
def command_runtime() -> Iterator[Runtime]:
    """The runtime of a one-shot command (``reconnect program …``, ``reconnect admin …``):
    built from the environment, programs loaded, closed when the command is done."""
    rt = build_runtime()
    try:
        rt.load_programs()
        yield rt
    finally:
        rt.close()


def waits_of(settings: Settings) -> Waits:
    return Waits(lock=settings.db_lock_timeout_seconds,
                 statement=settings.db_statement_timeout_seconds,
                 idle_in_transaction=settings.db_idle_in_transaction_timeout_seconds)


def _throttle(settings: Settings) -> SendThrottle | None:
    if not settings.smtp_max_per_second or settings.redis_url is None:
        return None
    return SendThrottle(redis.Redis.from_url(settings.redis_url),
                        f"{settings.smtp_host}:{settings.smtp_port}",
                        settings.smtp_max_per_second)


def _metrics(settings: Settings) -> Metrics:
    # Kept in Redis so counts from every process on every machine add up.
    if not settings.metrics_enabled or settings.redis_url is None:
        return Metrics(None)
    return Metrics(RedisStore.from_url(settings.redis_url))


def read_clock_offset(engine: Engine) -> float:
    # Autocommit: the clock may be read while this thread holds an open transaction on
    # another connection, and on SQLite a second write transaction would wait for it.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        value = conn.execute(select(ClockOffset.offset_seconds)).scalar_one_or_none()
    return float(value or 0.0)


_runtime: Runtime | None = None
_lock = threading.Lock()


def get_runtime() -> Runtime:
    global _runtime
    with _lock:
        if _runtime is None:
            raise RuntimeError("the runtime has not been started; call set_runtime() first")
        return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    with _lock:
        _runtime = runtime
