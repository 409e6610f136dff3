"""Service-window checks, their subjects and feedback (issue 7): the tables land with the checks
domain; this revision keeps the chain whole until then.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 09:00:00
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
