"""Catalog versions, credit records and their events, ingestion batches and rejections;
organizations get a catalog department code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 12:23:52.381385
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("kinds", sa.Integer(), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
        sa.UniqueConstraint("version", name=op.f("uq_catalog_version_version")),
    )
    with op.batch_alter_table("catalog_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_version_status"), ["status"], unique=False)

    op.create_table(
        "credit_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind_code", sa.String(length=48), nullable=False),
        sa.Column("domain", sa.String(length=48), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=True),
        sa.Column("catalog_version", sa.String(length=16), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("finding_on", sa.Date(), nullable=False),
        sa.Column("act_on", sa.Date(), nullable=True),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("display_months", sa.Integer(), nullable=False),
        sa.Column("display_from_on", sa.Date(), nullable=False),
        sa.Column("display_until_on", sa.Date(), nullable=False),
        sa.Column("repair_from_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sealed_fields", sa.LargeBinary(), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("content_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_record")),
    )
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_record_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_record_kind_code"), ["kind_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_record_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            "uq_credit_record_source_version", ["provider_id", "source_id", "version"], unique=True
        )

    op.create_table(
        "record_event",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("previous_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("kind_code", sa.String(length=48), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_record_event")),
    )

    op.create_table(
        "ingest_batch",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column(
            "header",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("catalog_version", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("failure_code", sa.String(length=64), nullable=True),
        sa.Column("failure_message", sa.String(length=300), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("submitted", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("corrected", sa.Integer(), nullable=False),
        sa.Column("revoked", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("lag_days_sum", sa.Integer(), nullable=False),
        sa.Column("lag_days_max", sa.Integer(), nullable=False),
        sa.Column(
            "error_codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organization.id"],
            name=op.f("fk_ingest_batch_provider_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_batch")),
    )
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ingest_batch_provider_digest", ["provider_id", "content_digest"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ingest_batch_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ingest_batch_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ingest_batch_status"), ["status"], unique=False)

    op.create_table(
        "ingest_rejection",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column(
            "errors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("raw_ct", sa.LargeBinary(), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["ingest_batch.id"],
            name=op.f("fk_ingest_rejection_batch_id_ingest_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "row_no", name=op.f("pk_ingest_rejection")),
    )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(length=48), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("department")

    op.drop_table("ingest_rejection")
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_batch_status"))
        batch_op.drop_index(batch_op.f("ix_ingest_batch_received_at"))
        batch_op.drop_index(batch_op.f("ix_ingest_batch_provider_id"))
        batch_op.drop_index("ix_ingest_batch_provider_digest")

    op.drop_table("ingest_batch")
    op.drop_table("record_event")
    with op.batch_alter_table("credit_record", schema=None) as batch_op:
        batch_op.drop_index("uq_credit_record_source_version")
        batch_op.drop_index(batch_op.f("ix_credit_record_subject_id"))
        batch_op.drop_index(batch_op.f("ix_credit_record_kind_code"))
        batch_op.drop_index(batch_op.f("ix_credit_record_batch_id"))

    op.drop_table("credit_record")
    with op.batch_alter_table("catalog_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_version_status"))

    op.drop_table("catalog_version")
