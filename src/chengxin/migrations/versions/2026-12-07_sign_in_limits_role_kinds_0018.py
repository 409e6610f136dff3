"""Citizens' sign-in limits keyed by the requester (issue 23, ADR 0027): a keyed digest of client
address + ID number + name, and one of the address alone, on each sign-in attempt. And a data
check: no staff account may already hold a role that is not for its organization's kind.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# The rule as of this revision (chengxin.security.roles.ROLE_ORGANIZATION_KINDS), written out:
# a migration must not change meaning when the code does.
_PUBLIC = {"operator", "government", "court", "association"}
_ALLOWED = {
    "platform_admin": {"operator"},
    "operator": {"operator"},
    "reviewer": {"operator"},
    "auditor": {"operator"},
    "security_officer": {"operator"},
    "provider_clerk": _PUBLIC,
    "consumer_officer": _PUBLIC | {"enterprise"},
    "agency_staff": {"operator", "credit_agency", "financial"},
}


def _cross_kind_roles() -> list[str]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT u.login, u.roles, o.kind FROM user_account u "
            "JOIN organization o ON o.id = u.organization_id"
        )
    )
    found = []
    for login, roles, kind in rows:
        held = json.loads(roles) if isinstance(roles, str) else (roles or [])
        wrong = sorted(r for r in held if kind not in _ALLOWED.get(r, set()))
        if wrong:
            found.append(f"{login} ({kind}): {', '.join(wrong)}")
    return found


def upgrade() -> None:
    # Checked first, before any change: the upgrade stops and names the accounts to fix (with
    # the running version: PUT /api/v1/accounts/users/{id}/roles), then runs again.
    found = _cross_kind_roles()
    if found:
        msg = (
            "staff accounts hold roles not for their organization's kind (ADR 0027); take these "
            "roles away, then upgrade again: " + "; ".join(found)
        )
        raise RuntimeError(msg)
    with op.batch_alter_table("citizen_sign_in_attempt") as batch:
        batch.add_column(sa.Column("requester_key", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("address_key", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_citizen_sign_in_attempt_requester_key"),
        "citizen_sign_in_attempt",
        ["requester_key"],
    )
    op.create_index(
        op.f("ix_citizen_sign_in_attempt_address_key"), "citizen_sign_in_attempt", ["address_key"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_citizen_sign_in_attempt_address_key"), table_name="citizen_sign_in_attempt"
    )
    op.drop_index(
        op.f("ix_citizen_sign_in_attempt_requester_key"), table_name="citizen_sign_in_attempt"
    )
    with op.batch_alter_table("citizen_sign_in_attempt") as batch:
        batch.drop_column("address_key")
        batch.drop_column("requester_key")
