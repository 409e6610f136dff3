"""Credit agencies (registry, staff, violations, blacklist), citizens' sign-in challenges and
attempts, the notification outbox, platform lockdowns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    # -- agencies (R3.5)
    op.create_table(
        "credit_agency",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("licence_number", sa.String(length=64), nullable=False),
        sa.Column("regulator", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_credit_agency_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_agency")),
        sa.UniqueConstraint("licence_number", name=op.f("uq_credit_agency_licence_number")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_credit_agency_organization_id")),
    )
    op.create_table(
        "agency_staff",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("linked_at", UTC, nullable=False),
        sa.Column("unlinked_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["credit_agency.id"],
            name=op.f("fk_agency_staff_agency_id_credit_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_agency_staff_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_staff")),
        sa.UniqueConstraint("agency_id", "user_id", name=op.f("uq_agency_staff_agency_id")),
    )
    op.create_index(op.f("ix_agency_staff_agency_id"), "agency_staff", ["agency_id"])
    op.create_index(op.f("ix_agency_staff_user_id"), "agency_staff", ["user_id"])
    op.create_table(
        "agency_violation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["credit_agency.id"],
            name=op.f("fk_agency_violation_agency_id_credit_agency"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_violation")),
    )
    op.create_index(op.f("ix_agency_violation_agency_id"), "agency_violation", ["agency_id"])
    op.create_table(
        "agency_blacklisting",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("since_at", UTC, nullable=False),
        sa.Column("until_at", UTC, nullable=True),
        sa.Column("listed_by", sa.String(length=200), nullable=False),
        sa.Column("delisted_at", UTC, nullable=True),
        sa.Column("delist_reason", sa.Text(), nullable=True),
        sa.Column("delisted_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["credit_agency.id"],
            name=op.f("fk_agency_blacklisting_agency_id_credit_agency"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_blacklisting")),
    )
    op.create_index(op.f("ix_agency_blacklisting_agency_id"), "agency_blacklisting", ["agency_id"])
    # -- notifications: the sealed outbox (subject_id without a foreign key: subjects get sharded)
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=48), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    op.create_index(
        op.f("ix_notification_outbox_subject_id"), "notification_outbox", ["subject_id"]
    )
    op.create_index(op.f("ix_notification_outbox_key_id"), "notification_outbox", ["key_id"])
    op.create_index(
        op.f("ix_notification_outbox_created_at"), "notification_outbox", ["created_at"]
    )
    # -- citizens: one-time code challenges and sign-in attempts (no foreign keys to subject)
    op.create_table(
        "citizen_challenge",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("outbox_id", sa.Uuid(), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("verified_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_challenge")),
    )
    op.create_index(op.f("ix_citizen_challenge_subject_id"), "citizen_challenge", ["subject_id"])
    op.create_table(
        "citizen_sign_in_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_key", sa.Uuid(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_sign_in_attempt")),
    )
    op.create_index(
        op.f("ix_citizen_sign_in_attempt_subject_key"), "citizen_sign_in_attempt", ["subject_key"]
    )
    op.create_index(op.f("ix_citizen_sign_in_attempt_at"), "citizen_sign_in_attempt", ["at"])
    # -- emergency: platform lockdowns (R3.4)
    op.create_table(
        "platform_lockdown",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("lifted_at", UTC, nullable=True),
        sa.Column("lifted_by", sa.String(length=200), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_lockdown")),
    )
    op.create_index(op.f("ix_platform_lockdown_lifted_at"), "platform_lockdown", ["lifted_at"])


def downgrade() -> None:
    op.drop_table("platform_lockdown")
    op.drop_table("citizen_sign_in_attempt")
    op.drop_table("citizen_challenge")
    op.drop_table("notification_outbox")
    op.drop_table("agency_blacklisting")
    op.drop_table("agency_violation")
    op.drop_table("agency_staff")
    op.drop_table("credit_agency")
