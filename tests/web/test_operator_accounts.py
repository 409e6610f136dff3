"""A staff account's page in the operator console (issue 20): roles changed and the password
reset from the console, through the accounts service, audited as the API's routes are; the
temporary password shown once; refusals beside the form; by permission."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from litestar.testing import TestClient
from sqlalchemy import select

from chengxin.accounts import service as accounts_service
from chengxin.accounts.models import UserAccount
from chengxin.audit.models import AuditEntry
from chengxin.demo.generator import credit_code
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from tests.helpers import browse_as, post_form

CONSOLE = "/console/operator"
PASSWORD = "an-old-password-2026"  # a test account's


def _account(runtime: Runtime, login: str) -> uuid.UUID:
    """A clerk of a government department, with a password and an open session."""
    import random

    policy = accounts_service.Policy.from_settings(runtime.settings)
    with runtime.scope() as s:
        org = organization_service.create(
            s,
            credit_code=credit_code(random.Random(login), registration="11", region_code="420100"),
            name=f"测试部门 {login}",
            kind=OrganizationKind.GOVERNMENT,
            region_code="420100",
            actor=system_actor("test"),
        )
        made = accounts_service.create_user(
            s,
            organization_id=org.id,
            login=login,
            display_name="李经办",
            roles=[Role.CONSUMER_OFFICER.value],
            region_code=None,
            password=PASSWORD,
            policy=policy,
            actor=system_actor("test"),
        )
        user_id = made.user.id
    accounts_service.login(
        runtime.scope, login=login, password=PASSWORD, client_ip=None, policy=policy
    )
    return user_id


def _audit(runtime: Runtime, action: str, user_id: uuid.UUID) -> list[AuditEntry]:
    with runtime.scope() as s:
        return list(
            s.execute(
                select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.object_id == str(user_id)
                )
            ).scalars()
        )


def test_roles_changed_from_the_console_and_audited(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    user_id = _account(runtime, "li.jb")
    csrf = browse_as(client, user_for(Role.PLATFORM_ADMIN))
    path = f"{CONSOLE}/accounts/{user_id}"
    shown = client.get(path)
    assert shown.status_code == 200
    assert "li.jb" in shown.text
    assert 'value="consumer_officer" checked' in shown.text
    changed = post_form(client, f"{path}/roles", csrf, roles=["consumer_officer", "provider_clerk"])
    assert changed.status_code == 303
    assert changed.headers["location"] == path
    after = client.get(path)
    assert "角色已更新" in after.text
    assert 'value="provider_clerk" checked' in after.text
    with runtime.scope() as s:
        assert s.get_one(UserAccount, user_id).roles == ["consumer_officer", "provider_clerk"]
    (entry,) = _audit(runtime, "accounts:user:roles", user_id)
    assert entry.actor_kind == "user"
    assert entry.data is not None
    assert entry.data["after"] == ["consumer_officer", "provider_clerk"]

    # A platform role for a department's clerk: refused beside the form, nothing changed.
    refused = post_form(client, f"{path}/roles", csrf, roles=["reviewer"])
    assert refused.status_code == 409
    assert "role-not-for-organization-kind" in refused.text
    assert 'value="reviewer" checked' in refused.text  # what was asked is not lost
    with runtime.scope() as s:
        assert s.get_one(UserAccount, user_id).roles == ["consumer_officer", "provider_clerk"]
    assert len(_audit(runtime, "accounts:user:roles", user_id)) == 1


def test_a_password_reset_shows_a_temporary_password_once_and_ends_sessions(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    user_id = _account(runtime, "zhao.jb")
    csrf = browse_as(client, user_for(Role.PLATFORM_ADMIN))
    path = f"{CONSOLE}/accounts/{user_id}"
    reset = post_form(client, f"{path}/password", csrf)
    assert reset.status_code == 200
    assert reset.headers["cache-control"] == "no-store"
    assert "临时密码只显示这一次" in reset.text
    secret = reset.text.split('<code class="secret">')[1].split("</code>")[0]
    assert len(secret) >= 12
    assert secret not in client.get(path).text  # shown once
    (entry,) = _audit(runtime, "accounts:user:reset-password", user_id)
    assert entry.data is not None
    assert entry.data["sessions_ended"] == 1
    assert secret not in str(entry.data)
    policy = accounts_service.Policy.from_settings(runtime.settings)
    issued = accounts_service.login(
        runtime.scope, login="zhao.jb", password=secret, client_ip=None, policy=policy
    )
    assert issued.token.startswith("cxs_")

    browse_as(client, user_for(Role.PLATFORM_ADMIN), "en")
    english = client.get(path)
    assert "Reset password" in english.text
    assert "Change roles" in english.text


def test_who_may_see_and_change_an_account(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    user_id = _account(runtime, "qian.jb")
    path = f"{CONSOLE}/accounts/{user_id}"
    csrf = browse_as(client, user_for(Role.AUDITOR))  # reads accounts, manages none
    seen = client.get(path)
    assert seen.status_code == 200
    assert "重置密码" not in seen.text
    assert post_form(client, f"{path}/password", csrf).status_code == 403
    assert post_form(client, f"{path}/roles", csrf, roles="provider_clerk").status_code == 403
    browse_as(client, user_for(Role.REVIEWER))
    assert client.get(path).status_code == 403
    browse_as(client, None)
    assert client.get(path, follow_redirects=False).status_code in {302, 303}
    browse_as(client, user_for(Role.PLATFORM_ADMIN))
    assert client.get(f"{CONSOLE}/accounts/{uuid.uuid4()}").status_code == 404
    org_page = client.get(f"{CONSOLE}/organizations")
    assert org_page.status_code == 200
