"""Several processes (issue 18): one version row per cached topic, bumped in the changing
transaction and polled by every process (ADR 0034).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from chengxin.db import UTCDateTime  # noqa: PLC0415

    op.create_table(
        "platform_change",
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("topic", name=op.f("pk_platform_change")),
    )


def downgrade() -> None:
    op.drop_table("platform_change")
