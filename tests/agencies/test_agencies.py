"""Credit agencies (R3.5): registry, staff, violations, and a blacklist enforced at sign-in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import select

from chengxin.accounts import service as accounts_service
from chengxin.accounts.errors import LoginFailed
from chengxin.agencies import service as agency_service
from chengxin.agencies.errors import AgencyAlreadyBlacklisted, AgencyBlacklisted, NotACreditAgency
from chengxin.audit.models import AuditEntry
from chengxin.cli import main
from chengxin.db import utcnow
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from tests.conftest import USER_PASSWORD
from tests.helpers import auth

AGENCY_CODE = "91350200776049653A"
ACTOR = system_actor("test")


def _org_of(client: TestClient, token: str) -> uuid.UUID:  # type: ignore[type-arg]
    return uuid.UUID(client.get("/api/v1/auth/me", headers=auth(token)).json()["organization_id"])


def _actions(runtime: Runtime) -> list[str]:
    with runtime.scope() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def _register(client: TestClient, admin: str, org_id: uuid.UUID, licence: str = "L-1") -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/agencies",
        json={"organization_id": str(org_id), "licence_number": licence, "regulator": "监管机构"},
        headers=auth(admin),
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_blacklisted_agency_token_and_staff_are_refused_until_delisted(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    token_for: Callable[..., str],
    user_for: Callable[..., str],
) -> None:
    admin = token_for(Permission.AGENCIES_AGENCY_MANAGE, Permission.AGENCIES_AGENCY_READ)
    agency_token = token_for(Permission.CATALOG_CATALOG_READ, kind=OrganizationKind.CREDIT_AGENCY)
    staff = user_for(Role.AGENCY_STAFF, kind=OrganizationKind.CREDIT_AGENCY)
    staff_org = _org_of(client, staff)
    agency = _register(client, admin, _org_of(client, agency_token))
    staff_agency = _register(client, admin, staff_org, licence="L-2")
    assert agency["status"] == "active"
    assert agency["blacklisted"] is False

    for target in (agency["id"], staff_agency["id"]):
        listed = client.post(
            f"/api/v1/agencies/{target}/blacklist",
            json={"reason": "违规查询", "basis": "《征信业管理条例》第四十条"},
            headers=auth(admin),
        )
        assert listed.status_code == 201, listed.text

    refused = client.get("/api/v1/auth/me", headers=auth(agency_token))
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/agency-blacklisted")
    me = client.get("/api/v1/auth/me", headers=auth(staff))
    assert me.status_code == 403
    assert me.json()["type"].endswith("/agency-blacklisted")
    entries = client.get("/api/v1/agencies/blacklist", headers=auth(admin)).json()
    assert {e["agency_id"] for e in entries} == {agency["id"], staff_agency["id"]}
    assert client.get(f"/api/v1/agencies/{agency['id']}", headers=auth(admin)).json()["blacklisted"]

    delisted = client.post(
        f"/api/v1/agencies/{agency['id']}/delist", json={"reason": "整改完成"}, headers=auth(admin)
    )
    assert delisted.status_code == 200
    assert delisted.json()["delist_reason"] == "整改完成"
    assert client.get("/api/v1/auth/me", headers=auth(agency_token)).status_code == 200
    actions = _actions(runtime)
    assert actions.count("agencies:blacklist:list") == 2
    assert "agencies:blacklist:delist" in actions
    assert "agencies:agency:register" in actions


def test_blacklisted_agency_staff_cannot_sign_in(runtime: Runtime) -> None:
    policy = accounts_service.Policy.from_settings(runtime.settings)
    with runtime.scope() as s:
        org = organization_service.create(
            s,
            credit_code=AGENCY_CODE,
            name="某征信公司",
            kind=OrganizationKind.CREDIT_AGENCY,
            region_code="420100",
            actor=ACTOR,
        )
        accounts_service.create_user(
            s,
            organization_id=org.id,
            login="agent.one",
            display_name="代理人",
            roles=["agency_staff"],
            region_code=None,
            password=USER_PASSWORD,
            policy=policy,
            actor=ACTOR,
        )
        agency = agency_service.register(
            s, organization_id=org.id, licence_number="L-9", regulator="监管", actor=ACTOR
        )
        agency_service.blacklist(s, agency.id, reason="违规", basis="条例", actor=ACTOR)
    with pytest.raises(AgencyBlacklisted):
        accounts_service.login(
            runtime.scope, login="agent.one", password=USER_PASSWORD, client_ip=None, policy=policy
        )
    with pytest.raises(LoginFailed):  # a wrong password still says only login-failed
        accounts_service.login(
            runtime.scope, login="agent.one", password="x" * 14, client_ip=None, policy=policy
        )


def test_listing_window_and_double_listing(session) -> None:  # type: ignore[no-untyped-def]
    org = organization_service.create(
        session,
        credit_code=AGENCY_CODE,
        name="某征信公司",
        kind=OrganizationKind.CREDIT_AGENCY,
        region_code=None,
        actor=ACTOR,
    )
    agency = agency_service.register(
        session, organization_id=org.id, licence_number="L-1", regulator="监管", actor=ACTOR
    )
    now = utcnow()
    agency_service.blacklist(
        session,
        agency.id,
        reason="r",
        basis="b",
        actor=ACTOR,
        since_at=now + timedelta(days=1),
        until_at=now + timedelta(days=30),
    )
    assert not agency_service.is_blacklisted(session, org.id)  # not yet in force
    assert agency_service.is_blacklisted(session, org.id, now=now + timedelta(days=2))
    assert not agency_service.is_blacklisted(session, org.id, now=now + timedelta(days=31))
    with pytest.raises(AgencyAlreadyBlacklisted):
        agency_service.blacklist(session, agency.id, reason="r", basis="b", actor=ACTOR)
    assert not agency_service.is_blacklisted(session, uuid.uuid4())


def test_only_credit_agency_organizations_are_registered(session) -> None:  # type: ignore[no-untyped-def]
    org = organization_service.create(
        session,
        credit_code=AGENCY_CODE,
        name="某银行",
        kind=OrganizationKind.FINANCIAL,
        region_code=None,
        actor=ACTOR,
    )
    with pytest.raises(NotACreditAgency):
        agency_service.register(
            session, organization_id=org.id, licence_number="L-1", regulator="监管", actor=ACTOR
        )


def test_staff_status_and_violations_over_http(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    token_for: Callable[..., str],
    user_for: Callable[..., str],
) -> None:
    admin = token_for(Permission.AGENCIES_AGENCY_MANAGE, Permission.AGENCIES_AGENCY_READ)
    staff = user_for(Role.AGENCY_STAFF, kind=OrganizationKind.CREDIT_AGENCY)
    me = client.get("/api/v1/auth/me", headers=auth(staff)).json()
    agency = _register(client, admin, uuid.UUID(me["organization_id"]))
    base = f"/api/v1/agencies/{agency['id']}"
    with runtime.scope() as s:
        user_id = accounts_service.list_users(
            s, actor=ACTOR, organization_id=uuid.UUID(me["organization_id"])
        )[0].id
    linked = client.post(f"{base}/staff", json={"user_id": str(user_id)}, headers=auth(admin))
    assert linked.status_code == 201, linked.text
    again = client.post(f"{base}/staff", json={"user_id": str(user_id)}, headers=auth(admin))
    assert again.json()["type"].endswith("/agency-staff-exists")
    stranger = client.post(
        f"{base}/staff", json={"user_id": str(uuid.uuid4())}, headers=auth(admin)
    )
    assert stranger.json()["type"].endswith("/staff-not-in-agency")
    assert client.delete(f"{base}/staff/{user_id}", headers=auth(admin)).status_code == 204
    assert client.get(f"{base}/staff", headers=auth(admin)).json()[0]["unlinked_at"] is not None

    violation = client.post(
        f"{base}/violations",
        json={
            "occurred_on": (utcnow().date() - timedelta(days=3)).isoformat(),
            "description": "超范围查询个人信用信息",
            "severity": "serious",
            "decided_by": "人民银行武汉分行",
            "basis": "《征信业管理条例》第三十八条",
        },
        headers=auth(admin),
    )
    assert violation.status_code == 201, violation.text
    assert client.get(f"{base}/violations", headers=auth(admin)).json()[0]["severity"] == "serious"
    suspended = client.post(
        f"{base}/status", json={"status": "suspended", "reason": "暂停许可"}, headers=auth(admin)
    )
    assert suspended.json()["status"] == "suspended"
    actions = _actions(runtime)
    for action in (
        "agencies:staff:link",
        "agencies:staff:unlink",
        "agencies:violation:record",
        "agencies:agency:status",
    ):
        assert action in actions


def test_cli_blacklists_by_credit_code(
    cli_env: dict[str, str],
    runtime: Runtime,
) -> None:
    with runtime.scope() as s:
        org = organization_service.create(
            s,
            credit_code=AGENCY_CODE,
            name="某征信公司",
            kind=OrganizationKind.CREDIT_AGENCY,
            region_code=None,
            actor=ACTOR,
        )
        agency_service.register(
            s, organization_id=org.id, licence_number="L-1", regulator="监管", actor=ACTOR
        )
        org_id = org.id
    runner = CliRunner()
    args = ["agency", "blacklist", AGENCY_CODE, "--reason", "违规", "--basis", "条例第四十条"]
    result = runner.invoke(main, args, env=cli_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["listing_id"]
    with runtime.scope() as s:
        assert agency_service.is_blacklisted(s, org_id)
    unknown = runner.invoke(main, [*args[:2], "91110000100000000X", *args[3:]], env=cli_env)
    assert unknown.exit_code != 0
    out = runner.invoke(main, ["agency", "delist", AGENCY_CODE, "--reason", "整改"], env=cli_env)
    assert out.exit_code == 0, out.output
