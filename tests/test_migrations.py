"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from reconnect.db.migrate import is_current
from reconnect.models import Base
from reconnect.runtime import Runtime


def test_the_migrated_database_matches_the_models(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_the_database_reports_itself_current(runtime: Runtime) -> None:
    assert is_current(runtime.engine, runtime.settings.database_url)
