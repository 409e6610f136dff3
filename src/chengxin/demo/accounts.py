"""Demo staff accounts: one per staff role, all with the documented demo password (README)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.accounts import service as accounts_service
from chengxin.demo import generator
from chengxin.organizations.models import Organization
from chengxin.security.actor import Actor
from chengxin.security.roles import Role

# Synthetic, for the demo only (the demo refuses to run in production).
DEMO_PASSWORD = "chengxin-demo-2026"  # noqa: S105

# login, role, organization (by demo name), region (None: province-wide)
DEMO_ACCOUNTS: list[tuple[str, Role, str, str | None]] = [
    ("admin", Role.PLATFORM_ADMIN, generator.OPERATOR_NAME, None),
    ("operator", Role.OPERATOR, generator.OPERATOR_NAME, None),
    ("operator.wuhan", Role.OPERATOR, generator.OPERATOR_NAME, "420100"),
    ("reviewer", Role.REVIEWER, generator.OPERATOR_NAME, None),
    ("auditor", Role.AUDITOR, generator.OPERATOR_NAME, None),
    ("security", Role.SECURITY_OFFICER, generator.OPERATOR_NAME, None),
    ("provider", Role.PROVIDER_CLERK, "国家税务总局湖北省税务局（演示）", None),
    ("consumer", Role.CONSUMER_OFFICER, "湖北省财政厅（演示）", None),
    ("agency", Role.AGENCY_STAFF, "楚天征信服务有限公司（演示）", None),
]


def ensure_accounts(
    session: Session, *, policy: accounts_service.Policy, actor: Actor
) -> list[tuple[str, str]]:
    """Open the demo accounts that do not exist yet; returns (login, role) for all of them."""
    orgs = {o.name: o.id for o in session.execute(select(Organization)).scalars()}
    for login, role, org_name, region in DEMO_ACCOUNTS:
        if accounts_service.get_by_login(session, login) is not None or org_name not in orgs:
            continue
        accounts_service.create_user(
            session,
            organization_id=orgs[org_name],
            login=login,
            display_name=f"演示{login}",
            roles=[role.value],
            region_code=region,
            password=DEMO_PASSWORD,
            policy=policy,
            actor=actor,
        )
    return [(login, role.value) for login, role, _, _ in DEMO_ACCOUNTS]
