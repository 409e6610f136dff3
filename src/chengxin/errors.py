"""Domain errors and their RFC 9457 ``application/problem+json`` rendering."""

from __future__ import annotations

from typing import Any, ClassVar

import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)

from chengxin.context import current_request_id, new_request_id

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


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}

__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_MEDIA_TYPE",
    "Conflict",
    "DomainError",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "problem",
]
