"""HTTP routes: sign-in and sign-out, who am I, staff account administration."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from chengxin.accounts import service as accounts_service
from chengxin.accounts.cookies import session_response
from chengxin.accounts.models import UserAccount
from chengxin.accounts.schemas import (
    FreezeRequest,
    LoginRequest,
    MeRead,
    PasswordReset,
    RolesUpdate,
    UserCreate,
    UserRead,
    UserWithPasswordRead,
)
from chengxin.deps import ActorDep, Offset, SessionDep, SettingsDep, client_ip
from chengxin.runtime import Runtime
from chengxin.security.guards import SESSION_COOKIE, requires
from chengxin.security.permissions import Permission

PUBLIC = {"public": True}


def _presented(request: Request[Any, Any, Any]) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE, "")


def _with_password(result: accounts_service.UserWithPassword) -> UserWithPasswordRead:
    return UserWithPasswordRead(
        **UserRead.model_validate(result.user).model_dump(), password=result.password
    )


def _read(user: UserAccount) -> UserRead:
    return UserRead.model_validate(user)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post("/login", opt=PUBLIC, sync_to_thread=True, status_code=200, summary="Sign in (staff)")
    def login(
        self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest], settings: SettingsDep
    ) -> Response[Any]:
        """Password sign-in for a staff account: a session token in the body and the cookie.
        Unknown login and wrong password get the same ``login-failed``."""
        runtime: Runtime = request.app.state.runtime
        issued = accounts_service.login(
            runtime.scope,
            login=data.login,
            password=data.password,
            client_ip=client_ip(request),
            policy=accounts_service.Policy.from_settings(settings),
        )
        return session_response(settings, issued)

    @post("/logout", opt=PUBLIC, sync_to_thread=True, status_code=204, summary="Sign out")
    def logout(self, request: Request[Any, Any, Any], session: SessionDep) -> Response[None]:
        """End the presented session (header or cookie) and clear the cookie; always succeeds."""
        accounts_service.end_session(session, _presented(request))
        response: Response[None] = Response(None, status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/me", opt=PUBLIC, sync_to_thread=True, summary="Who am I")
    def me(self, session: SessionDep, actor: ActorDep) -> MeRead:
        """The caller as the platform sees it: kind, organization, roles, permissions, region."""
        return accounts_service.whoami(session, actor=actor)


class UserController(Controller):
    path = "/api/v1/accounts/users"
    tags = ["accounts"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.ACCOUNTS_USER_READ)],
        summary="List staff accounts",
    )
    def list_users(
        self,
        session: SessionDep,
        actor: ActorDep,
        organization_id: FromQuery[uuid.UUID | None] = None,
        offset: Offset = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> list[UserRead]:
        """Staff accounts by login; a city-bound reader sees its city's organizations only."""
        users = accounts_service.list_users(
            session, actor=actor, organization_id=organization_id, offset=offset, limit=limit
        )
        return [_read(u) for u in users]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.ACCOUNTS_USER_MANAGE)],
        summary="Open a staff account",
    )
    def create(
        self,
        data: JSONBody[UserCreate],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> UserWithPasswordRead:
        """Open an account with roles the administrator holds; a generated password shown once."""
        result = accounts_service.create_user(
            session,
            organization_id=data.organization_id,
            login=data.login,
            display_name=data.display_name,
            roles=[r.value for r in data.roles],
            region_code=data.region_code,
            password=data.password,
            policy=accounts_service.Policy.from_settings(settings),
            actor=actor,
        )
        return _with_password(result)

    @get(
        "/{user_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.ACCOUNTS_USER_READ)],
        summary="One staff account",
    )
    def read(self, user_id: FromPath[uuid.UUID], session: SessionDep, actor: ActorDep) -> UserRead:
        """A staff account within the reader's region."""
        return _read(accounts_service.get_user_or_raise(session, user_id, actor=actor))

    @put(
        "/{user_id:uuid}/roles",
        sync_to_thread=True,
        guards=[requires(Permission.ACCOUNTS_USER_MANAGE)],
        summary="Set roles",
    )
    def set_roles(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[RolesUpdate],
        session: SessionDep,
        actor: ActorDep,
    ) -> UserRead:
        """Replace the account's roles (only roles whose permissions the administrator holds)."""
        user = accounts_service.assign_roles(
            session, user_id, [r.value for r in data.roles], actor=actor
        )
        return _read(user)

    @post(
        "/{user_id:uuid}/password",
        sync_to_thread=True,
        guards=[requires(Permission.ACCOUNTS_USER_MANAGE)],
        status_code=200,
        summary="Reset the password",
    )
    def reset_password(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[PasswordReset],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> UserWithPasswordRead:
        """New password (generated one shown once); lifts a lockout, ends the account's sessions."""
        result = accounts_service.reset_password(
            session,
            user_id,
            password=data.password,
            policy=accounts_service.Policy.from_settings(settings),
            actor=actor,
        )
        return _with_password(result)

    @post(
        "/{user_id:uuid}/freeze",
        sync_to_thread=True,
        guards=[requires(Permission.ACCOUNTS_FREEZE_MANAGE)],
        status_code=200,
        summary="Freeze an account",
    )
    def freeze(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[FreezeRequest],
        session: SessionDep,
        actor: ActorDep,
    ) -> UserRead:
        """Emergency (R3.4): refuse the account's sign-in and sessions at once."""
        return _read(
            accounts_service.freeze_user(session, user_id, reason=data.reason, actor=actor)
        )

    @post(
        "/{user_id:uuid}/unfreeze",
        sync_to_thread=True,
        guards=[requires(Permission.ACCOUNTS_FREEZE_MANAGE)],
        status_code=200,
        summary="Unfreeze an account",
    )
    def unfreeze(
        self,
        user_id: FromPath[uuid.UUID],
        data: JSONBody[FreezeRequest],
        session: SessionDep,
        actor: ActorDep,
    ) -> UserRead:
        """Lift a freeze; the person signs in again."""
        return _read(
            accounts_service.unfreeze_user(session, user_id, reason=data.reason, actor=actor)
        )
