"""a partner's choice to get gentle reminders

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None
# Only adds: the release before runs on this schema (docs/operating.md, rollbacks).
backward_compatible = True


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("nudges", sa.Boolean(), server_default=sa.true(),
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("nudges")
