"""Expiry of display: the sweep watermark table and a partial index of current versions by the
day their display ends.

On a large store, build the index beforehand without blocking ingestion (this migration then
finds it and skips it), with the same name and predicate:

    CREATE INDEX CONCURRENTLY ix_credit_record_display_until_on
        ON credit_record (display_until_on) WHERE status = 'active';

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table(
        "sweep_mark",
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("through_on", sa.Date(), nullable=False),
        sa.Column("seen_seq", sa.BigInteger(), nullable=False),
        sa.Column("swept_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sweep_mark")),
    )
    # CREATE INDEX cannot run CONCURRENTLY inside the migration's transaction: IF NOT EXISTS lets
    # an operator build it concurrently first (see above).
    op.create_index(
        "ix_credit_record_display_until_on",
        "credit_record",
        ["display_until_on"],
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_credit_record_display_until_on", table_name="credit_record")
    op.drop_table("sweep_mark")
