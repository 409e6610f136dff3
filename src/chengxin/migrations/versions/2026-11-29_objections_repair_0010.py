"""Objections, statements, credit repair, the archive of repaired records, evidence files and
organizations' notices (issue 6).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 02:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_type", sa.String(length=12), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("uploaded_at", UTC, nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    op.create_index(op.f("ix_evidence_case_id"), "evidence", ["case_id"], unique=False)
    op.create_index(op.f("ix_evidence_key_id"), "evidence", ["key_id"], unique=False)
    op.create_table(
        "objection",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("kind_code", sa.String(length=48), nullable=False),
        sa.Column("financial", sa.Boolean(), nullable=False),
        sa.Column("route", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("filed_at", UTC, nullable=False),
        sa.Column("forward_due_at", UTC, nullable=False),
        sa.Column("forwarded_at", UTC, nullable=True),
        sa.Column("remind_at", UTC, nullable=True),
        sa.Column("decide_due_at", UTC, nullable=False),
        sa.Column("reminded_at", UTC, nullable=True),
        sa.Column("escalated_at", UTC, nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=14), nullable=True),
        sa.Column("corrected_record_id", sa.Uuid(), nullable=True),
        sa.Column("appeal_route", sa.Text(), nullable=True),
        sa.Column("notified_organizations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection")),
        sa.UniqueConstraint("reference", name=op.f("uq_objection_reference")),
    )
    op.create_index(op.f("ix_objection_key_id"), "objection", ["key_id"], unique=False)
    op.create_index("ix_objection_open_due", "objection", ["status", "decide_due_at"], unique=False)
    op.create_index(op.f("ix_objection_provider_id"), "objection", ["provider_id"], unique=False)
    op.create_index(op.f("ix_objection_record_id"), "objection", ["record_id"], unique=False)
    op.create_index(op.f("ix_objection_subject_id"), "objection", ["subject_id"], unique=False)
    op.create_table(
        "organization_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("read_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_notice")),
    )
    op.create_index(
        op.f("ix_organization_notice_organization_id"),
        "organization_notice",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "record_archive",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("repair_id", sa.Uuid(), nullable=False),
        sa.Column("archived_at", UTC, nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_record_archive")),
    )
    op.create_index(op.f("ix_record_archive_key_id"), "record_archive", ["key_id"], unique=False)
    op.create_index(
        op.f("ix_record_archive_subject_id"), "record_archive", ["subject_id"], unique=False
    )
    op.create_table(
        "record_statement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("withdrawn_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_statement")),
    )
    op.create_index(
        op.f("ix_record_statement_key_id"), "record_statement", ["key_id"], unique=False
    )
    op.create_index(
        "ix_record_statement_source", "record_statement", ["provider_id", "source_id"], unique=False
    )
    op.create_index(
        op.f("ix_record_statement_subject_id"), "record_statement", ["subject_id"], unique=False
    )
    op.create_table(
        "repair_application",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("kind_code", sa.String(length=48), nullable=False),
        sa.Column("basis", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("eligibility", JSON, nullable=False),
        sa.Column("commitment_digest", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("filed_at", UTC, nullable=False),
        sa.Column("acknowledged_at", UTC, nullable=False),
        sa.Column("decide_due_at", UTC, nullable=False),
        sa.Column("answer_due_at", UTC, nullable=False),
        sa.Column("remind_at", UTC, nullable=True),
        sa.Column("reminded_at", UTC, nullable=True),
        sa.Column("escalated_at", UTC, nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("notified_organizations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_application")),
        sa.UniqueConstraint("reference", name=op.f("uq_repair_application_reference")),
    )
    op.create_index(
        op.f("ix_repair_application_key_id"), "repair_application", ["key_id"], unique=False
    )
    op.create_index(
        "ix_repair_application_open_due",
        "repair_application",
        ["status", "decide_due_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_repair_application_provider_id"),
        "repair_application",
        ["provider_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_repair_application_record_id"), "repair_application", ["record_id"], unique=False
    )
    op.create_index(
        op.f("ix_repair_application_subject_id"), "repair_application", ["subject_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("repair_application")
    op.drop_table("record_statement")
    op.drop_table("record_archive")
    op.drop_table("organization_notice")
    op.drop_table("objection")
    op.drop_table("evidence")
