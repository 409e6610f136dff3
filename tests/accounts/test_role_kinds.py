"""A role only for staff of the organization kinds it is for (issue 23 finding 5, ADR 0027):
checked where accounts are created and roles set — service, API, CLI and the web console."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from chengxin.accounts import service as accounts_service
from chengxin.accounts.errors import RoleNotForOrganizationKind
from chengxin.cli import main
from chengxin.demo import accounts as demo_accounts
from chengxin.demo import generator
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import STAFF_ROLES, Role
from tests.helpers import auth

ADMIN = system_actor("test")
K = OrganizationKind

# Written by hand from the design (ADR 0027), not derived from the code: which kinds' staff may
# hold each staff role. Platform roles: the operator's own organizations only.
ALLOWED: dict[Role, set[OrganizationKind]] = {
    Role.PLATFORM_ADMIN: {K.OPERATOR},
    Role.OPERATOR: {K.OPERATOR},
    Role.REVIEWER: {K.OPERATOR},
    Role.AUDITOR: {K.OPERATOR},
    Role.SECURITY_OFFICER: {K.OPERATOR},
    Role.PROVIDER_CLERK: {K.OPERATOR, K.GOVERNMENT, K.COURT, K.ASSOCIATION},
    Role.CONSUMER_OFFICER: {K.OPERATOR, K.GOVERNMENT, K.COURT, K.ASSOCIATION, K.ENTERPRISE},
    Role.AGENCY_STAFF: {K.OPERATOR, K.CREDIT_AGENCY, K.FINANCIAL},
}
CASES = [(role, kind) for role in STAFF_ROLES for kind in OrganizationKind]


def test_the_table_names_every_staff_role() -> None:
    assert set(ALLOWED) == set(STAFF_ROLES)


def _org(runtime: Runtime, kind: OrganizationKind) -> Organization:
    with runtime.scope() as session:
        return organization_service.create(
            session,
            credit_code=generator.credit_code(
                random.Random(uuid.uuid4().int), registration="91", region_code="420100"
            ),
            name=f"测试单位 {uuid.uuid4().hex[:8]}",
            kind=kind,
            region_code="420100",
            actor=ADMIN,
        )


def _create(runtime: Runtime, org: Organization, roles: list[str]) -> uuid.UUID:
    with runtime.scope() as session:
        return accounts_service.create_user(
            session,
            organization_id=org.id,
            login=f"u{uuid.uuid4().hex[:10]}",
            display_name="测试",
            roles=roles,
            region_code=None,
            password=None,
            policy=accounts_service.Policy.from_settings(runtime.settings),
            actor=ADMIN,
        ).user.id


@pytest.mark.parametrize(("role", "kind"), CASES, ids=[f"{r.value}-{k.value}" for r, k in CASES])
def test_role_by_organization_kind(runtime: Runtime, role: Role, kind: OrganizationKind) -> None:
    org = _org(runtime, kind)
    allowed = kind in ALLOWED[role]
    # Opening an account with the role ...
    if allowed:
        _create(runtime, org, [role.value])
    else:
        with pytest.raises(RoleNotForOrganizationKind):
            _create(runtime, org, [role.value])
    # ... and giving it to an account of the organization later.
    user_id = _create(runtime, org, [])
    with runtime.scope() as session:
        if allowed:
            user = accounts_service.assign_roles(session, user_id, [role.value], actor=ADMIN)
            assert user.roles == [role.value]
        else:
            with pytest.raises(RoleNotForOrganizationKind) as refused:
                accounts_service.assign_roles(session, user_id, [role.value], actor=ADMIN)
            assert refused.value.code == "role-not-for-organization-kind"
            assert refused.value.status == 409
            assert role.value in refused.value.detail


def test_platform_admin_for_a_credit_agency_account_is_refused_over_http(
    client: TestClient,  # type: ignore[type-arg]
    user_for: Callable[..., str],
    runtime: Runtime,
) -> None:
    """The finding: PUT …/roles {"roles": ["platform_admin"]} on an agency's staff → 200."""
    admin = auth(user_for(Role.PLATFORM_ADMIN))
    agency = _org(runtime, K.CREDIT_AGENCY)
    user_id = _create(runtime, agency, [Role.AGENCY_STAFF.value])
    answer = client.put(
        f"/api/v1/accounts/users/{user_id}/roles",
        json={"roles": ["platform_admin"]},
        headers=admin,
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["type"].endswith("/role-not-for-organization-kind")
    listed = client.get(f"/api/v1/accounts/users/{user_id}", headers=admin).json()
    assert listed["roles"] == [Role.AGENCY_STAFF.value]
    created = client.post(
        "/api/v1/accounts/users",
        json={
            "organization_id": str(agency.id),
            "login": "agent.two",
            "display_name": "代理",
            "roles": ["auditor"],
        },
        headers=admin,
    )
    assert created.status_code == 409
    assert created.json()["type"].endswith("/role-not-for-organization-kind")


def test_the_cli_refuses_a_role_not_for_the_organization_kind(
    cli_env: dict[str, str],
) -> None:
    env = {**cli_env, "CHENGXIN_PASSWORD_HASH_MEMORY_KIB": "1024"}
    runner = CliRunner()
    code = generator.credit_code(random.Random(5), registration="91", region_code="420100")
    args = ["org", "create", "--credit-code", code, "--name", "某征信", "--kind", "credit_agency"]
    assert runner.invoke(main, args, env=env).exit_code == 0, "org create"
    bad = runner.invoke(
        main, ["user", "create", "z.w", "--org", code, "--role", "platform_admin"], env=env
    )
    assert bad.exit_code == 1
    assert "role-not-for-organization-kind" in bad.output
    good = runner.invoke(
        main, ["user", "create", "z.w", "--org", code, "--role", "agency_staff"], env=env
    )
    assert good.exit_code == 0, good.output


def test_the_web_console_refuses_a_role_not_for_the_organization_kind(
    client: TestClient,  # type: ignore[type-arg]
    user_for: Callable[..., str],
    runtime: Runtime,
) -> None:
    court = _org(runtime, K.COURT)
    client.cookies.set("chengxin_session", user_for(Role.PLATFORM_ADMIN))
    client.get("/signin")
    csrf = client.cookies.get("chengxin_csrf") or ""
    answer = client.post(
        f"/console/operator/organizations/{court.id}/accounts",
        data={
            "login": "court.clerk",
            "display_name": "法院经办",
            "roles": ["security_officer"],
            "_csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 409, answer.text[:500]
    assert "role-not-for-organization-kind" in answer.text
    with runtime.scope() as session:
        assert accounts_service.get_by_login(session, "court.clerk") is None


def test_demo_accounts_hold_only_roles_for_their_organizations_kind() -> None:
    kinds = {name: kind for _, name, kind, _, _ in _fixed()}
    for login, role, org_name, _ in demo_accounts.DEMO_ACCOUNTS:
        assert kinds[org_name] in ALLOWED[role], login


def _fixed() -> list[tuple[str, str, OrganizationKind, str | None, str | None]]:
    return [
        (o.credit_code, o.name, o.kind, o.region_code, o.department)
        for o in generator.organizations(0)
    ]
