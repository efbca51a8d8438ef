"""lighter claims: fewer index entries written when the dispatcher claims due emails

Claiming moves each due row to ``claimed``; Postgres writes a new version of the row
and an entry for it in every index whose rows it belongs to. The Message-ID index now
holds only rows that have one (a row being claimed has none yet), so a claim writes one
index entry less per row; and the due index carries the id as well, so the claim reads
due rows already in the order it takes them instead of sorting them.

Indexes only, built without blocking writes on Postgres (CONCURRENTLY), so the release
before this one runs on this schema unchanged.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None
backward_compatible = True

HAS_MESSAGE_ID = sa.text("message_id IS NOT NULL")


def _swap(drop: str, create: str, columns: list[str], where: sa.TextClause | None = None
          ) -> None:
    concurrently = op.get_bind().dialect.name == "postgresql"
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    with op.get_context().autocommit_block():
        op.create_index(create, "deliveries", columns, postgresql_concurrently=concurrently,
                        if_not_exists=True, postgresql_where=where, sqlite_where=where)
        op.drop_index(drop, table_name="deliveries", postgresql_concurrently=concurrently,
                      if_exists=True)


def upgrade() -> None:
    _swap("ix_deliveries_message_id", "ix_deliveries_message_id_set", ["message_id"],
          HAS_MESSAGE_ID)
    _swap("ix_deliveries_status_due_at", "ix_deliveries_status_due_at_id",
          ["status", "due_at", "id"])


def downgrade() -> None:
    _swap("ix_deliveries_status_due_at_id", "ix_deliveries_status_due_at",
          ["status", "due_at"])
    _swap("ix_deliveries_message_id_set", "ix_deliveries_message_id", ["message_id"])
