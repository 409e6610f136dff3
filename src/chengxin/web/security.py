"""Security of the pages: CSRF tokens on forms, security headers on every response.

CSRF (ADR 0021): Litestar's double-submit middleware — a random token in the ``chengxin_csrf``
cookie (signed with a secret derived from the keyring, SameSite=Strict, Secure in production) that
every unsafe request to a page repeats in the ``_csrf_token`` form field or the ``X-CSRFToken``
header. The API (``/api/…``) is excluded: its callers present bearer tokens, and its cookie
sessions are SameSite=Strict (ADR 0010).

Headers: a Content-Security-Policy that allows nothing but the platform's own origin and no
inline script or style on any page; the API docs page (``/schema``), whose Swagger UI starts
with an inline script of Litestar's, gets ``'unsafe-inline'`` for scripts there only — its
assets are still the platform's own (``/static/vendor/swagger-ui``).
"""

from __future__ import annotations

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from chengxin.keys.keyring import Keyring
from chengxin.settings import Environment, Settings
from chengxin.web.render import CSRF_COOKIE

# Paths whose unsafe requests need no CSRF token: the API and the machine endpoints.
CSRF_EXEMPT = ["^/api/", "^/health$", "^/ready$", "^/schema"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSP_API_DOCS = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csrf_config(settings: Settings, keyring: Keyring) -> CSRFConfig:
    """The CSRF middleware's settings; the secret is derived from the keyring, so every worker
    process and every restart accepts the same tokens."""
    return CSRFConfig(
        secret=keyring.blind(b"csrf-secret", "v1").hex(),
        cookie_name=CSRF_COOKIE,
        cookie_secure=settings.env is Environment.PRODUCTION,
        cookie_samesite="strict",
        cookie_httponly=True,  # pages carry the token in the form; no script needs to read it
        exclude=CSRF_EXEMPT,
    )


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    """Adds the security headers (and the CSP fitting the path) to every HTTP response."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        policy = CSP_API_DOCS if scope["path"].startswith("/schema") else CSP
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                wanted = {**HEADERS, "Content-Security-Policy": policy}
                if secure:
                    wanted["Strict-Transport-Security"] = "max-age=31536000"
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
