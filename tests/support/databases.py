"""The two databases the code branches on, for the dialect contract tests (tests/dialects/).

SQLite is always a fresh file. PostgreSQL is, in this order: RECONNECT_DIALECT_POSTGRES_URL;
a database named after RECONNECT_DATABASE_URL's, with ``_dialects`` added, on the same
server when that URL is PostgreSQL (CI); or ``reconnect_dialects_<checkout>`` on a server
at 127.0.0.1:5432 when one answers (a developer's machine; one database per checkout, so
two checkouts testing at once do not empty each other's tables). Where none answers, the
PostgreSQL half says so and skips.
"""

from __future__ import annotations

import hashlib
import os

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from reconnect.db.engine import make_engine
from reconnect.models import Base
from reconnect.settings import PROJECT_ROOT

_CHECKOUT = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:8]
LOCAL_SERVER = f"postgresql+psycopg://postgres@127.0.0.1:5432/reconnect_dialects_{_CHECKOUT}"


def postgres_url() -> str | None:
    """A PostgreSQL database for the dialect tests, made if missing; None if no server."""
    url = os.environ.get("RECONNECT_DIALECT_POSTGRES_URL")
    if not url:
        configured = os.environ.get("RECONNECT_DATABASE_URL", "")
        if configured.startswith("postgresql"):
            parsed = make_url(configured)
            url = parsed.set(database=f"{parsed.database}_dialects").render_as_string(
                hide_password=False)
        else:
            url = LOCAL_SERVER
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": target.database}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except OperationalError:
        return None
    finally:
        admin.dispose()
    return url


def empty_tables(url: str) -> None:
    engine = make_engine(url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - our own names
    engine.dispose()
