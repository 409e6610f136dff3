"""Read replicas: PostgreSQL hot standbys that serve read-only work (ADR 0033).

PostgreSQL replicates (streaming replication); this module only chooses where a read runs:

- ``ReplicaSet`` keeps one engine per replica and a monitor thread that reads, every
  ``REFRESH_SECONDS``, the primary's WAL position and each replica's replay position and the
  time of its last replayed commit. A replica behind the primary by more than
  ``replica_max_lag_seconds`` (the age of the last commit it replayed while more is waiting),
  or unreachable, is left out until it catches up.
- Read-your-writes: after a request that may have written, the primary's WAL insert position
  is the caller's *floor*: it goes back in the ``Chengxin-LSN`` header and the
  ``chengxin_lsn`` cookie (which the caller's next requests carry, to any server process) and
  into this process's map keyed by the caller's credential. A read goes to a replica only if
  that replica has replayed past the caller's floor; otherwise it runs on the primary.
- What is read-only: the routes named in ``READ_ONLY_ROUTES`` (their handler's
  ``opt["read_only"]``) and the check's reads (``Runtime.read_scope(replica=True)``). Their
  unit of work is a read-only transaction wherever it runs, so one that writes fails loudly.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import math
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import structlog
from litestar.enums import ScopeType
from sqlalchemy import Engine, event, text

from chengxin.db import make_engine
from chengxin.errors import UNSAFE_METHODS
from chengxin.security.guards import SESSION_COOKIE

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)

LSN_HEADER = "chengxin-lsn"
LSN_COOKIE = "chengxin_lsn"
READ_ONLY_OPT = "read_only"  # handler opt: the route only reads (a replica may serve it)
REFRESH_SECONDS = 0.5  # how often the monitor reads the replicas' positions
_COOKIE_SECONDS = 3600
_CALLERS_MAX = 100_000  # callers remembered per process before the oldest floors are merged
# The routes that only read, as "METHOD path" the way the router writes them. Each runs in a
# read-only transaction (on a replica when one is fresh enough); tests/replicas run every one
# of them on PostgreSQL. A route that writes in passing (a rate-limit count) does that in a
# unit of work of its own on the primary (``runtime.scope``), never in the request's session.
READ_ONLY_ROUTES = frozenset(
    {
        "GET /api/v1/system/lockdown",
        "GET /api/v1/checks/{check_id}",
        "GET /api/v1/checks/feedback-rates",
        "GET /api/v1/me/checks",
        "GET /api/v1/public/lists/entries",
        "POST /api/v1/public/lists/search",
        "POST /api/v1/reports/verify",
        "GET /",
        "GET /lists/{code}",
        "GET /pages",
        "GET /pages/{slug}",
        "GET /repair-guide",
        "POST /verify",
    }
)

_floor: ContextVar[int] = ContextVar("chengxin_read_floor", default=0)


def parse_lsn(value: str | None) -> int | None:
    """``16/B374D848`` (PostgreSQL's spelling of a WAL position) as a number; None if not one."""
    if not value:
        return None
    high, slash, low = value.strip().partition("/")
    if not slash or len(high) > 8 or len(low) > 8:  # noqa: PLR2004  # 32 bits each
        return None
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return None


def format_lsn(value: int) -> str:
    """The PostgreSQL spelling of a WAL position."""
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def read_floor() -> int:
    """The WAL position this request's reads must not be older than (0: any)."""
    return _floor.get()


@contextlib.contextmanager
def reading_after(lsn: int) -> Iterator[None]:
    """Reads in this block see at least everything committed up to ``lsn``."""
    token = _floor.set(max(lsn, _floor.get()))
    try:
        yield
    finally:
        _floor.reset(token)


@dataclass(frozen=True)
class ReplicaStatus:
    """What the monitor last read of one replica."""

    healthy: bool
    replay_lsn: int = 0
    lag_seconds: float | None = None
    reason: str | None = None  # why it is left out: "lagging", "unreachable", "not-a-standby"


class Replica:
    """One hot standby: its engine and its last status."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.status = ReplicaStatus(healthy=False, reason="not-read-yet")
        event.listen(engine, "handle_error", self._on_error)

    def _on_error(self, context: Any) -> None:
        # A replica that lost a connection serves nothing until the monitor reads it again.
        if context.is_disconnect or context.connection is None:
            self.status = ReplicaStatus(healthy=False, reason="unreachable")

    def read_status(self, primary_lsn: int, max_lag: float) -> ReplicaStatus:
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                    "extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
                )
            ).one()
            conn.rollback()
        in_recovery, replay_text, age = row
        if not in_recovery:  # promoted: a primary of its own now, not ours to read from
            return ReplicaStatus(healthy=False, reason="not-a-standby")
        replay = parse_lsn(replay_text) or 0
        # Caught up: no lag. Otherwise (more is waiting) the age of the last commit it replayed.
        lag = 0.0 if replay >= primary_lsn else math.inf if age is None else max(0.0, float(age))
        if lag > max_lag:
            return ReplicaStatus(
                healthy=False, replay_lsn=replay, lag_seconds=lag, reason="lagging"
            )
        return ReplicaStatus(healthy=True, replay_lsn=replay, lag_seconds=lag)


def primary_lsn(engine: Engine) -> int:
    """The primary's WAL insert position now: past every commit that returned before."""
    with engine.connect() as conn:
        value = conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar_one()
        conn.rollback()
    return parse_lsn(value) or 0


class ReplicaSet:
    """The replicas of one process, their monitor, and the callers' read-your-writes floors."""

    def __init__(
        self,
        urls: list[str],
        *,
        primary: Engine,
        max_lag_seconds: float,
        engine_options: dict[str, Any] | None = None,
    ) -> None:
        self.primary = primary
        self.max_lag_seconds = max_lag_seconds
        self.replicas = [Replica(u, make_engine(u, **(engine_options or {}))) for u in urls]
        self._turn = itertools.count()
        self._callers: dict[bytes, int] = {}
        self._merged_floor = 0  # floors of callers forgotten to bound the map: everyone's
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.refreshed_at = -math.inf

    # -- the monitor ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the primary's position and every replica's status now."""
        with self._refresh_lock:
            try:
                lsn = primary_lsn(self.primary)
            except Exception:  # noqa: BLE001  # primary down: keep what was known, try again
                log.warning("replicas.primary-unreadable")
                return
            for replica in self.replicas:
                try:
                    status = replica.read_status(lsn, self.max_lag_seconds)
                except Exception as exc:  # noqa: BLE001  # a down replica is a status, not a crash
                    status = ReplicaStatus(healthy=False, reason="unreachable")
                    log.info("replicas.unreachable", error=type(exc).__name__)
                if status.healthy != replica.status.healthy:
                    (log.info if status.healthy else log.warning)(
                        "replicas.in" if status.healthy else "replicas.out",
                        reason=status.reason,
                        lag_seconds=status.lag_seconds,
                    )
                replica.status = status
            self.refreshed_at = time.monotonic()

    def _watch(self) -> None:
        while True:
            self.refresh()
            if self._stop.wait(REFRESH_SECONDS):
                return

    def start(self) -> None:
        """Keep reading the replicas in a daemon thread (idempotent; never blocks: until its
        first reading every read runs on the primary)."""
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._watch, name="replicas", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the monitor and close the replicas' connections."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(5)
        for replica in self.replicas:
            replica.engine.dispose()

    # -- choosing ---------------------------------------------------------------------------

    def pick(self, floor: int) -> Replica | None:
        """A healthy replica that replayed past ``floor`` (in turn), or None: read on the
        primary. A replay position only grows, so a past reading that is past the floor holds."""
        if self._thread is None:
            self.start()
        floor = max(floor, self._merged_floor)
        fit = [r for r in self.replicas if r.status.healthy and r.status.replay_lsn >= floor]
        if not fit:
            return None
        return fit[next(self._turn) % len(fit)]

    # -- read-your-writes -------------------------------------------------------------------

    def note_write(self, caller: bytes | None, lsn: int) -> None:
        """Remember that ``caller`` (a credential's digest) may have written up to ``lsn``."""
        if caller is None:
            return
        with self._lock:
            if len(self._callers) >= _CALLERS_MAX:
                self._forget_replayed()
            self._callers[caller] = max(lsn, self._callers.get(caller, 0))

    def _forget_replayed(self) -> None:
        replayed = min((r.status.replay_lsn for r in self.replicas), default=0)
        self._callers = {k: v for k, v in self._callers.items() if v > replayed}
        if len(self._callers) >= _CALLERS_MAX:  # still full: merge them into one floor
            self._merged_floor = max(self._merged_floor, *self._callers.values())
            self._callers.clear()

    def floor_of(self, caller: bytes | None) -> int:
        """The floor this process remembers for ``caller``."""
        if caller is None:
            return 0
        return self._callers.get(caller, 0)


# -- routes and requests --------------------------------------------------------------------


def mark_read_only_routes(app: Litestar) -> None:
    """Mark the handlers of ``READ_ONLY_ROUTES`` (``opt["read_only"]``): their session is a
    read-only transaction, on a replica when one is fresh enough (app.provide_session)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = getattr(handler, "http_methods", ())
            if any(f"{m} {route.path_format}" in READ_ONLY_ROUTES for m in methods):
                handler.opt[READ_ONLY_OPT] = True


def _caller_key(headers: dict[bytes, bytes], cookies: SimpleCookie) -> bytes | None:
    # The credential itself (hashed): the same token or session in every request of a caller,
    # known before the route's guard resolves it to an actor.
    authorization = headers.get(b"authorization", b"")
    if authorization[:7].lower() == b"bearer ":
        return hashlib.sha256(authorization[7:].strip()).digest()
    session = cookies.get(SESSION_COOKIE)
    return hashlib.sha256(session.value.encode()).digest() if session else None


def _cookies(headers: dict[bytes, bytes]) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    with contextlib.suppress(Exception):
        jar.load(headers.get(b"cookie", b"").decode("latin-1"))
    return jar


def lsn_middleware(app: ASGIApp) -> ASGIApp:
    """Around the application: a request's reads not older than its caller's last write (the
    ``Chengxin-LSN`` header, the ``chengxin_lsn`` cookie, this process's memory of the
    credential), and after a successful request that may have written (an unsafe method, not
    a read-only route), the primary's position returned in both and remembered. Nothing at
    all without replicas."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        replicas: ReplicaSet | None = getattr(runtime, "replicas", None)
        if scope["type"] != ScopeType.HTTP or replicas is None:
            await app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        cookies = _cookies(headers)
        caller = _caller_key(headers, cookies)
        cookie = cookies.get(LSN_COOKIE)
        floor = max(
            parse_lsn(headers.get(LSN_HEADER.encode(), b"").decode("latin-1")) or 0,
            parse_lsn(cookie.value if cookie else None) or 0,
            replicas.floor_of(caller),
        )

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and _may_have_written(scope, message):
                try:
                    lsn = await anyio.to_thread.run_sync(primary_lsn, replicas.primary)
                except Exception:  # noqa: BLE001  # the answer stands; the floor stays older
                    log.warning("replicas.no-floor")
                else:
                    replicas.note_write(caller, lsn)
                    secure = "; Secure" if scope.get("scheme") == "https" else ""
                    message = {
                        **message,
                        "headers": [
                            *message.get("headers", []),
                            (LSN_HEADER.encode(), format_lsn(lsn).encode()),
                            (
                                b"set-cookie",
                                (
                                    f"{LSN_COOKIE}={format_lsn(lsn)}; Path=/; "
                                    f"Max-Age={_COOKIE_SECONDS}; HttpOnly; SameSite=Lax{secure}"
                                ).encode(),
                            ),
                        ],
                    }
            await send(message)

        token = _floor.set(floor)
        try:
            await app(scope, receive, send_marked)
        finally:
            _floor.reset(token)

    return handle


def _may_have_written(scope: Scope, message: Message) -> bool:
    if scope.get("method") not in UNSAFE_METHODS or message.get("status", 500) >= 400:  # type: ignore[operator]  # noqa: PLR2004
        return False
    handler = scope.get("route_handler")
    return not (handler is not None and handler.opt.get(READ_ONLY_OPT))
