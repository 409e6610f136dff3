"""Real-name sign-in of a person (public): ID number and name in a POST body, a 6-digit code to
the registered phone, then the same session cookie as the API's sign-in.

The steps call ``citizens.service`` exactly as ``citizens/routes.py`` does; the ID number and the
name never appear in a URL, and the second step carries only the challenge id.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, URLEncodedBody
from pydantic import BaseModel

from chengxin.accounts import service as accounts_service
from chengxin.accounts.cookies import session_cookie
from chengxin.citizens import service as citizens_service
from chengxin.citizens.errors import TooManyCodes
from chengxin.db import utcnow
from chengxin.deps import SettingsDep, client_ip
from chengxin.errors import DomainError, InvalidInput
from chengxin.runtime import Runtime
from chengxin.web.forms import local_path
from chengxin.web.render import page, see_other

PUBLIC = {"public": True}
HOME = "/me"


class IdentityForm(BaseModel):
    id_number: str = ""
    name: str = ""
    next: str = HOME


class CodeForm(BaseModel):
    challenge_id: str = ""
    masked_phone: str = ""
    code: str = ""
    next: str = HOME


def _next(value: str) -> str:
    target = local_path(value)
    return HOME if target == "/" else target


def _wait(exc: DomainError) -> dict[str, Any] | None:
    """After the sign-in code limit: how long to wait and until when (the page says both; its
    countdown, countdown.js, counts the seconds down)."""
    seconds = exc.extra.get("retry_after") if isinstance(exc, TooManyCodes) else None
    if not isinstance(seconds, int) or seconds <= 0:
        return None
    return {"seconds": seconds, "until": utcnow() + timedelta(seconds=seconds)}


class CitizenSignInPages(Controller):
    """``/me/signin``: step 1 (who), step 2 (the code)."""

    path = "/me/signin"

    @get("/", opt=PUBLIC, sync_to_thread=False)
    def form(
        self,
        request: Request[Any, Any, Any],
        next: FromQuery[str] = HOME,  # noqa: A002
    ) -> Response[str]:
        return page(request, "citizen/signin.html", {"form": IdentityForm(next=_next(next))})

    @post("/", opt=PUBLIC, sync_to_thread=True)
    def request_code(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[IdentityForm],
        settings: SettingsDep,
    ) -> Response[str]:
        """Step 1: the registry check, then a code to the registered phone."""
        runtime: Runtime = request.app.state.runtime
        form = data.model_copy(update={"next": _next(data.next)})
        try:
            challenge = citizens_service.request_code(
                runtime.scope,
                id_number=data.id_number.strip(),
                name=data.name.strip(),
                client_ip=client_ip(request),
                policy=citizens_service.CitizenPolicy.from_settings(settings),
            )
        except DomainError as exc:
            wait = _wait(exc)
            response = page(
                request,
                "citizen/signin.html",
                {"form": form, "error": exc, "wait": wait},
                status_code=exc.status,
            )
            if wait is not None:
                response.headers["Retry-After"] = str(wait["seconds"])
            return response
        step = CodeForm(
            challenge_id=str(challenge.challenge_id),
            masked_phone=challenge.masked_phone,
            next=form.next,
        )
        return page(
            request,
            "citizen/signin_code.html",
            {
                "form": step,
                "expires_at": challenge.expires_at,
                "resend_seconds": settings.citizen_resend_seconds,
            },
        )

    @post("/verify", opt=PUBLIC, sync_to_thread=True)
    def verify(
        self,
        request: Request[Any, Any, Any],
        data: URLEncodedBody[CodeForm],
        settings: SettingsDep,
    ) -> Response[Any]:
        """Step 2: the code opens a citizen session (the API's cookie), then the next page."""
        runtime: Runtime = request.app.state.runtime
        form = data.model_copy(update={"next": _next(data.next), "code": ""})
        try:
            try:
                challenge_id = uuid.UUID(data.challenge_id)
            except ValueError:
                raise InvalidInput("the sign-in has expired: start again") from None
            issued = citizens_service.verify_code(
                runtime.scope,
                challenge_id=challenge_id,
                code=data.code.strip(),
                client_ip=client_ip(request),
                session_policy=accounts_service.Policy.from_settings(settings),
            )
        except DomainError as exc:
            return page(
                request,
                "citizen/signin_code.html",
                {"form": form, "error": exc, "expires_at": None, "resend_seconds": 0},
                status_code=exc.status,
            )
        response = see_other(form.next)
        response.set_cookie(session_cookie(settings, issued))
        return response
