"""The checks themselves: each returns {check name: "ok" or a plain reason}.

Reasons name hosts, ports and files, never passwords or URLs with credentials: whatever a
driver says passes through :func:`scrub` first."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import redis
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from reconnect.db.migrate import SchemaState, schema_state, script_directory
from reconnect.mail.smtp import probe_relay
from reconnect.settings import Settings

OK = "ok"
# Each network step of each check (connect, one command) gives up after this long.
STEP_SECONDS = 2.0


def check_database(engine: Engine, scripts: ScriptDirectory, database_url: str
                   ) -> dict[str, str]:
    missing = _missing_sqlite_file(database_url)
    if missing is not None:  # connecting would create an empty database file
        return {"database": f"unreachable: no database file at {missing}",
                "migrations": "unknown: the database is unreachable"}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                state = schema_state(conn, scripts)
            except SQLAlchemyError as exc:
                return {"database": OK, "migrations": f"unknown: {_database_error(exc)}"}
    except SQLAlchemyError as exc:
        return {"database": f"unreachable: {_database_error(exc)}",
                "migrations": "unknown: the database is unreachable"}
    return {"database": OK, "migrations": state.problem() or OK}


def check_redis(url: str | None) -> dict[str, str]:
    if url is None:
        return {"redis": "not configured: set RECONNECT_REDIS_URL"}
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=STEP_SECONDS,
                                  socket_timeout=STEP_SECONDS) as client:
            client.ping()
    except redis.AuthenticationError as exc:
        return {"redis": f"{_where(url)} refused the credentials in RECONNECT_REDIS_URL "
                         f"({_first_line(exc)})"}
    except (redis.RedisError, OSError, ValueError) as exc:
        return {"redis": f"unreachable at {_where(url)}: {_first_line(exc)}"}
    return {"redis": OK}


def check_smtp(settings: Settings) -> dict[str, str]:
    s = settings
    where = f"{s.smtp_host}:{s.smtp_port}"
    try:
        probe_relay(s, STEP_SECONDS)
    except smtplib.SMTPAuthenticationError as exc:
        return {"smtp": f"{where} refused the login of RECONNECT_SMTP_USERNAME "
                        f"(SMTP {exc.smtp_code}); check it and RECONNECT_SMTP_PASSWORD"}
    except smtplib.SMTPNotSupportedError as exc:
        if "AUTH" in str(exc):
            return {"smtp": f"{where} offers no login (AUTH) on this connection; check "
                            "RECONNECT_SMTP_SECURITY, or unset RECONNECT_SMTP_USERNAME"}
        return {"smtp": f"{where} does not offer STARTTLS; set RECONNECT_SMTP_SECURITY "
                        "to what the relay supports (tls on port 465, or none)"}
    except smtplib.SMTPResponseException as exc:
        return {"smtp": f"{where} refused the greeting or EHLO (SMTP {exc.smtp_code})"}
    except ssl.SSLError as exc:
        return {"smtp": f"TLS with {where} failed ({_first_line(exc)}); check "
                        "RECONNECT_SMTP_SECURITY and the relay's certificate"}
    except TimeoutError:
        return {"smtp": f"no answer from {where} within {STEP_SECONDS:g} s"}
    except (smtplib.SMTPException, OSError) as exc:
        return {"smtp": f"unreachable at {where}: {_first_line(exc)}"}
    return {"smtp": OK}


def read_schema(settings: Settings) -> SchemaState | str:
    """The database's schema against this release, or why the database could not be read.
    For a process starting up: one connection, closed at once."""
    engine = probe_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return schema_state(conn, script_directory())
    except SQLAlchemyError as exc:
        return scrub(_database_error(exc), secrets_of(settings))
    finally:
        engine.dispose()


def probe_engine(database_url: str) -> Engine:
    """An engine for checks only: a fresh connection each time (a pool exhausted by
    requests must not make the check wait) that gives up connecting after a step."""
    if database_url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"timeout": STEP_SECONDS}
    elif database_url.startswith("postgresql"):
        connect_args = {"connect_timeout": max(2, round(STEP_SECONDS))}  # libpq: whole s, ≥ 2
    else:
        connect_args = {}
    return create_engine(database_url, poolclass=NullPool, connect_args=connect_args)


def _missing_sqlite_file(database_url: str) -> str | None:
    url = make_url(database_url)
    path = url.database
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:" or \
            path.startswith("file:") or Path(path).exists():
        return None
    return path


def _database_error(exc: SQLAlchemyError) -> str:
    return _first_line(getattr(exc, "orig", None) or exc)


def _first_line(exc: BaseException) -> str:
    # Driver messages run to several lines (hints, "Background on this error at …").
    words = " ".join(str(exc).split("\n")[0].split())
    return words or type(exc).__name__


def _where(url: str) -> str:
    """host:port of a URL, without user name or password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "the configured address"
    return f"{parsed.host or 'localhost'}:{parsed.port or 6379}"


def scrub(reason: str, secrets: list[str]) -> str:
    for secret in secrets:
        reason = reason.replace(secret, "***")
    return reason


def secrets_of(settings: Settings) -> list[str]:
    found: Iterable[str | None] = (
        settings.secret_key, settings.admin_token, settings.smtp_password,
        _password(settings.database_url), _password(settings.redis_url))
    # Longest first, so a secret that contains another is replaced whole.
    return sorted({s for s in found if s and len(s) >= 4}, key=len, reverse=True)


def _password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return make_url(url).password
    except ArgumentError:
        return None
