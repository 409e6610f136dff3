"""Permission lists, subject authorizations, registered queries and reviews, monitoring alerts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_access_alert_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_alert")),
        sa.UniqueConstraint(
            "organization_id", "rule", "window_start", name=op.f("uq_access_alert_organization_id")
        ),
    )
    op.create_index(
        op.f("ix_access_alert_created_at"), "access_alert", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_access_alert_organization_id"), "access_alert", ["organization_id"], unique=False
    )
    op.create_table(
        "access_grant",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("scene", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column(
            "kinds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_access_grant_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grant")),
    )
    op.create_index(
        op.f("ix_access_grant_organization_id"), "access_grant", ["organization_id"], unique=False
    )
    op.create_index(
        op.f("ix_access_grant_subject_id"), "access_grant", ["subject_id"], unique=False
    )
    op.create_table(
        "access_query",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("scene", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kinds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("subject_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "review_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback", sa.String(length=16), nullable=True),
        sa.Column("feedback_note", sa.Text(), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_access_query_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_query")),
    )
    op.create_index(
        op.f("ix_access_query_created_at"), "access_query", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_access_query_organization_id"), "access_query", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_access_query_status"), "access_query", ["status"], unique=False)
    op.create_table(
        "access_rule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("scene", sa.String(length=40), nullable=False),
        sa.Column(
            "kinds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "sharing",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("valid_from_on", sa.Date(), nullable=False),
        sa.Column("valid_until_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_access_rule_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_rule")),
    )
    op.create_index(
        op.f("ix_access_rule_organization_id"), "access_rule", ["organization_id"], unique=False
    )
    op.create_table(
        "access_grant_use",
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("query_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["access_grant.id"],
            name=op.f("fk_access_grant_use_grant_id_access_grant"),
        ),
        sa.PrimaryKeyConstraint("grant_id", "number", name=op.f("pk_access_grant_use")),
    )
    op.create_table(
        "access_query_subject",
        sa.Column("query_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["query_id"],
            ["access_query.id"],
            name=op.f("fk_access_query_subject_query_id_access_query"),
        ),
        sa.PrimaryKeyConstraint("query_id", "position", name=op.f("pk_access_query_subject")),
    )
    op.create_index(
        op.f("ix_access_query_subject_subject_id"),
        "access_query_subject",
        ["subject_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_access_query_subject_subject_id"), table_name="access_query_subject")
    op.drop_table("access_query_subject")
    op.drop_table("access_grant_use")
    op.drop_index(op.f("ix_access_rule_organization_id"), table_name="access_rule")
    op.drop_table("access_rule")
    op.drop_index(op.f("ix_access_query_status"), table_name="access_query")
    op.drop_index(op.f("ix_access_query_organization_id"), table_name="access_query")
    op.drop_index(op.f("ix_access_query_created_at"), table_name="access_query")
    op.drop_table("access_query")
    op.drop_index(op.f("ix_access_grant_subject_id"), table_name="access_grant")
    op.drop_index(op.f("ix_access_grant_organization_id"), table_name="access_grant")
    op.drop_table("access_grant")
    op.drop_index(op.f("ix_access_alert_organization_id"), table_name="access_alert")
    op.drop_index(op.f("ix_access_alert_created_at"), table_name="access_alert")
    op.drop_table("access_alert")
