"""The lockdown gate: ASGI middleware refusing changes while the platform is locked down.

While locked, every request other than GET, HEAD and OPTIONS is refused with 503
``platform-locked-down``, except signing in, signing out and lifting the lockdown — through the
API and through the pages (staff sign-in, the language switch, the operator console's lift
button), so the security officer can still reach the switch. The state is read from the database
at most once per ``lockdown_cache_seconds`` (≤ 1 s) per process; a lock or lift made through this
process is seen at once, one made through another within ``change_poll_seconds`` (ADR 0034).
A page (any path outside ``/api/``) is refused with a short HTML page.
"""

from __future__ import annotations

import json
import math
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio.to_thread
from litestar.enums import ScopeType

from chengxin.accounts.emergency import service as emergency_service
from chengxin.accounts.emergency.errors import PlatformLockedDown
from chengxin.changes import service as changes_service
from chengxin.changes.service import Topic
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
WEB_LOCKDOWN_PATH = "/console/operator/emergency/lockdown"
WEB_LIFT_PATH = WEB_LOCKDOWN_PATH + "/lift"
CHANGES_LOCKDOWN = frozenset({LOCKDOWN_PATH, WEB_LOCKDOWN_PATH, WEB_LIFT_PATH})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT = frozenset(
    {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("DELETE", LOCKDOWN_PATH),
        ("POST", "/signin"),
        ("POST", "/signout"),
        ("POST", "/lang"),
        ("POST", WEB_LIFT_PATH),
    }
)
_PAGE = (
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>503</title></head>'
    "<body><h1>平台处于封锁状态 · The platform is locked down</h1>"
    "<p>暂停一切数据变更，查询不受影响。请稍后再试。 Changes are refused for now; reading is not "
    "affected. Please try again later.</p><p><code>platform-locked-down</code></p>"
    '<p><a href="/">首页 · Home</a></p></body></html>'
).encode()


@dataclass(eq=False)  # kept in a WeakSet: hashed by identity
class LockdownCache:
    """One process's last reading of the lockdown state (shared by every route)."""

    locked: bool = False
    read_at: float = -math.inf

    def invalidate(self) -> None:
        """Read the database again on the next change request."""
        self.read_at = -math.inf


# Every runtime's cache in this process: a lock or lift anywhere makes each read again.
_CACHES: weakref.WeakSet[LockdownCache] = weakref.WeakSet()


def _forget_lockdown() -> None:
    for cache in list(_CACHES):
        cache.invalidate()


def install() -> None:
    """A lock or lift, in this process or another (changes.watcher), makes every cache of this
    process read the lockdown again (ADR 0034)."""
    changes_service.on_change(_forget_lockdown, Topic.LOCKDOWN)


def _read_locked(runtime: Runtime) -> bool:
    # A read-only unit of work: on SQLite it never queues for the write turn (ADR 0019).
    with runtime.read_scope() as session:
        return emergency_service.current_lockdown(session) is not None


def _cache(runtime: Runtime) -> LockdownCache:
    cache = runtime.caches.get("lockdown")
    if cache is None:
        cache = runtime.caches["lockdown"] = LockdownCache()
        _CACHES.add(cache)
    return cache


async def _refuse(send: Send, *, page: bool) -> None:
    error = PlatformLockedDown()
    if page:
        await send(
            {
                "type": "http.response.start",
                "status": error.status,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(_PAGE)).encode("ascii")),
                    (b"retry-after", b"60"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": _PAGE, "more_body": False})
        return
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
        runtime: Runtime = scope["app"].state.runtime
        cache = _cache(runtime)
        if (method, path) not in EXEMPT:
            if time.monotonic() - cache.read_at >= runtime.settings.lockdown_cache_seconds:
                cache.locked = await anyio.to_thread.run_sync(_read_locked, runtime)
                cache.read_at = time.monotonic()
            if cache.locked:
                await _refuse(send, page=not path.startswith("/api/"))
                return
        try:
            await app(scope, receive, send)
        finally:
            if path in CHANGES_LOCKDOWN:
                cache.invalidate()

    return middleware
