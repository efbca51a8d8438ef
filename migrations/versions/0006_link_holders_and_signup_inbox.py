"""link holders, ids that never come back, the signup inbox and invitation blocks

- ``partners.public_id``: a random identifier that every link names instead of the row
  id, so an erased person's links can never reach whoever comes next. Existing partners
  get one here; links already sent keep working under the rule in
  ``reconnect/partners/links.py``.
- On SQLite every table is rebuilt with AUTOINCREMENT, so a deleted row's id is never
  handed out again (Postgres sequences already never reuse one).
- ``signup_requests`` (a signup as it arrived, processed right after the answer) and
  ``invite_blocks`` (keyed hashes of addresses that asked never to be invited again).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
# The release before this one cannot run on this schema: it would add partners without
# the public_id every row now needs.
backward_compatible = False

# Parents before children, so a rebuilt child's foreign keys name rebuilt parents.
TABLES = ("program_versions", "couples", "partners", "deliveries", "reflections",
          "clock_offset")


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
    partners = sa.table("partners", sa.column("id", sa.Integer),
                        sa.column("public_id", sa.String))
    conn = op.get_bind()
    for partner_id in conn.execute(sa.select(partners.c.id)).scalars().all():
        conn.execute(partners.update().where(partners.c.id == partner_id)
                     .values(public_id=secrets.token_urlsafe(16)))
    sqlite = conn.dialect.name == "sqlite"
    for table in TABLES:
        if table != "partners" and not sqlite:
            continue
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto",
                                  table_kwargs={"sqlite_autoincrement": True}) as batch:
            if table == "partners":
                batch.alter_column("public_id", existing_type=sa.String(length=32),
                                   nullable=False)
                batch.create_unique_constraint("uq_partners_public_id", ["public_id"])

    op.create_table(
        "signup_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("send_hour", sa.Integer(), nullable=False),
        sa.Column("partner_email", sa.String(length=254), nullable=True),
        sa.Column("partner_first_name", sa.String(length=60), nullable=True),
        sa.Column("program", sa.String(length=60), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signup_requests")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_signup_requests_received_at"), "signup_requests",
                    ["received_at"])
    op.create_table(
        "invite_blocks",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("address_hash", name=op.f("pk_invite_blocks")),
    )


def downgrade() -> None:
    op.drop_table("invite_blocks")
    op.drop_index(op.f("ix_signup_requests_received_at"), table_name="signup_requests")
    op.drop_table("signup_requests")
    with op.batch_alter_table("partners") as batch:
        batch.drop_constraint("uq_partners_public_id", type_="unique")
        batch.drop_column("public_id")
