"""The scoring watermark remembers the catalog version its run scored with (issue 17): an
incremental run after another catalog version was activated (a kind's sharing level, category or
period may have changed for everyone) is a full one. Existing marks take the active version.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scoring_mark") as batch:
        batch.add_column(sa.Column("catalog_version", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE scoring_mark SET catalog_version = "
        "(SELECT version FROM catalog_version WHERE status = 'active')"
    )


def downgrade() -> None:
    with op.batch_alter_table("scoring_mark") as batch:
        batch.drop_column("catalog_version")
