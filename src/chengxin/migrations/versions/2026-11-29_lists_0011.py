"""Red and black lists: entries and their event history (issue 7).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "list_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("list_type", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("domain", sa.String(length=48), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("provider_id", sa.Uuid(), nullable=True),
        sa.Column("record_ids", JSON, nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("proposed_at", UTC, nullable=False),
        sa.Column("proposed_by", sa.String(length=200), nullable=False),
        sa.Column("notified_at", UTC, nullable=True),
        sa.Column("objection_due_at", UTC, nullable=True),
        sa.Column("published_at", UTC, nullable=True),
        sa.Column("term_ends_at", UTC, nullable=True),
        sa.Column("exited_at", UTC, nullable=True),
        sa.Column("exit_reason", sa.String(length=16), nullable=True),
        sa.Column("shown_name", sa.String(length=200), nullable=False),
        sa.Column("shown_id", sa.String(length=24), nullable=False),
        sa.Column("name_index", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entry")),
        sa.UniqueConstraint("reference", name=op.f("uq_list_entry_reference")),
    )
    op.create_index(op.f("ix_list_entry_key_id"), "list_entry", ["key_id"], unique=False)
    op.create_index(op.f("ix_list_entry_name_index"), "list_entry", ["name_index"], unique=False)
    op.create_index(op.f("ix_list_entry_provider_id"), "list_entry", ["provider_id"], unique=False)
    op.create_index(
        "ix_list_entry_subject_status", "list_entry", ["subject_id", "status"], unique=False
    )
    op.create_index(
        "ix_list_entry_organization_status",
        "list_entry",
        ["organization_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_list_entry_status_type", "list_entry", ["status", "list_type"], unique=False
    )
    op.create_table(
        "list_entry_event",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("list_type", sa.String(length=48), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_list_entry_event")),
        sa.UniqueConstraint("id", name=op.f("uq_list_entry_event_id")),
    )
    op.create_index(
        op.f("ix_list_entry_event_entry_id"), "list_entry_event", ["entry_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_list_entry_event_entry_id"), table_name="list_entry_event")
    op.drop_table("list_entry_event")
    op.drop_index("ix_list_entry_status_type", table_name="list_entry")
    op.drop_index("ix_list_entry_organization_status", table_name="list_entry")
    op.drop_index("ix_list_entry_subject_status", table_name="list_entry")
    op.drop_index(op.f("ix_list_entry_provider_id"), table_name="list_entry")
    op.drop_index(op.f("ix_list_entry_name_index"), table_name="list_entry")
    op.drop_index(op.f("ix_list_entry_key_id"), table_name="list_entry")
    op.drop_table("list_entry")
