"""HTTP routes of citizens' real-name sign-in (public: the caller is not signed in yet), and the
signed-in person's own notices (``/api/v1/me/notices``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody

from chengxin.accounts import service as accounts_service
from chengxin.accounts.cookies import session_response
from chengxin.citizens import service as citizens_service
from chengxin.citizens.schemas import (
    ChallengeRead,
    MyNoticePage,
    MyNoticeRead,
    SignInRequest,
    VerifyRequest,
)
from chengxin.deps import ActorDep, Limit, Offset, SessionDep, SettingsDep, client_ip
from chengxin.runtime import Runtime
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission

PUBLIC = {"public": True}


class CitizenSignInController(Controller):
    path = "/api/v1/citizens"
    tags = ["citizens"]

    @post(
        "/sign-in",
        opt=PUBLIC,
        sync_to_thread=True,
        status_code=201,
        summary="Ask for a sign-in code (citizen)",
    )
    def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignInRequest],
        settings: SettingsDep,
    ) -> ChallengeRead:
        """Real-name check against the population registry, then a 6-digit code to the registered
        phone. Unknown person, wrong name and no phone all answer ``person-not-verified``."""
        runtime: Runtime = request.app.state.runtime
        challenge = citizens_service.request_code(
            runtime.scope,
            id_number=data.id_number,
            name=data.name,
            client_ip=client_ip(request),
            policy=citizens_service.CitizenPolicy.from_settings(settings),
        )
        return ChallengeRead(
            challenge_id=challenge.challenge_id,
            masked_phone=challenge.masked_phone,
            expires_at=challenge.expires_at,
        )

    @post(
        "/sign-in/verify",
        opt=PUBLIC,
        sync_to_thread=True,
        status_code=200,
        summary="Sign in with the code (citizen)",
    )
    def verify(
        self, request: Request[Any, Any, Any], data: JSONBody[VerifyRequest], settings: SettingsDep
    ) -> Response[Any]:
        """The code opens a citizen session: the token in the body and the HttpOnly cookie."""
        runtime: Runtime = request.app.state.runtime
        issued = citizens_service.verify_code(
            runtime.scope,
            challenge_id=data.challenge_id,
            code=data.code,
            client_ip=client_ip(request),
            session_policy=accounts_service.Policy.from_settings(settings),
        )
        return session_response(settings, issued)


class MyNoticesController(Controller):
    path = "/api/v1/me/notices"
    tags = ["self"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="My notices",
    )
    def mine(
        self,
        session: SessionDep,
        actor: ActorDep,
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> MyNoticePage:
        """The messages the platform sent me (records, lists, objections, repairs), newest first,
        as on the page /me/notices; sign-in codes left out."""
        found = citizens_service.my_notices(session, actor=actor, limit=limit + 1, offset=offset)
        return MyNoticePage(
            items=[
                MyNoticeRead(id=n.id, at=n.at, template=n.template, status=n.status, text=n.text)
                for n in found[:limit]
            ],
            limit=limit,
            offset=offset,
            next_offset=offset + limit if len(found) > limit else None,
        )
