"""Route guards: who is calling (bearer token) and whether they hold the route's permission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from chengxin.security.actor import ANONYMOUS, Actor
from chengxin.security.permissions import Permission

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler

_ACTOR_KEY = "chengxin_actor"
# The browser's session (accounts domain): HttpOnly, SameSite=Strict, Secure in production.
SESSION_COOKIE = "chengxin_session"


def resolve_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The caller from ``Authorization: Bearer cxt_…|cxs_…`` or, without that header, from the
    ``chengxin_session`` cookie (anonymous without either); cached per request."""
    cached = connection.scope.get("state", {}).get(_ACTOR_KEY)
    if isinstance(cached, Actor):
        return cached
    header = connection.headers.get("authorization")
    actor = ANONYMOUS
    value = connection.cookies.get(SESSION_COOKIE, "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise NotAuthorizedException("use Authorization: Bearer <token>")
    if value:
        # The authenticator is wired in app.py, so security depends on no domain.
        state = connection.app.state
        with state.runtime.scope() as session:
            actor = state.authenticate(session, value)
    connection.scope.setdefault("state", {})[_ACTOR_KEY] = actor
    return actor


def requires(
    permission: Permission,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]:
    """A guard: 401 without credentials, 403 without the permission."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor = resolve_actor(connection)
        if actor is ANONYMOUS:
            raise NotAuthorizedException("authentication required")
        if not actor.can(permission):
            raise PermissionDeniedException(f"requires {permission.value}")

    guard.permission = permission  # type: ignore[attr-defined]
    return guard


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """Dependency: the resolved actor for handlers."""
    return resolve_actor(request)
