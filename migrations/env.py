from __future__ import annotations

from functools import partial

from alembic import context
from sqlalchemy import Connection

from reconnect.db.engine import make_engine
from reconnect.db.revisions import record_step
from reconnect.models import Base
from reconnect.settings import get_settings


def run_migrations(connection: Connection) -> None:
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


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
