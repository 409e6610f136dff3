"""The permission matrix: every route called as every role and anonymously, against the snapshot.

The expected answers come from the reviewed, checked-in ``permission_snapshot.json`` (see
``tests/contracts/snapshot.py``), never from ``ROLE_PERMISSIONS`` itself:

- ``test_roles_match_snapshot``: ``ROLE_PERMISSIONS`` equals the snapshot's ``roles`` table. A
  permission added to or taken from a role fails it by name (``role consumer_officer gained
  audit:log:export: update permission_snapshot.json in the same commit if intended``): changing a
  role's permissions means changing the snapshot in the same commit, where review sees it.
- The sweeps (``test_anonymous``, ``test_staff_role``, ``test_citizen``) call every route with
  an empty JSON body (pages: the browser's way, with the CSRF token). A route the snapshot guards
  with a permission answers 401 without credentials and 403 to a role whose snapshot permissions
  lack it; a role that holds it, and everyone on a public route, gets an answer that is neither
  401 nor 403 **and below 500** — the empty body may be refused (400, 404, 409, 422, …), but an
  allowed call never crashes. A route missing from the snapshot fails here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.security.roles import STAFF_ROLES, Role
from tests.contracts import snapshot
from tests.contracts.test_permissions import ROUTES, _concrete
from tests.helpers import auth

SNAPSHOT = snapshot.load()


def test_roles_match_snapshot() -> None:
    differences = snapshot.role_differences(SNAPSHOT["roles"], snapshot.current_roles())
    assert differences == [], "\n".join(differences)


def _expected(role: Role | None, method: str, path: str) -> str:
    permission = SNAPSHOT["routes"].get(snapshot.route_key(method, path))
    if permission is None:
        return "missing from the snapshot"
    if permission == snapshot.PUBLIC:
        return "allow"
    if role is None:
        return "401"
    if permission == snapshot.AUTHENTICATED:
        return "allow"
    return "allow" if permission in SNAPSHOT["roles"][role.value] else "403"


def _outcome(response: Any, *, web: bool) -> str:
    if response.status_code >= 500:
        return "5xx"
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
        web = bool(handler.opt.get("web"))
        if web:
            response = client.request(
                method, _concrete(path), headers={**headers, **csrf}, follow_redirects=False
            )
        else:
            response = client.request(method, _concrete(path), json={}, headers=headers)
        expected = _expected(role, method, path)
        got = _outcome(response, web=web)
        if expected != got:
            line = f"{method} {path}: expected {expected}, got {response.status_code}"
            if got == "5xx":
                line += f" {response.text[:300]!r}"
            wrong.append(line)
    return wrong


def test_anonymous(client: TestClient) -> None:  # type: ignore[type-arg]
    wrong = _sweep(client, {}, None)
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("role", STAFF_ROLES, ids=[r.value for r in STAFF_ROLES])
def test_staff_role(client: TestClient, user_for: Callable[..., str], role: Role) -> None:  # type: ignore[type-arg]
    wrong = _sweep(client, auth(user_for(role)), role)
    assert wrong == [], "\n".join(wrong)


def test_citizen(client: TestClient, citizen_for: Callable[..., Any]) -> None:  # type: ignore[type-arg]
    token, _ = citizen_for()
    wrong = _sweep(client, auth(token), Role.CITIZEN)
    assert wrong == [], "\n".join(wrong)
