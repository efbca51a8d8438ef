"""Engines with limits: nothing waits forever for a lock, a statement or an idle
transaction, on either database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

# Sessions that only read: on SQLite they begin a deferred transaction, so readers never
# queue behind writers for the file's write lock (WAL lets them read side by side).
READ_ONLY = {"reconnect_read_only": True}


@dataclass(frozen=True)
class Waits:
    """How long a session may wait, in seconds (``None``: the database's default)."""

    lock: float | None = None
    statement: float | None = None
    idle_in_transaction: float | None = None


def make_engine(url: str, pool_size: int = 20, max_overflow: int = 10,
                waits: Waits | None = None, **kwargs: Any) -> Engine:
    waits = waits or Waits()
    if url.startswith("sqlite"):
        return _sqlite_engine(url, waits, **kwargs)
    options = " ".join(f"-c {name}={int(seconds * 1000)}" for name, seconds in (
        ("lock_timeout", waits.lock), ("statement_timeout", waits.statement),
        ("idle_in_transaction_session_timeout", waits.idle_in_transaction))
        if seconds is not None)
    connect_args = {"options": options} if options else {}
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size,
                         max_overflow=max_overflow, connect_args=connect_args, **kwargs)


def _sqlite_engine(url: str, waits: Waits, **kwargs: Any) -> Engine:
    # Several processes (API, worker, beat) share one file: WAL lets readers and one
    # writer work side by side, and busy_timeout makes writers wait instead of failing,
    # for a bounded time (then "database is locked", which requests answer with 503).
    busy_ms = int((waits.lock if waits.lock is not None else 30.0) * 1000)
    engine = create_engine(url, connect_args={"timeout": busy_ms / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN; we issue it ourselves so
        # that a compare-and-set UPDATE takes the write lock at once.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        conn.exec_driver_sql("BEGIN" if options.get("reconnect_read_only")
                             else "BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine.execution_options(**READ_ONLY), expire_on_commit=False,
                        autoflush=False)
