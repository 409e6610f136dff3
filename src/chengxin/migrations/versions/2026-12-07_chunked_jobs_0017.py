"""Chunked jobs and resumed ingests (issue 23, ADR 0026): a job's progress, the items a kind of
job has dealt with, and the process working on an ingest batch.

All additions: nullable columns and a new table, so the running code is unaffected.

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


def downgrade() -> None:
    with op.batch_alter_table("ingest_batch") as batch:
        batch.drop_column("owner")
    op.drop_table("job_item")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("progress")
