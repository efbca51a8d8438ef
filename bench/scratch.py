"""A scratch Postgres database for a benchmark, never the test suite's own."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError


def ensure_database(url: str) -> None:
    target = make_url(url)
    name = target.database
    assert name, "the bench URL must name a database"
    if name == "test":
        raise SystemExit("refusing to use the 'test' database for a benchmark")
    last_error: Exception | None = None
    # CREATE DATABASE cannot run inside a transaction, hence AUTOCOMMIT on another db.
    for maintenance in ("postgres", "test"):
        admin = create_engine(target.set(database=maintenance), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                      {"n": name}).first()
                if exists is None:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            return
        except OperationalError as error:  # that one may not exist; try the next
            last_error = error
        finally:
            admin.dispose()
    raise SystemExit(f"cannot reach Postgres to create {name}: {last_error}")
