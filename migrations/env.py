from __future__ import annotations

from functools import partial

from alembic import context
from sqlalchemy import Connection

from reconnect.db.engine import make_engine
from reconnect.db.revisions import record_step
from reconnect.models import Base
from reconnect.settings import get_settings


def run_migrations(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and not connection.in_transaction():
        # Rebuilding a table on SQLite drops the old one, and with foreign keys on, that
        # drop would cascade into every row that references it. The pragma only takes
        # effect outside a transaction; the check at the end proves nothing broke.
        _pragma(connection, "foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # Every revision applied or undone is recorded with its backward-compatibility
        # flag, for older releases to read (reconnect/db/revisions.py).
        on_version_apply=partial(record_step, context.script),
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows with broken references: {broken}")
    if sqlite and not connection.in_transaction():
        _pragma(connection, "foreign_keys=ON")


def _pragma(connection: Connection, setting: str) -> None:
    # On the driver's connection, which is in autocommit mode (reconnect.db.engine):
    # through SQLAlchemy it would open a transaction first, where the pragma is ignored.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA {setting}")


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
