"""Every route is either explicitly public or guarded by one permission, as the snapshot says.

- ``test_route_guards_match_snapshot``: each route's guard (``"METHOD /path/template"`` → the
  permission it requires, or ``public``) equals the ``routes`` table of the reviewed, checked-in
  ``permission_snapshot.json`` (``tests/contracts/snapshot.py``). A new route, a removed one or a
  changed guard fails it by name: changing a guard means changing the snapshot in the same commit.
- ``test_route_permission``: with organization tokens, a guarded route answers 401 without a
  token, 403 with a token holding every other permission, and to a token holding its permission
  an answer that is neither 401 nor 403 **and below 500** (the body is empty JSON: a refusal of
  it is fine, a crash is not); a public route answers anyone below 500 without 401/403.
  ``test_permission_matrix`` does the same per role, with the roles' permissions from the snapshot.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient

from chengxin.app import create_app
from chengxin.security.permissions import Permission
from tests.helpers import auth


def _routes(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in sorted(handler.http_methods):
                if method in ("HEAD", "OPTIONS"):
                    continue
                yield method, route.path, handler


def _permission(handler: HTTPRouteHandler) -> Permission | None:
    for guard in handler.guards or []:
        permission = getattr(guard, "permission", None)
        if permission is not None:
            return permission  # type: ignore[no-any-return]
    return None


def _concrete(path: str) -> str:
    path = re.sub(r"\{[^}]+:int\}", "2027", path)  # a year (the working-day calendar)
    return re.sub(r"\{[^}]+:uuid\}", str(uuid.uuid4()), path)


def _app_routes() -> list[tuple[str, str, HTTPRouteHandler]]:
    from chengxin.keys.keyring import Keyring
    from chengxin.runtime import Runtime
    from chengxin.settings import Settings

    # Route discovery needs no database: build the app around a runtime that is never used.
    settings = Settings(env="test", database_url="sqlite://")  # type: ignore[arg-type]
    from chengxin.db import make_engine, make_session_factory

    engine = make_engine("sqlite://")
    ring = Keyring.generate(demo=True)
    runtime = Runtime(settings, engine, ring, make_session_factory(engine, keyring=ring))
    found = [r for r in _routes(create_app(runtime=runtime)) if not r[1].startswith("/schema")]
    # In path and method order: a route's handlers come in set order, and parallel test workers
    # (pytest-xdist) must collect the same list.
    return sorted(found, key=lambda r: (r[1], r[0]))


ROUTES = _app_routes()
IDS = [f"{m} {p}" for m, p, _ in ROUTES]


def test_route_guards_match_snapshot() -> None:
    from tests.contracts import snapshot

    differences = snapshot.route_differences(snapshot.load()["routes"], snapshot.current_routes())
    assert differences == [], "\n".join(differences)


def test_every_route_is_public_or_guarded() -> None:
    for method, path, handler in ROUTES:
        public = handler.opt.get("public") is True
        assert public != (_permission(handler) is not None), (
            f"{method} {path}: public or exactly one guard"
        )


def _web_route_permission(client: TestClient, token_for, method: str, url: str, permission) -> None:  # type: ignore[no-untyped-def, type-arg]
    """Pages answer the browser's way: sign-in page (303) without a session, a 403 page without
    the permission. Their forms need the CSRF token, which a first GET gives."""
    client.get("/signin")
    headers = {"x-csrftoken": client.cookies.get("chengxin_csrf", "")}
    if permission is None:
        # (A sign-in form refusing the credentials it was given answers 401 with the form.)
        response = client.request(method, url, headers=headers, follow_redirects=False)
        assert response.status_code != 403
        assert response.status_code < 500, response.text[:300]
        assert "/signin" not in response.headers.get("location", "")
        return
    anonymous = client.request(method, url, headers=headers, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith(("/signin?next=", "/me/signin?next="))
    others = [p for p in Permission if p != permission]
    lacking = {**headers, **auth(token_for(*others))}
    response = client.request(method, url, headers=lacking, follow_redirects=False)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    holding = {**headers, **auth(token_for(permission))}
    response = client.request(method, url, headers=holding, follow_redirects=False)
    if permission.value.startswith("self:"):
        # An organization's token is nobody's own account (test_permission_matrix signs in a
        # citizen for the self-service pages).
        assert response.status_code == 403
        return
    assert response.status_code not in (401, 403)
    assert response.status_code < 500, response.text[:300]
    assert "/signin" not in response.headers.get("location", "")


@pytest.mark.parametrize(("method", "path", "handler"), ROUTES, ids=IDS)
def test_route_permission(
    client: TestClient, token_for, method: str, path: str, handler: HTTPRouteHandler
) -> None:  # type: ignore[no-untyped-def, type-arg]
    url = _concrete(path)
    permission = _permission(handler)
    if handler.opt.get("web"):
        _web_route_permission(client, token_for, method, url, permission)
        return
    if permission is None:
        response = client.request(method, url, json={})
        assert response.status_code not in (401, 403)
        assert response.status_code < 500, response.text[:300]
        return
    assert client.request(method, url, json={}).status_code == 401
    others = [p for p in Permission if p != permission]
    lacking = token_for(*others)
    assert client.request(method, url, json={}, headers=auth(lacking)).status_code == 403
    holding = token_for(permission)
    response = client.request(method, url, json={}, headers=auth(holding))
    if permission.value.startswith("self:") and response.status_code == 403:
        # An organization's token is nobody's own account: self routes refuse it with a problem
        # (test_permission_matrix checks them with a signed-in citizen).
        assert response.headers["content-type"].startswith("application/problem+json")
        return
    assert response.status_code not in (401, 403)
    assert response.status_code < 500, response.text[:300]
