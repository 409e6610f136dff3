"""The answer to a sign-in, staff or citizen: the session token in the body and the cookie."""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.datastructures import Cookie

from chengxin.accounts.schemas import SessionRead
from chengxin.accounts.service import IssuedSession
from chengxin.security.guards import SESSION_COOKIE
from chengxin.settings import Environment, Settings


def session_cookie(settings: Settings, issued: IssuedSession) -> Cookie:
    """The browser's copy of a session token: HttpOnly, SameSite=Strict (the CSRF defence until
    the web UI adds CSRF tokens, ADR 0010), Secure in production."""
    return Cookie(
        key=SESSION_COOKIE,
        value=issued.token,
        path="/",
        httponly=True,
        secure=settings.env is Environment.PRODUCTION,
        samesite="strict",
        max_age=int((issued.row.expires_at - issued.row.created_at).total_seconds()),
    )


def session_response(settings: Settings, issued: IssuedSession) -> Response[Any]:
    """The answer to a sign-in (staff or citizen): the token in the body and in the cookie."""
    body = SessionRead(
        token=issued.token,
        expires_at=issued.row.expires_at,
        idle_timeout_seconds=issued.row.idle_seconds,
    )
    return Response(body, status_code=200, cookies=[session_cookie(settings, issued)])
