"""when the couple's latest invitation went out

Expand only. The invitation's status (pending, accepted, expired) and the one notice
to the inviter when it expires are read from this time, not from the invited person's
row: an address that refuses invitations or is already enrolled gets no row at all, yet
the inviter must see the same pending invitation and the same expiry as for anyone else.
Couples with a pending invitation take its time; the invited rows keep working as before.

Also on SQLite: 0008's batch changes rebuilt ``partners`` and ``reflections`` without
AUTOINCREMENT, so a deleted row's id could be handed out again (ids must only grow, see
models.NEVER_REUSE_IDS); the tables 0008 touched are rebuilt with it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
# The release before this one runs on this schema: it only adds a column.
backward_compatible = True


# The tables 0008 altered; on SQLite each is rebuilt with AUTOINCREMENT.
REBUILT_ON_SQLITE = ("partners", "couples", "signup_requests", "reflections")


def upgrade() -> None:
    with op.batch_alter_table("couples") as batch:
        batch.add_column(sa.Column("invited_at", sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        for table in REBUILT_ON_SQLITE:
            with op.batch_alter_table(table, recreate="always",
                                      table_kwargs={"sqlite_autoincrement": True}):
                pass
    op.execute(
        "UPDATE couples SET invited_at = (SELECT MAX(p.created_at) FROM partners p "
        "WHERE p.couple_id = couples.id AND p.invited_by_id IS NOT NULL)")
    op.execute(
        "UPDATE couples SET invitations_sent = 1 WHERE invited_at IS NOT NULL "
        "AND invitations_sent = 0")


def downgrade() -> None:
    with op.batch_alter_table("couples") as batch:
        batch.drop_column("invited_at")
