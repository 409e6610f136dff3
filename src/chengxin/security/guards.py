"""Route guards: who is calling (bearer token) and whether they hold the route's permission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread
from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from chengxin.security.actor import ANONYMOUS, Actor
from chengxin.security.permissions import Permission

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler

_ACTOR_KEY = "chengxin_actor"
# The browser's session (accounts domain): HttpOnly, SameSite=Strict, Secure in production.
SESSION_COOKIE = "chengxin_session"


def _presented(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The credential the caller presented: the bearer value, else the session cookie ('' for
    none); 401 for a malformed Authorization header."""
    header = connection.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise NotAuthorizedException("use Authorization: Bearer <token>")
        return value
    return connection.cookies.get(SESSION_COOKIE, "")


def _authenticate(connection: ASGIConnection[Any, Any, Any, Any], value: str) -> Actor:
    # The authenticator is wired in app.py, so security depends on no domain.
    state = connection.app.state
    with state.runtime.read_scope() as session:
        return state.authenticate(session, value)  # type: ignore[no-any-return]


async def resolve_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The caller from ``Authorization: Bearer cxt_…|cxs_…`` or, without that header, from the
    ``chengxin_session`` cookie (anonymous without either); cached per request.

    The database work runs in a worker thread, never on the event loop: a loop blocked on a
    pooled connection (or SQLite's write lock) held by a finished handler whose commit waits for
    that same loop would stall every request (ADR 0001, "one transaction per request").
    """
    cached = connection.scope.get("state", {}).get(_ACTOR_KEY)
    if isinstance(cached, Actor):
        return cached
    value = _presented(connection)
    actor = ANONYMOUS
    if value:
        actor = await anyio.to_thread.run_sync(_authenticate, connection, value)
    connection.scope.setdefault("state", {})[_ACTOR_KEY] = actor
    return actor


def requires(
    permission: Permission,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A guard: 401 without credentials, 403 without the permission."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor = await resolve_actor(connection)
        if actor is ANONYMOUS:
            raise NotAuthorizedException("authentication required")
        if not actor.can(permission):
            raise PermissionDeniedException(f"requires {permission.value}")

    guard.permission = permission  # type: ignore[attr-defined]
    return guard


async def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """Dependency: the resolved actor for handlers."""
    return await resolve_actor(request)
