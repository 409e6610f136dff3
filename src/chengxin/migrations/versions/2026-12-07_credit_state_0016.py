"""The credit state: one stored row per person (issue 16).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "credit_state",
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("as_of", UTC, nullable=False),
        sa.Column("next_change_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_credit_state")),
    )
    op.create_index(
        op.f("ix_credit_state_next_change_at"), "credit_state", ["next_change_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_state_next_change_at"), table_name="credit_state")
    op.drop_table("credit_state")
