"""The permission matrix: every route called as every role and anonymously.

Generated from the route table and ``ROLE_PERMISSIONS``: a guarded route answers 401 without
credentials, 403 to a role lacking its permission, and neither to a role holding it; a public route
answers everyone. A new route without a declared permission fails ``test_every_route_is_public_or_
guarded``; a role change shows here as a changed expectation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.security.roles import ROLE_PERMISSIONS, STAFF_ROLES, Role
from tests.contracts.test_permissions import ROUTES, _concrete, _permission
from tests.helpers import auth


def _expected(role: Role | None, handler: Any) -> str:
    permission = _permission(handler)
    if permission is None:
        return "allow"
    if role is None:
        return "401"
    return "allow" if permission in ROLE_PERMISSIONS[role] else "403"


def _outcome(response: Any, *, web: bool) -> str:
    if web:
        # A page sends the anonymous to its sign-in page; a sign-in form that refuses the
        # credentials it was given answers 401 with the form again, which is not a refusal.
        location = response.headers.get("location", "")
        if response.status_code == 303 and location.startswith(("/signin?", "/me/signin?")):
            return "401"
        return "403" if response.status_code == 403 else "allow"
    return {401: "401", 403: "403"}.get(response.status_code, "allow")


def _sweep(client: TestClient, headers: dict[str, str], role: Role | None) -> list[str]:  # type: ignore[type-arg]
    wrong = []
    client.get("/signin")  # pages' forms need the CSRF token of this cookie
    csrf = {"x-csrftoken": client.cookies.get("chengxin_csrf", "")}
    # Signing out ends the session the sweep runs on: call it last.
    last = ("/logout", "/signout")
    for method, path, handler in sorted(ROUTES, key=lambda r: r[1].endswith(last)):
        if handler.opt.get("web"):
            response = client.request(
                method, _concrete(path), headers={**headers, **csrf}, follow_redirects=False
            )
        else:
            response = client.request(method, _concrete(path), json={}, headers=headers)
        expected = _expected(role, handler)
        got = _outcome(response, web=bool(handler.opt.get("web")))
        if expected != got:
            wrong.append(f"{method} {path}: expected {expected}, got {response.status_code}")
    return wrong


def test_anonymous(client: TestClient) -> None:  # type: ignore[type-arg]
    assert _sweep(client, {}, None) == []


@pytest.mark.parametrize("role", STAFF_ROLES, ids=[r.value for r in STAFF_ROLES])
def test_staff_role(client: TestClient, user_for: Callable[..., str], role: Role) -> None:  # type: ignore[type-arg]
    assert _sweep(client, auth(user_for(role)), role) == []


def test_citizen(client: TestClient, citizen_for: Callable[..., Any]) -> None:  # type: ignore[type-arg]
    token, _ = citizen_for()
    assert _sweep(client, auth(token), Role.CITIZEN) == []
