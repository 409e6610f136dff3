"""The working-day calendar as data (issue 20): the years entered (each from the State Council's
notice, by whom) and their holidays and adjusted working days, seeded with the years the installed
chinese-calendar package covers (2004–2026 for 1.11). A record's display period no longer starts
before its finding date: windows anchored on the act's end that began earlier start at the finding.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from chengxin.db import UTCDateTime  # noqa: PLC0415
    from chengxin.workdays.calendar import package_years  # noqa: PLC0415

    years = op.create_table(
        "workday_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("notice", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_workday_year")),
    )
    days = op.create_table(
        "workday_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["year"],
            ["workday_year.year"],
            name=op.f("fk_workday_day_year_workday_year"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_workday_day")),
    )
    op.create_index(op.f("ix_workday_day_year"), "workday_day", ["year"], unique=False)
    now = datetime.now(UTC)
    arrangements = package_years().values()
    op.bulk_insert(
        years,
        [
            {
                "year": a.year,
                "notice": "chinese-calendar",
                "source": "package",
                "entered_by": "system:migration",
                "entered_at": now,
                "reason": None,
            }
            for a in arrangements
        ],
    )
    op.bulk_insert(
        days,
        [
            {"day": day, "year": a.year, "kind": kind, "name": name}
            for a in arrangements
            for kind, source in (("holiday", a.holidays), ("workday", a.workdays))
            for day, name in sorted(source.items())
        ],
    )
    op.execute(
        "UPDATE credit_record SET display_from_on = finding_on WHERE display_from_on < finding_on"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_workday_day_year"), table_name="workday_day")
    op.drop_table("workday_day")
    op.drop_table("workday_year")
