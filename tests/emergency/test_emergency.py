"""Emergency mechanism (R3.4): freeze tokens and organizations at once; platform lockdown."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import select

from chengxin.accounts.emergency import service as emergency_service
from chengxin.audit.models import AuditEntry
from chengxin.cli import main
from chengxin.demo import generator
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from tests.helpers import auth

REASON = {"reason": "疑似凭证泄露"}


def _audit(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.scope() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def _token_id(token: str) -> str:
    return str(uuid.UUID(hex=token.split("_")[1]))


def test_frozen_token_is_refused_on_its_next_request_until_unfrozen(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    token_for: Callable[..., str],
    user_for: Callable[..., str],
) -> None:
    officer = user_for(Role.SECURITY_OFFICER)
    token = token_for(Permission.CATALOG_CATALOG_READ)
    me = client.get("/api/v1/auth/me", headers=auth(token))
    assert me.status_code == 200
    assert (me.json()["kind"], me.json()["permissions"]) == ("token", ["catalog:catalog:read"])
    url = f"/api/v1/tokens/{_token_id(token)}"
    bad = client.post(f"{url}/freeze", json={}, headers=auth(officer))
    assert bad.status_code == 422
    assert bad.json()["type"].endswith("/validation-failed")
    assert [e["field"] for e in bad.json()["errors"]] == ["reason"]
    frozen = client.post(f"{url}/freeze", json=REASON, headers=auth(officer))
    assert frozen.status_code == 200, frozen.text
    assert frozen.json()["frozen_at"] is not None
    refused = client.get("/api/v1/auth/me", headers=auth(token))
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/token-frozen")
    unfrozen = client.post(f"{url}/unfreeze", json=REASON, headers=auth(officer))
    assert unfrozen.status_code == 200
    assert unfrozen.json()["frozen_at"] is None
    assert client.get("/api/v1/auth/me", headers=auth(token)).json() == me.json()
    (entry,) = _audit(runtime, "accounts:token:freeze")
    assert entry.data["reason"] == REASON["reason"]
    assert len(_audit(runtime, "accounts:token:unfreeze")) == 1


def test_frozen_organization_refuses_its_staff_and_tokens(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    token_for: Callable[..., str],
    user_for: Callable[..., str],
) -> None:
    officer = token_for(Permission.ACCOUNTS_FREEZE_MANAGE)
    staff = user_for(Role.AUDITOR)
    org_id = client.get("/api/v1/auth/me", headers=auth(staff)).json()["organization_id"]
    frozen = client.post(
        f"/api/v1/organizations/{org_id}/freeze", json=REASON, headers=auth(officer)
    )
    assert frozen.status_code == 200, frozen.text
    refused = client.get("/api/v1/auth/me", headers=auth(staff))
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/organization-frozen")
    missing = client.post(
        f"/api/v1/organizations/{uuid.uuid4()}/freeze", json=REASON, headers=auth(officer)
    )
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/organization-not-found")
    client.post(f"/api/v1/organizations/{org_id}/unfreeze", json=REASON, headers=auth(officer))
    back = client.get("/api/v1/auth/me", headers=auth(staff))
    assert back.status_code == 200
    assert back.json()["organization_id"] == org_id
    assert back.json()["roles"] == [Role.AUDITOR.value]
    assert len(_audit(runtime, "accounts:organization:freeze")) == 1
    assert len(_audit(runtime, "accounts:organization:unfreeze")) == 1


def test_lockdown_refuses_writes_allows_reads_sign_in_and_lifting(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
    token_for: Callable[..., str],
) -> None:
    officer = user_for(Role.SECURITY_OFFICER)
    writer = token_for(Permission.ACCOUNTS_FREEZE_MANAGE)
    no_reason = client.post("/api/v1/system/lockdown", json={}, headers=auth(officer))
    assert no_reason.status_code == 422
    assert no_reason.json()["type"].endswith("/validation-failed")
    assert client.get("/api/v1/system/lockdown").json()["locked"] is False
    locked = client.post("/api/v1/system/lockdown", json=REASON, headers=auth(officer))
    assert locked.status_code == 200, locked.text
    assert locked.json()["locked"] is True

    write = client.post(
        f"/api/v1/tokens/{_token_id(writer)}/freeze", json=REASON, headers=auth(writer)
    )
    assert write.status_code == 503
    assert write.headers["content-type"].startswith("application/problem+json")
    assert write.json()["type"].endswith("/platform-locked-down")
    assert write.json()["request_id"] == write.headers["x-request-id"]
    person = next(iter(generator.people(1, seed=24)))
    anonymous = client.post(
        "/api/v1/citizens/sign-in", json={"id_number": person.id_number, "name": person.name}
    )
    assert anonymous.status_code == 503
    assert anonymous.json()["type"].endswith("/platform-locked-down")
    assert person.id_number not in anonymous.text  # a refusal never echoes the person
    assert person.name not in anonymous.text
    status = client.get("/api/v1/system/lockdown")
    assert status.status_code == 200
    assert status.json()["locked"] is True
    assert "reason" not in status.json()
    me = client.get("/api/v1/auth/me", headers=auth(officer))
    assert me.status_code == 200
    assert me.json()["roles"] == [Role.SECURITY_OFFICER.value]
    signed_in = client.post("/api/v1/auth/login", json={"login": "nobody", "password": "x" * 12})
    assert signed_in.status_code == 401  # reached the sign-in (and failed there), not refused
    assert signed_in.json()["type"].endswith("/login-failed")

    lifted = client.request(
        "DELETE", "/api/v1/system/lockdown", json={"reason": "事件已处置"}, headers=auth(officer)
    )
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["locked"] is False
    again = client.post(
        f"/api/v1/tokens/{_token_id(writer)}/freeze", json=REASON, headers=auth(writer)
    )
    assert again.status_code == 200
    assert again.json()["frozen_at"] is not None
    (start,) = _audit(runtime, "accounts:lockdown:start")
    (lift,) = _audit(runtime, "accounts:lockdown:lift")
    assert start.data["reason"] == REASON["reason"]
    assert lift.data["reason"] == "事件已处置"


def test_a_lockdown_made_by_another_process_is_seen(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    token_for: Callable[..., str],
) -> None:
    writer = token_for(Permission.ACCOUNTS_FREEZE_MANAGE)
    with runtime.scope() as s:  # e.g. `chengxin lockdown on` on another node
        emergency_service.lock(s, reason="演练", actor=system_actor("cli"))
    response = client.post(
        f"/api/v1/tokens/{_token_id(writer)}/freeze", json=REASON, headers=auth(writer)
    )
    assert response.status_code == 503
    assert response.json()["type"].endswith("/platform-locked-down")


def test_cli_freezes_an_organization_by_credit_code_and_locks_down(
    cli_env: dict[str, str],
    runtime: Runtime,
) -> None:
    code = "91350200776049653A"
    with runtime.scope() as s:
        org = organization_service.create(
            s,
            credit_code=code,
            name="某单位",
            kind=OrganizationKind.GOVERNMENT,
            region_code=None,
            actor=system_actor("t"),
        )
        issued = organization_service.issue_token(
            s, org.id, name="t", permissions=[], valid_days=1, actor=system_actor("t")
        )
        token_id = issued.token.id
    runner = CliRunner()
    frozen = runner.invoke(main, ["freeze", "org", code, "--reason", "泄露"], env=cli_env)
    assert frozen.exit_code == 0, frozen.output
    assert json.loads(frozen.stdout) == {"organization_id": str(org.id), "frozen": True}
    token = runner.invoke(main, ["freeze", "token", str(token_id), "--reason", "泄露"], env=cli_env)
    assert token.exit_code == 0, token.output
    assert json.loads(token.stdout) == {"token_id": str(token_id), "frozen": True}
    bad = runner.invoke(main, ["freeze", "token", "not-a-uuid", "--reason", "x"], env=cli_env)
    assert bad.exit_code != 0
    assert "token-not-found" in bad.output
    on = runner.invoke(main, ["lockdown", "on", "--reason", "事件"], env=cli_env)
    assert on.exit_code == 0, on.output
    with runtime.scope() as s:
        assert emergency_service.current_lockdown(s) is not None
        assert organization_service.get_or_raise(s, org.id).frozen_at is not None
    off = runner.invoke(main, ["lockdown", "off", "--reason", "处置完毕"], env=cli_env)
    assert off.exit_code == 0, off.output
    unfrozen = runner.invoke(main, ["unfreeze", "org", code, "--reason", "恢复"], env=cli_env)
    assert unfrozen.exit_code == 0, unfrozen.output
    with runtime.scope() as s:
        assert emergency_service.current_lockdown(s) is None
        assert organization_service.get_or_raise(s, org.id).frozen_at is None


def test_under_lockdown_pages_refuse_changes_with_a_page_but_staff_can_sign_in_and_lift(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    officer = user_for(Role.SECURITY_OFFICER)
    with runtime.scope() as s:
        emergency_service.lock(s, reason="演练", actor=system_actor("cli"))
    client.get("/signin")
    csrf = client.cookies.get("chengxin_csrf")
    form = {"_csrf_token": csrf, "reason": "演练结束"}
    refused = client.post("/tips", data=form)
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("text/html")
    assert "platform-locked-down" in refused.text
    sign_in = client.post("/signin", data={**form, "login": "nobody", "password": "x" * 12})
    assert sign_in.status_code == 401  # reached the form (and failed there), not refused
    assert "账号或密码不正确" in sign_in.text  # the form's own refusal, worded
    assert "platform-locked-down" not in sign_in.text
    lifted = client.post(
        "/console/operator/emergency/lockdown/lift",
        data=form,
        headers=auth(officer),
        follow_redirects=False,
    )
    assert lifted.status_code == 303, lifted.text
    with runtime.scope() as s:
        assert emergency_service.current_lockdown(s) is None
    after = client.post("/tips", data=form)  # reaches the form's own checks again
    assert after.status_code == 422
    assert "填写的内容不符合要求" in after.text  # the form's own refusal, worded
    assert "platform-locked-down" not in after.text
