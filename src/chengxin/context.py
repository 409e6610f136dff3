"""Per-request context (request id) shared by logs, audit entries and error responses."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("chengxin_request_id", default=None)


# A request scope key: the handler answered with an error it did not raise (a page re-showing a
# refused form), so the request's transaction is rolled back rather than committed (app.py).
ROLLBACK_ONLY = "chengxin_rollback_only"


def current_request_id() -> str | None:
    """The id of the request (or CLI command) being served, if any."""
    return _request_id.get()


def new_request_id() -> str:
    """Start a new request context and return its id."""
    rid = uuid.uuid4().hex
    _request_id.set(rid)
    return rid


def set_request_id(rid: str | None) -> None:
    """Adopt an id (e.g. a caller's X-Request-ID after validation)."""
    _request_id.set(rid)
