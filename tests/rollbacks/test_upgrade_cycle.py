"""Every migration goes forward and back: upgrade, roll back to the first revision, and
upgrade again gives exactly the schema the models describe (PostgreSQL in CI, SQLite
locally), and each applied revision leaves its record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from cli.main import main
from reconnect.db.migrate import script_directory, upgrade
from reconnect.models import Base, SchemaRevision

HEAD = str(script_directory().get_current_head())


def _schema_diff(url: str) -> list[object]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    return list(diff)


def test_upgrade_roll_back_to_the_first_revision_and_upgrade_again(
        scratch_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    engine = create_engine(scratch_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO couples (created_at) VALUES (:t)"),
                     {"t": datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)})

    assert main(["db", "downgrade", "0001"]) == 0
    undone = capsys.readouterr().out
    assert f"Undoing {HEAD}:" in undone
    assert "Undoing 0002:" in undone
    assert "Database is at 0001." in undone

    assert main(["db", "upgrade"]) == 0
    assert _schema_diff(scratch_url) == []
    with engine.connect() as conn:  # what the first revision held survives the cycle
        assert conn.execute(text("SELECT count(*) FROM couples")).scalar_one() == 1
    engine.dispose()


def test_each_revision_applied_records_whether_the_release_before_runs_on_it(
        scratch_url: str) -> None:
    upgrade(scratch_url)
    engine = create_engine(scratch_url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = {r.revision: r for r in conn.execute(select(SchemaRevision.__table__))}
    engine.dispose()
    assert HEAD in rows
    assert rows[HEAD].backward_compatible is True
    assert rows[HEAD].down_revision is not None
