"""bounces, failure times, suppression reasons, and the record of applied revisions

Expand only: a new table for late bounces and complaints, two nullable columns, and
schema_revisions, where every migration applied from now on records whether the release
before it runs on its schema (an older release reads it to decide whether it may run on
a newer database).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None
# The release before this one runs on this schema: it only adds.
backward_compatible = True


def upgrade() -> None:
    op.create_table(
        "schema_revisions",
        sa.Column("revision", sa.String(32), nullable=False),
        sa.Column("down_revision", sa.String(32), nullable=True),
        sa.Column("backward_compatible", sa.Boolean(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("revision", name=op.f("pk_schema_revisions")),
    )
    op.create_table(
        "bounces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("kind", sa.Enum("hard", "soft", "complaint", name="bouncekind",
                                  native_enum=False, length=16), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("detail", sa.String(300), nullable=True),
        sa.Column("event_key", sa.String(128), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE",
                                name=op.f("fk_bounces_partner_id_partners")),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE",
                                name=op.f("fk_bounces_delivery_id_deliveries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounces")),
        sa.UniqueConstraint("event_key", name=op.f("uq_bounces_event_key")),
    )
    op.create_index("ix_bounces_partner_id_received_at", "bounces",
                    ["partner_id", "received_at"])
    # Delivery ids (and so Message-IDs and bounce tags) are never handed out again after a
    # partner's rows were erased: 0006 rebuilt the table with AUTOINCREMENT on SQLite.
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("failed_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_deliveries_message_id", ["message_id"])
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("suppressed_reason", sa.String(200), nullable=True))
    # Failures from before this revision: the claim time is when the last attempt began.
    op.execute("UPDATE deliveries SET failed_at = claimed_at WHERE status = 'failed'")


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("suppressed_reason")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_message_id")
        batch.drop_column("failed_at")
    op.drop_index("ix_bounces_partner_id_received_at", table_name="bounces")
    op.drop_table("bounces")
    op.drop_table("schema_revisions")
