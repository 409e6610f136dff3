"""The pages' shared routes (staff sign-in and sign-out, the language switch) and the assembly of
every area's controllers into one router with the pages' error handling."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.params import FromQuery, URLEncodedBody
from litestar.static_files import create_static_files_router
from pydantic import BaseModel

from chengxin.accounts import service as accounts_service
from chengxin.accounts.cookies import session_cookie
from chengxin.deps import SettingsDep, client_ip
from chengxin.errors import DomainError
from chengxin.runtime import Runtime
from chengxin.security.guards import SESSION_COOKIE, _presented
from chengxin.web.citizen.routes import CONTROLLERS as CITIZEN
from chengxin.web.consumer.routes import CONTROLLERS as CONSUMER
from chengxin.web.errors import WEB_EXCEPTION_HANDLERS
from chengxin.web.forms import local_path
from chengxin.web.i18n import LANG_COOKIE
from chengxin.web.operator.routes import CONTROLLERS as OPERATOR
from chengxin.web.portal.routes import CONTROLLERS as PORTAL
from chengxin.web.provider.routes import CONTROLLERS as PROVIDER
from chengxin.web.render import ELDER_COOKIE, page, see_other
from chengxin.web.work.routes import CONTROLLERS as WORK

PUBLIC = {"public": True}


class SignInForm(BaseModel):
    login: str = ""
    password: str = ""
    next: str = "/"


class LangForm(BaseModel):
    lang: str = "zh"
    next: str = "/"


class ElderForm(BaseModel):
    elder: str = "0"  # "1": on
    next: str = "/"


class WebSessionController(Controller):
    """Staff sign-in and sign-out for the consoles, and the language switch."""

    path = "/"

    @get("/signin", opt=PUBLIC, sync_to_thread=False)
    def sign_in_form(
        self,
        request: Request[Any, Any, Any],
        next: FromQuery[str] = "/",  # noqa: A002
    ) -> Response[str]:
        return page(request, "signin.html", {"next": local_path(next), "error": None, "login": ""})

    @post("/signin", opt=PUBLIC, sync_to_thread=True)
    def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[SignInForm],
        settings: SettingsDep,
    ) -> Response[Any]:
        runtime: Runtime = request.app.state.runtime
        try:
            issued = accounts_service.login(
                runtime.scope,
                login=data.login,
                password=data.password,
                client_ip=client_ip(request),
                policy=accounts_service.Policy.from_settings(settings),
            )
        except DomainError as exc:
            return page(
                request,
                "signin.html",
                {"next": local_path(data.next), "error": exc, "login": data.login},
                status_code=exc.status,
            )
        response = see_other(local_path(data.next))
        response.set_cookie(session_cookie(settings, issued))
        return response

    @post("/signout", opt=PUBLIC, sync_to_thread=True)
    def sign_out(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """End the browser's session (staff or citizen); always succeeds."""
        runtime: Runtime = request.app.state.runtime
        presented = _presented(request)
        if presented:
            with runtime.scope() as session:
                accounts_service.end_session(session, presented)
        response = see_other("/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @post("/lang", opt=PUBLIC, sync_to_thread=False)
    def switch_language(self, data: URLEncodedBody[LangForm]) -> Response[Any]:
        response = see_other(local_path(data.next))
        response.set_cookie(
            Cookie(
                key=LANG_COOKIE,
                value="en" if data.lang == "en" else "zh",
                path="/",
                max_age=365 * 24 * 3600,
                samesite="lax",
                httponly=True,
            )
        )
        return response

    @post("/elder", opt=PUBLIC, sync_to_thread=False)
    def switch_elder_mode(self, data: URLEncodedBody[ElderForm]) -> Response[Any]:
        """长者模式 on or off (larger text, higher contrast): a cookie, like the language."""
        response = see_other(local_path(data.next))
        if data.elder == "1":
            response.set_cookie(
                Cookie(
                    key=ELDER_COOKIE,
                    value="1",
                    path="/",
                    max_age=365 * 24 * 3600,
                    samesite="lax",
                    httponly=True,
                )
            )
        else:
            response.delete_cookie(ELDER_COOKIE, path="/")
        return response

    @get("/favicon.ico", opt=PUBLIC, sync_to_thread=False, include_in_schema=False)
    def favicon(self) -> Response[bytes]:
        """The platform's icon (browsers ask for it on every site), cached for a year."""
        return Response(
            _favicon(),
            media_type="image/x-icon",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )


@cache
def _favicon() -> bytes:
    return (resources.files("chengxin.web") / "static" / "favicon.ico").read_bytes()


def web_router() -> Router:
    """Every page, under the pages' error handling (HTML, sign-in redirects)."""
    return Router(
        path="/",
        route_handlers=[
            WebSessionController,
            *PORTAL,
            *CITIZEN,
            *PROVIDER,
            *CONSUMER,
            *OPERATOR,
            *WORK,
        ],
        exception_handlers=WEB_EXCEPTION_HANDLERS,
        include_in_schema=False,
        opt={"web": True},
    )


def static_router() -> Router:
    """The platform's own assets: styles, the page script, vendored htmx and Swagger UI."""
    return create_static_files_router(
        path="/static",
        directories=[str(resources.files("chengxin.web") / "static")],
        opt=PUBLIC,
        include_in_schema=False,
    )
