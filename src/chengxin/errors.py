"""Domain errors and their RFC 9457 ``application/problem+json`` rendering."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, ClassVar

import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from sqlalchemy import exc as sa_exc

from chengxin.context import current_request_id, new_request_id
from chengxin.settings import Settings

PROBLEM_BASE = "https://chengxin.example.gov.cn/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

log = structlog.get_logger(__name__)


class DomainError(Exception):
    """An expected failure with a stable code; never carries personal data in ``detail``."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class InvalidInput(DomainError):
    status = 422
    code = "invalid-input"
    title = "Invalid input"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload-too-large"
    title = "The upload is larger than this platform accepts"


def problem(
    status: int, code: str, title: str, detail: str | None = None, **extra: Any
) -> Response[dict[str, Any]]:
    """Build a problem+json response carrying the request id."""
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "status": status, "title": title}
    if detail:
        body["detail"] = detail
    body.update(extra)
    # Requests that never reached a route (404, 405) did not pass the request-id middleware.
    body["request_id"] = current_request_id() or new_request_id()
    return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    """Render a domain error (``retry_after`` seconds also become a Retry-After header)."""
    response = problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)
    if "retry_after" in exc.extra:
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
    return response


def validation_error_handler(
    _: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Render request validation failures with a list of field errors (values never echoed)."""
    errors = [
        {"field": item.get("key"), "message": item.get("message")}
        for item in exc.extra or []
        if isinstance(item, dict)
    ]
    missing = exc.__cause__
    if not errors and isinstance(missing, KeyError) and missing.args:
        # Litestar names a missing required parameter only in its message; the alias it could
        # not find is the KeyError it raises from.
        errors = [{"field": str(missing.args[0]), "message": "a required parameter is missing"}]
    return problem(422, "validation-failed", "The request is not valid", errors=errors)


_HTTP_CODES = {
    401: ("unauthenticated", "Authentication is required"),
    403: ("forbidden", "You do not have permission for this action"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("payload-too-large", "The upload is larger than this platform accepts"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
}


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Render framework HTTP errors (404 routes, 401/403 from guards) as problems."""
    code, title = _HTTP_CODES.get(exc.status_code, ("http-error", "Request failed"))
    detail = (
        exc.detail if isinstance(exc, NotAuthorizedException | PermissionDeniedException) else None
    )
    return problem(exc.status_code, code, title, detail if detail != title else None)


def internal_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Unknown failures: log the type only (messages may hold data), answer with the request id."""
    log.error("unhandled_exception", error_type=type(exc).__name__)
    return problem(500, "internal-error", "Internal error")


def value_not_storable_handler(
    _: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    """A value that passed validation but that the database cannot hold (an integer past 64
    bits: OverflowError on SQLite, DataError on PostgreSQL; a NUL character in text on
    PostgreSQL): 422, nothing stored."""
    log.warning("value_not_storable", error_type=type(exc).__name__)
    return problem(
        422,
        "value-not-storable",
        "A value is out of the range the platform can store (a number too large, a NUL "
        "character in text)",
    )


# PostgreSQL SQLSTATEs that say "not now" rather than "never": serialization failure, deadlock,
# lock not available (lock_timeout), the server shutting down or restarting, too many
# connections. Class 08 (connection exceptions) is matched by its prefix.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"})
# SQLite's words for another connection holding the lock past the busy timeout (and the write
# turn's, db.WriteTurns).
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    """Whether a database error is contention or a lost connection, so the same request may
    succeed if sent again: nothing of it was committed (the transaction was rolled back)."""
    if isinstance(exc, sa_exc.TimeoutError) or (  # no pooled connection free in time
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    ):
        return True
    if not isinstance(exc, sa_exc.OperationalError):
        return False  # integrity, data and programming errors are not the weather
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate in TRANSIENT_SQLSTATES or sqlstate.startswith("08")
    if isinstance(orig, sqlite3.Error) or type(orig) is Exception:
        return any(words in str(orig).lower() for words in _SQLITE_BUSY)
    # A PostgreSQL driver error with no SQLSTATE: the connection failed or was refused.
    return type(orig).__module__.startswith("psycopg")


# SQLSTATEs of a server going away: shut down by an operator, crashed, not accepting connections
# yet (a standby being promoted). With class 08 and a driver error without SQLSTATE (refused,
# reset), they mean "the database is unavailable" rather than "busy".
_GONE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def is_unavailable(exc: BaseException) -> bool:
    """Whether a transient database error is a lost or refused connection (a failover, a
    restart: 503 ``database-unavailable``) rather than contention (``database-busy``). The
    transaction is gone with its connection: all of it or, if the connection died during its
    COMMIT, possibly all of it committed, never a part (ADR 0033)."""
    if not is_transient(exc):
        return False
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate in _GONE_SQLSTATES or sqlstate.startswith("08")
    orig = getattr(exc, "orig", None)
    return orig is not None and type(orig).__module__.startswith("psycopg")


def transient_problem(exc: BaseException) -> tuple[str, str]:
    """The code and title of a transient database error's 503 (API and pages alike)."""
    if is_unavailable(exc):
        return (
            "database-unavailable",
            "The database is unavailable (a failover or restart); send the request again",
        )
    return "database-busy", "The database is busy; nothing was stored, send the request again"


def busy_retry_after(request: Request[Any, Any, Any], exc: Exception) -> int | None:
    """For a transient database error (``is_transient``), the Retry-After seconds of its 503
    ``database-busy`` answer, logged; None for any other error. One rule for the API's problems
    and the pages."""
    if isinstance(exc, sa_exc.DataError) or not is_transient(exc):
        return None
    runtime = getattr(request.app.state, "runtime", None)
    log.warning(
        "database_busy",
        error_type=type(exc).__name__,
        sqlstate=getattr(getattr(exc, "orig", None), "sqlstate", None),
        path=request.url.path,
    )
    if runtime is None:
        return int(Settings.model_fields["db_busy_retry_after_seconds"].default)
    return int(runtime.settings.db_busy_retry_after_seconds)


def database_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    """Transient database errors (lock timeouts, busy SQLite, serialization failures, deadlocks,
    lost connections) answer 503 ``database-busy`` with Retry-After: the request's transaction
    was rolled back, so sending it again is safe. A value the database cannot hold or compare
    (``DataError``: a number out of range, a NUL character in text, on PostgreSQL) is the
    client's: 422 ``value-not-storable``. Anything else is an internal error."""
    if isinstance(exc, sa_exc.DataError):
        return value_not_storable_handler(request, exc)
    retry_after = busy_retry_after(request, exc)
    if retry_after is None:
        return internal_error_handler(request, exc)
    code, title = transient_problem(exc)
    response = problem(503, code, title, retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


@dataclass
class FieldError:
    """One invalid field of a refused request."""

    field: str | None
    message: str | None


@dataclass
class ProblemDetails:
    """An RFC 9457 problem: ``type`` ends in the stable code (docs/problems.md); a problem may
    carry more members (``retry_after``, ``query_id``, …)."""

    type: str
    status: int
    title: str
    request_id: str
    detail: str | None = None
    errors: list[FieldError] | None = None  # validation-failed: the fields and what is wrong


# What each error status means on this API, with its codes (docs/problems.md has them all).
ERROR_DESCRIPTIONS = {
    400: "Malformed request: unreadable body (http-error) or JSON nested too deeply "
    "(json-too-deep)",
    401: "No valid credentials (unauthenticated, and the session and token codes)",
    403: "Not allowed: the credentials lack the permission, or the object is outside the "
    "caller's scope (forbidden, and domain codes)",
    404: "No such object, or none the caller may see (not-found, and domain codes)",
    409: "The object's state does not allow this (conflict, and domain codes)",
    410: "Gone: it expired (domain codes)",
    413: "The body is larger than this platform accepts (payload-too-large)",
    415: "The body is not of a media type this route takes (unsupported-media-type)",
    422: "Invalid input: validation-failed with the fields in errors, or a domain rule "
    "(invalid-input, and domain codes)",
    423: "Locked: too many failed attempts (domain codes)",
    429: "Too many requests: Retry-After says when to try again (domain codes)",
    503: "Try again later: database-busy (Retry-After; nothing was stored), "
    "database-unavailable (Retry-After; a failover or restart), "
    "platform-locked-down (changes), audit-writer-unavailable",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Statuses only one route answers (the rest follow from the route's shape: error_statuses).
ROUTE_STATUSES: dict[str, tuple[int, ...]] = {
    "POST /api/v1/auth/login": (401, 423),
    "POST /api/v1/citizens/sign-in": (401,),
    "POST /api/v1/citizens/sign-in/verify": (401, 410),
}


def error_statuses(
    route: str, methods: set[str], *, guarded: bool, takes_actor: bool, takes_body: bool
) -> set[int]:
    """The error statuses a route can answer, from its shape: every route may find its input
    malformed or invalid, its object missing, a state it needs absent (a read before any catalog
    or ruleset is active: 409), or the database busy; a route that needs a caller may refuse
    one; a body may be too large or of the wrong type; a change may be refused while the
    platform is locked down (503) and, open to anyone, be rate-limited."""
    statuses = {400, 404, 409, 422, 503}
    if guarded or takes_actor:
        statuses |= {401, 403}
    if takes_body:
        statuses |= {413, 415}
    if methods & UNSAFE_METHODS and not guarded:
        statuses.add(429)
    for method in methods:
        statuses.update(ROUTE_STATUSES.get(f"{method} {route}", ()))
    return statuses


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    sa_exc.DBAPIError: database_error_handler,
    sa_exc.TimeoutError: database_error_handler,
    OverflowError: value_not_storable_handler,
    Exception: internal_error_handler,
}

__all__ = [
    "ERROR_DESCRIPTIONS",
    "EXCEPTION_HANDLERS",
    "PROBLEM_MEDIA_TYPE",
    "Conflict",
    "DomainError",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "ProblemDetails",
    "error_statuses",
    "problem",
]
