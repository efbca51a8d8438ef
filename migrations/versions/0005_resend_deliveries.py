"""resend deliveries: an admin's explicit second copy of a stage

The kind column already holds plain strings, so the schema does not change. The revision
exists so that a release that does not know the 'resend' kind sees this database as
ahead of it (/readyz says so) instead of failing on those rows, and so that going back
removes them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
# Rows of a kind the release before does not know: it must not run on this schema.
backward_compatible = False


def upgrade() -> None:
    pass


def downgrade() -> None:
    # Copies only: the stage's own delivery row keeps the partner's history.
    op.execute("DELETE FROM deliveries WHERE kind = 'resend'")
