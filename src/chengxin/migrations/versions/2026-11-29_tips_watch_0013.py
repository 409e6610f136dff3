"""Whistleblowing tips and watch subscriptions (issue 7).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "tip",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("domain", sa.String(length=48), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("masked_id_number", sa.String(length=24), nullable=True),
        sa.Column("credit_code_index", sa.LargeBinary(length=32), nullable=True),
        sa.Column("masked_credit_code", sa.String(length=24), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("text_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("has_contact", sa.Boolean(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("route_rule", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("routed_at", UTC, nullable=True),
        sa.Column("act_due_at", UTC, nullable=False),
        sa.Column("acted_at", UTC, nullable=True),
        sa.Column("escalated_at", UTC, nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip")),
        sa.UniqueConstraint("reference", name=op.f("uq_tip_reference")),
    )
    op.create_index(op.f("ix_tip_credit_code_index"), "tip", ["credit_code_index"], unique=False)
    op.create_index(op.f("ix_tip_key_id"), "tip", ["key_id"], unique=False)
    op.create_index("ix_tip_open_due", "tip", ["status", "act_due_at"], unique=False)
    op.create_index(op.f("ix_tip_organization_id"), "tip", ["organization_id"], unique=False)
    op.create_index(op.f("ix_tip_subject_id"), "tip", ["subject_id"], unique=False)
    op.create_index(op.f("ix_tip_text_digest"), "tip", ["text_digest"], unique=False)
    op.create_table(
        "tip_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tip_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("sealed_note", sa.LargeBinary(), nullable=True),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_event")),
    )
    op.create_index(op.f("ix_tip_event_tip_id"), "tip_event", ["tip_id"], unique=False)
    op.create_table(
        "tip_rate_window",
        sa.Column("client_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("window_start", UTC, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "client_key", "action", "window_start", name=op.f("pk_tip_rate_window")
        ),
    )
    op.create_index(
        op.f("ix_tip_rate_window_window_start"), "tip_rate_window", ["window_start"], unique=False
    )
    op.create_table(
        "watch_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("delivered_at", UTC, nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_delivery")),
    )
    op.create_index(
        op.f("ix_watch_delivery_organization_id"),
        "watch_delivery",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_watch_delivery_subject_id"), "watch_delivery", ["subject_id"], unique=False
    )
    op.create_index(
        op.f("ix_watch_delivery_subscription_id"),
        "watch_delivery",
        ["subscription_id"],
        unique=False,
    )
    op.create_table(
        "watch_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("masked_name", sa.String(length=200), nullable=False),
        sa.Column("masked_id_number", sa.String(length=24), nullable=False),
        sa.Column("record_seq", sa.BigInteger(), nullable=False),
        sa.Column("list_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("end_reason", sa.String(length=24), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_subscription")),
    )
    op.create_index(
        op.f("ix_watch_subscription_grant_id"), "watch_subscription", ["grant_id"], unique=False
    )
    op.create_index(
        op.f("ix_watch_subscription_organization_id"),
        "watch_subscription",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_watch_subscription_status", "watch_subscription", ["status", "id"], unique=False
    )
    op.create_index(
        op.f("ix_watch_subscription_subject_id"), "watch_subscription", ["subject_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("watch_subscription")
    op.drop_table("watch_delivery")
    op.drop_table("tip_rate_window")
    op.drop_table("tip_event")
    op.drop_table("tip")
