"""Work assessments (issue 22, R11.1): indicator sets with their audited status, issued
assessments with their signed canonical document, and the items behind each figure. The shipped
indicator set is used until an operator activates one (as scoring's shipped ruleset is).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "assessment_indicator_set",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_indicator_set")),
        sa.UniqueConstraint("version", name=op.f("uq_assessment_indicator_set_version")),
    )
    op.create_index(
        op.f("ix_assessment_indicator_set_status"),
        "assessment_indicator_set",
        ["status"],
        unique=False,
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_label", sa.String(length=16), nullable=False),
        sa.Column("since_on", sa.Date(), nullable=False),
        sa.Column("until_on", sa.Date(), nullable=False),
        sa.Column("indicator_version", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("as_of", UTC, nullable=False),
        sa.Column("issued_at", UTC, nullable=False),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("number", name=op.f("uq_assessment_number")),
    )
    op.create_index(op.f("ix_assessment_issued_at"), "assessment", ["issued_at"], unique=False)
    op.create_index(
        "ix_assessment_period", "assessment", ["period_kind", "period_label"], unique=False
    )
    op.create_table(
        "assessment_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("indicator", sa.String(length=48), nullable=False),
        sa.Column("unit_kind", sa.String(length=12), nullable=False),
        sa.Column("unit_code", sa.String(length=48), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_item_assessment_id_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_item")),
    )
    op.create_index(
        "ix_assessment_item_lookup",
        "assessment_item",
        ["assessment_id", "indicator", "unit_kind", "unit_code"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_assessment_item_lookup", table_name="assessment_item")
    op.drop_table("assessment_item")
    op.drop_index("ix_assessment_period", table_name="assessment")
    op.drop_index(op.f("ix_assessment_issued_at"), table_name="assessment")
    op.drop_table("assessment")
    op.drop_index(op.f("ix_assessment_indicator_set_status"), table_name="assessment_indicator_set")
    op.drop_table("assessment_indicator_set")
