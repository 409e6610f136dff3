"""Route guards: who is calling (bearer token) and whether they hold the route's permission."""

from __future__ import annotations

import hashlib
import threading
import time
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


class CredentialCache:
    """Actors of credentials seen in the last ``seconds`` (``auth_cache_seconds``), per process.

    Authentication costs three or four primary-key reads per request; under load the threads
    doing them contend for the GIL with the handlers. A credential recently found good is
    trusted for a couple of seconds: a revocation, freeze or sign-out takes effect within that
    time in every process (and at once in the process that made it: ``forget_all``). Failures
    are never cached. Keys are SHA-256 digests; the credential itself is never kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._actors: dict[bytes, tuple[float, Actor]] = {}

    def get(self, value: str, seconds: float) -> Actor | None:
        if seconds <= 0:
            return None
        key = hashlib.sha256(value.encode()).digest()
        with self._lock:
            found = self._actors.get(key)
        if found is None or time.monotonic() - found[0] > seconds:
            return None
        return found[1]

    def put(self, value: str, actor: Actor, seconds: float) -> None:
        if seconds <= 0:
            return
        key = hashlib.sha256(value.encode()).digest()
        now = time.monotonic()
        with self._lock:
            if len(self._actors) > _CACHE_MAX:
                self._actors = {k: v for k, v in self._actors.items() if now - v[0] <= seconds}
            self._actors[key] = (now, actor)

    def forget_all(self) -> None:
        with self._lock:
            self._actors.clear()


_CACHE_MAX = 10_000
CREDENTIALS = CredentialCache()


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
        runtime = connection.app.state.runtime
        seconds = runtime.settings.auth_cache_seconds
        cached_actor = CREDENTIALS.get(value, seconds)
        if cached_actor is not None:
            actor = cached_actor
        else:
            # Few threads at a time: many CPU-bound threads make a GIL convoy (ADR 0019).
            actor = await anyio.to_thread.run_sync(
                _authenticate, connection, value, limiter=runtime.auth_limiter
            )
            CREDENTIALS.put(value, actor, seconds)
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
