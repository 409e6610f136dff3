"""Per-request context (request id) shared by logs, audit entries and error responses, and the one
middleware every HTTP request passes first (ADR 0024)."""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, NamedTuple

import structlog
from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

_request_id: ContextVar[str | None] = ContextVar("chengxin_request_id", default=None)


# A request scope key: the handler answered with an error it did not raise (a page re-showing a
# refused form), so the request's transaction is rolled back rather than committed (app.py).
ROLLBACK_ONLY = "chengxin_rollback_only"

ACCESS_LOGGER = "chengxin.access"
_REQUEST_ID_HEADER = b"x-request-id"


def current_request_id() -> str | None:
    """The id of the request (or CLI command) being served, if any."""
    return _request_id.get()


# Request ids correlate log lines, audit entries and answers; they are no secret. 128 bits from a
# generator of the process's own (seeded from the OS, again in every forked worker): no UUID
# object, no system call per request.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


def _new_id() -> str:
    return f"{_ids.getrandbits(128):032x}"


def new_request_id() -> str:
    """Start a new request context and return its id."""
    rid = _new_id()
    _request_id.set(rid)
    return rid


def set_request_id(rid: str | None) -> None:
    """Adopt an id (e.g. a caller's X-Request-ID after validation)."""
    _request_id.set(rid)


class ResponseHeaders(NamedTuple):
    """Headers every response of a kind carries, as raw pairs, with the names the middleware
    checks a response against (the request id's included), built once."""

    pairs: tuple[tuple[bytes, bytes], ...]
    names: frozenset[bytes]


def response_headers(headers: dict[str, str]) -> ResponseHeaders:
    """``headers`` as the request middleware adds them."""
    pairs = tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())
    return ResponseHeaders(pairs, frozenset({name for name, _ in pairs} | {_REQUEST_ID_HEADER}))


def _merged(
    raw: Iterable[tuple[bytes, bytes]], added: ResponseHeaders
) -> list[tuple[bytes, bytes]]:
    # The rare case: the response set one of these headers itself. Its own stays, except the
    # request id, which is always ours.
    kept = [h for h in raw if h[0].lower() != _REQUEST_ID_HEADER]
    present = {name.lower() for name, _ in kept}
    return kept + [h for h in added.pairs if h[0] not in present]


def request_middleware(
    app: ASGIApp, *, headers_for: Callable[[Scope], ResponseHeaders], access_log: bool
) -> ASGIApp:
    """Wrap the whole application: give every HTTP request an id (logs, audit entries, problems,
    ``X-Request-ID``), add the headers ``headers_for(scope)`` gives (the security headers,
    precomputed) unless the response set them, and, with ``access_log``, log one structured line
    per request when the ``chengxin.access`` logger is enabled for INFO (otherwise the clock is
    not even read).

    Paths never hold personal data (ID numbers travel in bodies), so logging them is safe.
    Everything that does not depend on the request is built here, once.
    """
    access = structlog.get_logger(ACCESS_LOGGER)
    access_enabled = logging.getLogger(ACCESS_LOGGER).isEnabledFor
    set_id, reset_id = _request_id.set, _request_id.reset

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        rid = _new_id()
        token = set_id(rid)
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                added = headers_for(scope)
                raw = message.get("headers", ())
                if type(raw) is not list:  # ASGI allows any iterable; Litestar sends lists
                    raw = list(raw)
                for name, _ in raw:
                    if name.lower() in added.names:
                        headers = _merged(raw, added)
                        break
                else:
                    headers = [*raw, *added.pairs]
                headers.append((_REQUEST_ID_HEADER, rid.encode("ascii")))
                message["headers"] = headers
            await send(message)

        logged = access_log and access_enabled(logging.INFO)
        if logged:
            method, path, started = scope["method"], scope["path"], time.perf_counter()
        try:
            await app(scope, receive, send_with_headers)
        finally:
            if logged:
                ms = round((time.perf_counter() - started) * 1000, 1)
                access.info("request", method=method, path=path, status=status, ms=ms)
            reset_id(token)

    return middleware
