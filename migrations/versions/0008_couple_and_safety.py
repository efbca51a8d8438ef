"""the couple as one, and safety choices: roles, a shared start date, discreet mode

Expand only. Each partner's role (inviter, invitee or solo), whether their partner has
left the program (kept on the one who stays, since an erased partner's row is gone),
their discreet choice; the couple's shared program start and how many invitations went
out; the discreet choice as a signup arrives; reflection answers long enough to hold
several values of a multi-select question.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None
# The release before this one runs on this schema: it only adds and widens.
backward_compatible = True


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("role", sa.String(10), nullable=True))
        batch.add_column(sa.Column("partner_left", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("discreet", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("couples") as batch:
        batch.add_column(sa.Column("started_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("invitations_sent", sa.Integer(), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("signup_requests") as batch:
        batch.add_column(sa.Column("discreet", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("reflections") as batch:
        batch.alter_column("answer", existing_type=sa.String(60), type_=sa.String(255),
                           existing_nullable=False)
    # Couples already in flight start on their earliest partner's start date.
    op.execute(
        "UPDATE couples SET started_on = (SELECT MIN(p.program_start_date) FROM partners p "
        "WHERE p.couple_id = couples.id)")


def downgrade() -> None:
    with op.batch_alter_table("reflections") as batch:
        batch.alter_column("answer", existing_type=sa.String(255), type_=sa.String(60),
                           existing_nullable=False)
    with op.batch_alter_table("signup_requests") as batch:
        batch.drop_column("discreet")
    with op.batch_alter_table("couples") as batch:
        batch.drop_column("invitations_sent")
        batch.drop_column("started_on")
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("discreet")
        batch.drop_column("partner_left")
        batch.drop_column("role")
