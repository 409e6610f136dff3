"""Chunked jobs and resumed ingests (issue 23, ADR 0026): a job's progress, the items a kind of
job has dealt with, the process working on an ingest batch, and a batch's records in row order.

All additions: nullable columns, a new table and an index, so the running code is unaffected. On a
large store, build the index beforehand without blocking ingestion (this migration then finds it
and skips it):

    CREATE INDEX CONCURRENTLY ix_credit_record_batch_row ON credit_record (batch_id, row_no);

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("progress", JSON, nullable=True))
    op.create_table(
        "job_item",
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("done_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("kind", "item_id", name=op.f("pk_job_item")),
    )
    with op.batch_alter_table("ingest_batch") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=100), nullable=True))
    op.create_index(
        "ix_credit_record_batch_row", "credit_record", ["batch_id", "row_no"], if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("ix_credit_record_batch_row", table_name="credit_record")
    with op.batch_alter_table("ingest_batch") as batch:
        batch.drop_column("owner")
    op.drop_table("job_item")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("progress")
