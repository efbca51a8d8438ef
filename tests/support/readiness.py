"""Databases of a test's own at a chosen migration, on SQLite or on the session's
PostgreSQL server (in a schema of their own, dropped afterwards, so the shared tables are
never touched)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from reconnect.db.migrate import alembic_config


def on_postgres() -> bool:
    return os.environ.get("RECONNECT_DATABASE_URL", "").startswith("postgresql")


@contextmanager
def database_at(revision: str, sqlite_path: Path, backend: str = "sqlite") -> Iterator[str]:
    """A database migrated to ``revision`` (or "head"); yields its URL."""
    if backend == "sqlite":
        url = f"sqlite:///{sqlite_path}"
        command.upgrade(alembic_config(url), revision)
        yield url
        return
    server = os.environ["RECONNECT_DATABASE_URL"]
    schema = f"readiness_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in server else "?"
    url = f"{server}{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        command.upgrade(alembic_config(url), revision)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
