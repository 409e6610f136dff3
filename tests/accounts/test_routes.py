"""Sign-in over HTTP: the token and the cookie, who am I, sign-out, account administration."""

from __future__ import annotations

from litestar.testing import TestClient

from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.permissions import Permission
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from tests.helpers import auth

PASSWORD = "correct horse battery staple"


def _open_account(client: TestClient, admin: str, login: str, *roles: str) -> dict:  # type: ignore[type-arg]
    orgs = client.get("/api/v1/organizations", headers=auth(admin)).json()
    created = client.post(
        "/api/v1/accounts/users",
        json={
            "organization_id": orgs[0]["id"],
            "login": login,
            "display_name": "李测试",
            "roles": list(roles),
            "password": PASSWORD,
        },
        headers=auth(admin),
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_login_sets_a_strict_httponly_cookie_and_the_cookie_authenticates(
    client: TestClient,  # type: ignore[type-arg]
    user_for,
) -> None:
    admin = user_for(Role.PLATFORM_ADMIN)
    _open_account(client, admin, "wang.wu", "auditor")
    response = client.post("/api/v1/auth/login", json={"login": "wang.wu", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert token.startswith("cxs_")
    cookie = response.headers["set-cookie"]
    assert f"chengxin_session={token}" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert "Secure" not in cookie  # only in production
    client.cookies.set("chengxin_session", token)
    me = client.get("/api/v1/auth/me")  # no Authorization header: the cookie alone
    assert me.json()["kind"] == "user"
    assert me.json()["roles"] == ["auditor"]
    assert me.json()["permissions"] == sorted(p.value for p in ROLE_PERMISSIONS[Role.AUDITOR])
    assert client.get("/api/v1/audit/entries").status_code != 401
    out = client.post("/api/v1/auth/logout")
    assert out.status_code == 204
    assert (
        'chengxin_session=""' in out.headers["set-cookie"]
        or "Max-Age=0" in out.headers["set-cookie"]
    )
    client.cookies.set("chengxin_session", token)
    after = client.get("/api/v1/auth/me")
    assert after.status_code == 401
    assert after.json()["type"].endswith("/session-invalid")


def test_me_is_anonymous_without_credentials(client: TestClient) -> None:  # type: ignore[type-arg]
    me = client.get("/api/v1/auth/me").json()
    assert me["kind"] == "anonymous"
    assert me["permissions"] == []


def test_wrong_password_and_unknown_login_get_the_same_problem(
    client: TestClient,  # type: ignore[type-arg]
    user_for,
) -> None:
    admin = user_for(Role.PLATFORM_ADMIN)
    _open_account(client, admin, "zhao.liu", "reviewer")
    wrong = client.post("/api/v1/auth/login", json={"login": "zhao.liu", "password": "x" * 12})
    unknown = client.post("/api/v1/auth/login", json={"login": "nobody", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda body: {k: v for k, v in body.items() if k != "request_id"}  # noqa: E731
    assert strip(wrong.json()) == strip(unknown.json())
    assert wrong.json()["type"].endswith("/login-failed")


def test_locked_account_answers_423_with_retry_after(
    client: TestClient,  # type: ignore[type-arg]
    user_for,
) -> None:
    admin = user_for(Role.PLATFORM_ADMIN)
    _open_account(client, admin, "sun.qi", "reviewer")
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"login": "sun.qi", "password": "x" * 12})
    locked = client.post("/api/v1/auth/login", json={"login": "sun.qi", "password": PASSWORD})
    assert locked.status_code == 423
    assert locked.json()["type"].endswith("/account-locked")
    assert int(locked.headers["retry-after"]) > 0


def test_user_for_gives_role_permissions_and_region_scope(
    client: TestClient,  # type: ignore[type-arg]
    user_for,
) -> None:
    city_auditor = user_for(Role.AUDITOR, region_code="420500")
    me = client.get("/api/v1/auth/me", headers=auth(city_auditor)).json()
    assert me["region_code"] == "420500"
    users = client.get("/api/v1/accounts/users", headers=auth(city_auditor)).json()
    assert users
    assert all(u["region_code"] in ("420500", None) for u in users)
    clerk = user_for(Role.PROVIDER_CLERK, kind=OrganizationKind.GOVERNMENT)
    assert client.get("/api/v1/accounts/users", headers=auth(clerk)).status_code == 403


def test_administration_over_http(client: TestClient, user_for, runtime: Runtime) -> None:  # type: ignore[type-arg]
    admin = user_for(Role.PLATFORM_ADMIN)
    account = _open_account(client, admin, "qian.ba", "reviewer")
    assert account["password"] is None
    roles = client.put(
        f"/api/v1/accounts/users/{account['id']}/roles",
        json={"roles": ["auditor", "reviewer"]},
        headers=auth(admin),
    )
    assert roles.json()["roles"] == ["auditor", "reviewer"]
    reset = client.post(
        f"/api/v1/accounts/users/{account['id']}/password", json={}, headers=auth(admin)
    )
    new_password = reset.json()["password"]
    assert new_password
    listed = client.get("/api/v1/accounts/users", headers=auth(admin))
    assert new_password not in listed.text
    assert "password_hash" not in listed.text
    frozen = client.post(
        f"/api/v1/accounts/users/{account['id']}/freeze",
        json={"reason": "离职"},
        headers=auth(admin),
    )
    assert frozen.json()["status"] == "frozen"
    refused = client.post("/api/v1/auth/login", json={"login": "qian.ba", "password": new_password})
    assert refused.json()["type"].endswith("/account-frozen")
    security = user_for(Role.SECURITY_OFFICER)
    unfrozen = client.post(
        f"/api/v1/accounts/users/{account['id']}/unfreeze",
        json={"reason": "复职"},
        headers=auth(security),
    )
    assert unfrozen.json()["status"] == "active"
    reviewer = user_for(Role.OPERATOR)
    escalate = client.put(
        f"/api/v1/accounts/users/{account['id']}/roles",
        json={"roles": ["platform_admin"]},
        headers=auth(reviewer),
    )
    assert escalate.status_code == 403


def test_a_token_with_the_permission_reaches_user_administration(
    client: TestClient,  # type: ignore[type-arg]
    token_for,
) -> None:
    token = token_for(Permission.ACCOUNTS_USER_READ)
    assert client.get("/api/v1/accounts/users", headers=auth(token)).status_code == 200
