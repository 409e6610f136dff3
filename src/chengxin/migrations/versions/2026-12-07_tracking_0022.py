"""Task tracking (issue 22, R11.3): tasks with their units and milestones, the units' progress
reports and their sealed attachments.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from chengxin.db import JSONType, UTCDateTime  # noqa: PLC0415

    op.create_table(
        "tracking_task",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.String(length=500), nullable=False),
        sa.Column("schedule", sa.String(length=200), nullable=True),
        sa.Column("seed_key", sa.String(length=32), nullable=True),
        sa.Column("named_units", JSONType, nullable=True),
        sa.Column("lead_organization_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=True),
        sa.Column("indicator", sa.String(length=64), nullable=True),
        sa.Column("unit_kind", sa.String(length=16), nullable=True),
        sa.Column("unit_code", sa.String(length=48), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_organization_id"],
            ["organization.id"],
            name=op.f("fk_tracking_task_lead_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_task")),
        sa.UniqueConstraint("number", name=op.f("uq_tracking_task_number")),
        sa.UniqueConstraint("seed_key", name=op.f("uq_tracking_task_seed_key")),
    )
    op.create_index(op.f("ix_tracking_task_status"), "tracking_task", ["status"], unique=False)
    op.create_index(
        "ix_tracking_task_finding", "tracking_task", ["assessment_id", "indicator"], unique=False
    )
    op.create_table(
        "tracking_task_unit",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_tracking_task_unit_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tracking_task.id"],
            name=op.f("fk_tracking_task_unit_task_id_tracking_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "organization_id", name=op.f("pk_tracking_task_unit")),
    )
    op.create_index(
        op.f("ix_tracking_task_unit_organization_id"),
        "tracking_task_unit",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "tracking_milestone",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("workdays", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("overdue_alerted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tracking_task.id"],
            name=op.f("fk_tracking_milestone_task_id_tracking_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_milestone")),
        sa.UniqueConstraint("task_id", "position", name=op.f("uq_tracking_milestone_task_id")),
    )
    op.create_index(
        op.f("ix_tracking_milestone_task_id"), "tracking_milestone", ["task_id"], unique=False
    )
    op.create_index(
        "ix_tracking_milestone_pending", "tracking_milestone", ["done_on", "due_on"], unique=False
    )
    op.create_table(
        "tracking_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("milestone_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_tracking_progress_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tracking_task.id"],
            name=op.f("fk_tracking_progress_task_id_tracking_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_progress")),
    )
    op.create_index(
        op.f("ix_tracking_progress_task_id"), "tracking_progress", ["task_id"], unique=False
    )
    op.create_table(
        "tracking_attachment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("progress_id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["progress_id"],
            ["tracking_progress.id"],
            name=op.f("fk_tracking_attachment_progress_id_tracking_progress"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tracking_task.id"],
            name=op.f("fk_tracking_attachment_task_id_tracking_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_attachment")),
    )
    for column in ("task_id", "progress_id", "key_id"):
        op.create_index(
            op.f(f"ix_tracking_attachment_{column}"), "tracking_attachment", [column], unique=False
        )


def downgrade() -> None:
    for column in ("task_id", "progress_id", "key_id"):
        op.drop_index(op.f(f"ix_tracking_attachment_{column}"), table_name="tracking_attachment")
    op.drop_table("tracking_attachment")
    op.drop_index(op.f("ix_tracking_progress_task_id"), table_name="tracking_progress")
    op.drop_table("tracking_progress")
    op.drop_index("ix_tracking_milestone_pending", table_name="tracking_milestone")
    op.drop_index(op.f("ix_tracking_milestone_task_id"), table_name="tracking_milestone")
    op.drop_table("tracking_milestone")
    op.drop_index(op.f("ix_tracking_task_unit_organization_id"), table_name="tracking_task_unit")
    op.drop_table("tracking_task_unit")
    op.drop_index("ix_tracking_task_finding", table_name="tracking_task")
    op.drop_index(op.f("ix_tracking_task_status"), table_name="tracking_task")
    op.drop_table("tracking_task")
