"""Service-window checks, their subjects and feedback (issue 7).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "service_check",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("scene", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("subject_count", sa.Integer(), nullable=False),
        sa.Column("found_count", sa.Integer(), nullable=False),
        sa.Column("measure_version", sa.String(length=16), nullable=False),
        sa.Column("subjects_root", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("feedback_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_service_check_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_check")),
    )
    op.create_index(
        op.f("ix_service_check_created_at"), "service_check", ["created_at"], unique=False
    )
    op.create_index(
        "ix_service_check_organization_created",
        "service_check",
        ["organization_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "check_subject",
        sa.Column("check_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("measures", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"], ["service_check.id"], name=op.f("fk_check_subject_check_id_service_check")
        ),
        sa.PrimaryKeyConstraint("check_id", "position", name=op.f("pk_check_subject")),
    )
    op.create_index(
        op.f("ix_check_subject_subject_id"), "check_subject", ["subject_id"], unique=False
    )
    op.create_table(
        "check_feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("check_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("measure_code", sa.String(length=8), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["service_check.id"],
            name=op.f("fk_check_feedback_check_id_service_check"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_feedback")),
    )
    op.create_index(
        op.f("ix_check_feedback_check_id"), "check_feedback", ["check_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_check_feedback_check_id"), table_name="check_feedback")
    op.drop_table("check_feedback")
    op.drop_index(op.f("ix_check_subject_subject_id"), table_name="check_subject")
    op.drop_table("check_subject")
    op.drop_index("ix_service_check_organization_created", table_name="service_check")
    op.drop_index(op.f("ix_service_check_created_at"), table_name="service_check")
    op.drop_table("service_check")
