"""The lockdown gate: ASGI middleware refusing changes while the platform is locked down.

While locked, every request other than GET, HEAD and OPTIONS is refused with 503
``platform-locked-down``, except signing in, signing out and lifting the lockdown. The state is
read from the database at most once per ``lockdown_cache_seconds`` (≤ 1 s) per process; a
lock or lift made through this process is seen at once.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from litestar.enums import ScopeType

from chengxin.accounts.emergency import service as emergency_service
from chengxin.accounts.emergency.errors import PlatformLockedDown
from chengxin.context import current_request_id, new_request_id
from chengxin.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE

if TYPE_CHECKING:
    from litestar.types import (
        ASGIApp,
        HTTPResponseBodyEvent,
        HTTPResponseStartEvent,
        Receive,
        Scope,
        Send,
    )

    from chengxin.runtime import Runtime

LOCKDOWN_PATH = "/api/v1/system/lockdown"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT = frozenset(
    {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("DELETE", LOCKDOWN_PATH),
    }
)


@dataclass
class LockdownCache:
    """One process's last reading of the lockdown state (shared by every route)."""

    locked: bool = False
    read_at: float = -math.inf

    def invalidate(self) -> None:
        """Read the database again on the next change request."""
        self.read_at = -math.inf


def _read_locked(runtime: Runtime) -> bool:
    # A read-only unit of work: on SQLite it never queues for the write turn (ADR 0019).
    with runtime.read_scope() as session:
        return emergency_service.current_lockdown(session) is not None


def _cache(state: Any) -> LockdownCache:
    cache = state.get("lockdown_cache")
    if cache is None:
        cache = state["lockdown_cache"] = LockdownCache()
    return cache  # type: ignore[no-any-return]


async def _refuse(send: Send) -> None:
    error = PlatformLockedDown()
    body = {
        "type": PROBLEM_BASE + error.code,
        "status": error.status,
        "title": error.title,
        "request_id": current_request_id() or new_request_id(),
    }
    payload = json.dumps(body).encode("utf-8")
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": error.status,
        "headers": [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode("ascii")),
            (b"content-length", str(len(payload)).encode("ascii")),
            (b"retry-after", b"60"),
        ],
    }
    await send(start)
    body_event: HTTPResponseBodyEvent = {
        "type": "http.response.body",
        "body": payload,
        "more_body": False,
    }
    await send(body_event)


def lockdown_middleware(app: ASGIApp) -> ASGIApp:
    """Wrap a route: refuse changes while the platform is locked down."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "GET")
        if scope["type"] != ScopeType.HTTP or method in READ_METHODS:
            await app(scope, receive, send)
            return
        path = scope["path"].rstrip("/") or "/"
        state = scope["app"].state
        cache = _cache(state)
        if (method, path) not in EXEMPT:
            runtime: Runtime = state.runtime
            if time.monotonic() - cache.read_at >= runtime.settings.lockdown_cache_seconds:
                cache.locked = await anyio.to_thread.run_sync(_read_locked, runtime)
                cache.read_at = time.monotonic()
            if cache.locked:
                await _refuse(send)
                return
        try:
            await app(scope, receive, send)
        finally:
            if path == LOCKDOWN_PATH:
                cache.invalidate()

    return middleware
