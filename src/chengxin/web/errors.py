"""How the pages answer failures: a page in the reader's language, never problem+json.

The page says what went wrong in the reader's language (web/problems.py); the API's problem code
stays on the page as a small tag (an operator reading a screenshot at 2 a.m. can look it up in
docs/problems.md), the service's own detail in its tooltip; details never carry personal data
(errors.DomainError).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect
from sqlalchemy import exc as sa_exc

from chengxin.errors import DomainError, busy_retry_after, http_error_handler, transient_problem
from chengxin.security.guards import SESSION_COOKIE
from chengxin.web.guards import SignInRequired
from chengxin.web.i18n import lang_of, translator
from chengxin.web.problems import problem_text
from chengxin.web.render import page

log = structlog.get_logger("chengxin.web")


def sign_in_path(request: Request[Any, Any, Any], *, citizen: bool) -> str:
    """The sign-in page that returns to this page afterwards (a path: no personal data)."""
    target = request.url.path if request.method == "GET" else "/"
    base = "/me/signin" if citizen else "/signin"
    return f"{base}?next={quote(target, safe='/')}"


def _error_page(
    request: Request[Any, Any, Any], status: int, code: str, detail: str | None
) -> Response[str]:
    lang = lang_of(request.cookies)
    message = problem_text(code, detail, status, lang, translator(lang))
    return page(
        request,
        "error.html",
        {"status": status, "code": code, "detail": detail, "message": message},
        status_code=status,
    )


def sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect(path=sign_in_path(request, citizen=exc.citizen), status_code=303)


def not_authorized(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """An ended, expired or frozen session: back to sign-in, with the stale cookie removed."""
    del exc
    citizen = request.url.path.startswith("/me")
    response: Response[Any] = Redirect(path=sign_in_path(request, citizen=citizen), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if exc.status == 401:  # noqa: PLR2004
        return not_authorized(request, exc)
    return _error_page(request, exc.status, exc.code, exc.detail)


def forbidden(request: Request[Any, Any, Any], exc: PermissionDeniedException) -> Response[str]:
    return _error_page(request, 403, "forbidden", exc.detail)


def not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[str]:
    del exc
    return _error_page(request, 404, "not-found", None)


def invalid(request: Request[Any, Any, Any], exc: ValidationException) -> Response[str]:
    return _error_page(request, 400, "invalid-input", exc.detail)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
    return _error_page(request, exc.status_code, "http-error", exc.detail)


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    log.error("page failed", error=type(exc).__name__, path=request.url.path)
    return _error_page(request, 500, "internal-error", None)


def database_busy(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """A transient database error (errors.is_transient): a 503 page saying to try again, with
    Retry-After; nothing of the request was stored. Other database errors: the 500 page."""
    if isinstance(exc, sa_exc.DataError):  # a value the database cannot hold (errors.py)
        return _error_page(request, 422, "value-not-storable", None)
    retry_after = busy_retry_after(request, exc)
    if retry_after is None:
        return server_error(request, exc)
    response = _error_page(request, 503, transient_problem(exc)[0], None)
    response.headers["Retry-After"] = str(retry_after)
    return response


def unrouted_not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """An address no route answers: a page for a browser, problem+json for the API's clients."""
    path = request.url.path
    wants_page = "text/html" in request.headers.get("accept", "")
    if wants_page and not path.startswith(("/api/", "/schema", "/static/")):
        return not_found(request, exc)
    return http_error_handler(request, exc)


WEB_EXCEPTION_HANDLERS: dict[Any, Any] = {
    SignInRequired: sign_in_required,
    NotAuthorizedException: not_authorized,
    DomainError: domain_error,
    PermissionDeniedException: forbidden,
    NotFoundException: not_found,
    ValidationException: invalid,
    HTTPException: http_error,
    sa_exc.DBAPIError: database_busy,
    sa_exc.TimeoutError: database_busy,
    Exception: server_error,
}
