"""The credit state: one stored row per person (issue 16); when a list entry was withdrawn.

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
    # The credit state at a past moment needs when an unpublished entry was dropped.
    with op.batch_alter_table("list_entry") as batch:
        batch.add_column(sa.Column("withdrawn_at", UTC, nullable=True))
    op.execute(
        "UPDATE list_entry SET withdrawn_at = (SELECT max(e.at) FROM list_entry_event e "
        "WHERE e.entry_id = list_entry.id AND e.step = 'withdrawn') WHERE status = 'withdrawn'"
    )


def downgrade() -> None:
    with op.batch_alter_table("list_entry") as batch:
        batch.drop_column("withdrawn_at")
    op.drop_index(op.f("ix_credit_state_next_change_at"), table_name="credit_state")
    op.drop_table("credit_state")
