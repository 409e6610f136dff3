"""Credit reports: the register of issued reports (numbers, code hashes, signed digests).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "report_issue",
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("scene", sa.String(length=40), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        sa.Column("query_id", sa.Uuid(), nullable=True),
        sa.Column("kinds", JSON, nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("as_of", UTC, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_report_issue_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_report_issue")),
    )
    op.create_index(op.f("ix_report_issue_organization_id"), "report_issue", ["organization_id"])
    op.create_index(op.f("ix_report_issue_subject_id"), "report_issue", ["subject_id"])
    op.create_index(op.f("ix_report_issue_issued_at"), "report_issue", ["issued_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_report_issue_issued_at"), table_name="report_issue")
    op.drop_index(op.f("ix_report_issue_subject_id"), table_name="report_issue")
    op.drop_index(op.f("ix_report_issue_organization_id"), table_name="report_issue")
    op.drop_table("report_issue")
