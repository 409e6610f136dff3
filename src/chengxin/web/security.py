"""Security of the pages: CSRF tokens on forms, security headers on every response.

CSRF (ADR 0021): Litestar's double-submit middleware — a random token in the ``chengxin_csrf``
cookie (signed with a secret derived from the keyring, SameSite=Strict, Secure in production) that
every unsafe request to a page repeats in the ``_csrf_token`` form field or the ``X-CSRFToken``
header. The API (``/api/…``) is excluded: its callers present bearer tokens, and its cookie
sessions are SameSite=Strict (ADR 0010).

Headers: a Content-Security-Policy that allows nothing but the platform's own origin and no
inline script or style on any page; the API docs page (``/schema``), whose Swagger UI starts
with an inline script of Litestar's, gets ``'unsafe-inline'`` for scripts there only — its
assets are still the platform's own (``/static/vendor/swagger-ui``). They are built once, as raw
header pairs, and the request middleware (``context.request_middleware``) adds them to every
response, routed or not (ADR 0024).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.config.csrf import CSRFConfig

from chengxin.context import ResponseHeaders, response_headers
from chengxin.keys.keyring import Keyring
from chengxin.settings import Environment, Settings
from chengxin.web.render import CSRF_COOKIE

if TYPE_CHECKING:
    from litestar.types import Scope

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


# Built once: the headers of a page, of the API docs page, each over plain HTTP and over HTTPS.
_PAGE = {**HEADERS, "Content-Security-Policy": CSP}
_API_DOCS = {**HEADERS, "Content-Security-Policy": CSP_API_DOCS}
_HSTS = {"Strict-Transport-Security": "max-age=31536000"}
_BY_SCHEME_AND_PATH = {
    (False, False): response_headers(_PAGE),
    (True, False): response_headers({**_PAGE, **_HSTS}),
    (False, True): response_headers(_API_DOCS),
    (True, True): response_headers({**_API_DOCS, **_HSTS}),
}


def security_headers(scope: Scope) -> ResponseHeaders:
    """The security headers every HTTP response carries (those a response sets itself stay):
    the CSP fitting the path, and HSTS over HTTPS."""
    return _BY_SCHEME_AND_PATH[scope.get("scheme") == "https", scope["path"].startswith("/schema")]
