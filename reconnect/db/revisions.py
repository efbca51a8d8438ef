"""Which migrations an older release can run on: the record every migration leaves in
``schema_revisions``, and reading it back.

Each migration module says ``backward_compatible = True`` when the release before it
runs on its schema (it only adds: tables, nullable columns, columns with a default;
docs/operating.md, "Rollbacks"). A module that does not say so is taken as not
compatible. When a migration is applied, its revision, the revision before it and that
flag are written to ``schema_revisions``; undoing it deletes the row. An older release
does not have the newer migration files, so that table is how it learns what they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Table, delete, insert, inspect, select

from reconnect.models import SchemaRevision

_TABLE = cast(Table, SchemaRevision.__table__)


def record_step(scripts: ScriptDirectory, ctx: Any, step: Any, heads: Any,
                run_args: Any) -> None:
    """Alembic's ``on_version_apply`` hook: keeps ``schema_revisions`` in step with the
    revisions applied (from the revision that creates the table on)."""
    conn: Connection = ctx.connection
    if not inspect(conn).has_table(SchemaRevision.__tablename__):
        return  # a revision before the table existed, or the one that just dropped it
    if step.is_upgrade:
        revision = step.up_revision_id
        module = scripts.get_revision(revision).module
        down = scripts.get_revision(revision).down_revision
        conn.execute(delete(_TABLE).where(_TABLE.c.revision == revision))
        conn.execute(insert(_TABLE).values(
            revision=revision, down_revision=down if isinstance(down, str) else None,
            backward_compatible=bool(getattr(module, "backward_compatible", False)),
            applied_at=datetime.now(UTC)))
    else:
        conn.execute(delete(_TABLE).where(_TABLE.c.revision.in_(step.down_revision_ids or [])))


@dataclass(frozen=True)
class Ahead:
    """A database migrated past this release's newest revision."""

    current: str
    head: str
    newer: tuple[str, ...]  # the revisions this release does not know, oldest first
    blocking: tuple[str, ...]  # those not marked backward-compatible
    traced: bool  # the newer revisions lead back to this release's head

    @property
    def compatible(self) -> bool:
        return self.traced and not self.blocking

    def explain(self) -> str:
        newer = ", ".join(self.newer) or self.current
        start = (f"The database is at {self.current}, newer than this release (its newest "
                 f"migration is {self.head}; newer: {newer})")
        if self.compatible:
            return (f"{start}. Every newer migration is marked backward-compatible, so "
                    "this release runs on it as it is.")
        why = (f"{', '.join(self.blocking)} {'is' if len(self.blocking) == 1 else 'are'} "
               "not backward-compatible" if self.traced and self.blocking else
               "this release cannot tell whether it can run on it (the newer migrations "
               "are not recorded as following this release's newest one)")
        return (f"{start}, and {why}. Downgrade the database with the newer release "
                f"first: `reconnect db downgrade {self.head}` (with Docker Compose: "
                f"`RECONNECT_IMAGE=<newer image> docker compose run --rm migrate "
                f"reconnect db downgrade {self.head}`), then start this release.")


def ahead_of(conn: Connection, current: str, scripts: ScriptDirectory) -> Ahead:
    """Walks the recorded revisions from ``current`` back to one this release knows."""
    head = scripts.get_current_head()
    assert head is not None
    known = {script.revision for script in scripts.walk_revisions()}
    recorded: dict[str, tuple[str | None, bool]] = {}
    if inspect(conn).has_table(SchemaRevision.__tablename__):
        recorded = {row.revision: (row.down_revision, row.backward_compatible)
                    for row in conn.execute(select(_TABLE))}
    newer: list[str] = []
    blocking: list[str] = []
    revision: str | None = current
    while revision is not None and revision not in known and revision not in newer:
        newer.append(revision)
        down, compatible = recorded.get(revision, (None, False))
        if not compatible:
            blocking.append(revision)
        revision = down
    return Ahead(current=current, head=head, newer=tuple(reversed(newer)),
                 blocking=tuple(reversed(blocking)), traced=revision == head)
