"""finding the way back: timed pauses, change of address, link requests, leaving reasons

Expand only. When a timed pause ends (null: paused until resumed); a new address waiting
for its owner's confirmation; "email me my links" requests as they arrive, before anyone
looks up the address (as signup requests are kept); and how many people gave each reason
for leaving, as bare counts that name no one.

On SQLite, 0009 gave partners, reflections and signup requests back the AUTOINCREMENT
that 0008's rebuild dropped; anything here that rebuilds ``partners`` (the downgrade's
dropped columns) keeps it, so ids are never handed out twice.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None
# The release before this one runs on this schema: it only adds.
backward_compatible = True


def _ids_grow() -> dict[str, object]:
    # A batch rebuild on SQLite copies the columns, not the table's options: without
    # AUTOINCREMENT, SQLite hands a deleted row's id out again, and ids must only ever
    # grow (models.NEVER_REUSE_IDS).
    return {"sqlite_autoincrement": True} if op.get_bind().dialect.name == "sqlite" else {}


def upgrade() -> None:
    with op.batch_alter_table("partners", table_kwargs=_ids_grow()) as batch:
        batch.add_column(sa.Column("pause_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("pending_email", sa.String(254), nullable=True))
    op.create_index("ix_partners_pause_until", "partners", ["pause_until"])
    op.create_table(
        "link_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_requests")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_link_requests_received_at", "link_requests", ["received_at"])
    op.create_table(
        "leaving_reasons",
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("reason", name=op.f("pk_leaving_reasons")),
    )


def downgrade() -> None:
    op.drop_table("leaving_reasons")
    op.drop_index("ix_link_requests_received_at", table_name="link_requests")
    op.drop_table("link_requests")
    op.drop_index("ix_partners_pause_until", table_name="partners")
    with op.batch_alter_table("partners", table_kwargs=_ids_grow()) as batch:
        batch.drop_column("pending_email")
        batch.drop_column("pause_until")
