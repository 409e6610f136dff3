"""Integrity points (诚信积分): rulesets, scores with their history, review requests (issue 9).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "scoring_ruleset",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("activated_at", UTC, nullable=True),
        sa.Column("activated_by", sa.String(length=200), nullable=True),
        sa.Column("retired_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_ruleset")),
        sa.UniqueConstraint("version", name=op.f("uq_scoring_ruleset_version")),
    )
    op.create_index(op.f("ix_scoring_ruleset_status"), "scoring_ruleset", ["status"], unique=False)
    op.create_table(
        "subject_score",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("ruleset_version", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("computed_at", UTC, nullable=False),
        sa.Column("valid_from", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_score")),
    )
    op.create_index(
        "ix_subject_score_subject_computed",
        "subject_score",
        ["subject_id", "computed_at"],
        unique=False,
    )
    op.create_table(
        "scoring_mark",
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("record_seq", sa.BigInteger(), nullable=False),
        sa.Column("list_seq", sa.BigInteger(), nullable=False),
        sa.Column("through_on", sa.Date(), nullable=False),
        sa.Column("run_at", UTC, nullable=False),
        sa.Column("ruleset_version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scoring_mark")),
    )
    op.create_table(
        "score_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("score_id", sa.Uuid(), nullable=False),
        sa.Column("ruleset_version", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_review")),
        sa.UniqueConstraint("reference", name=op.f("uq_score_review_reference")),
    )
    op.create_index(op.f("ix_score_review_key_id"), "score_review", ["key_id"], unique=False)
    op.create_index(
        op.f("ix_score_review_subject_id"), "score_review", ["subject_id"], unique=False
    )
    op.create_index(
        "ix_score_review_status_due", "score_review", ["status", "due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("score_review")
    op.drop_table("scoring_mark")
    op.drop_table("subject_score")
    op.drop_table("scoring_ruleset")
