"""pause, quiet days and address suppression

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
# Only adds: the release before runs on this schema (docs/operating.md, rollbacks).
backward_compatible = True


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("quiet_days", sa.String(length=13), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("permanent_failures", sa.Integer(), server_default="0",
                                   nullable=False))
        batch.add_column(sa.Column("suppressed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("suppressed_at")
        batch.drop_column("permanent_failures")
        batch.drop_column("quiet_days")
        batch.drop_column("paused_at")
