"""A staff account (/console/operator/accounts/<id>): its roles changed and its password reset
from the console, as ``accounts/routes.py`` does (``UserController.set_roles`` and
``reset_password``): the same request schema, the same service call, so the same checks (only
roles within the administrator's own permissions, the account's region) and the same audit
entries (``accounts:user:roles``, ``accounts:user:reset-password``).

A reset generates a temporary password, shown on the answer to the reset only, never again; the
reset also lifts a lockout and ends the account's open sessions (the accounts service).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from pydantic import BaseModel

from chengxin.accounts import service as accounts_service
from chengxin.accounts.schemas import RolesUpdate
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.organizations import service as organization_service
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import STAFF_ROLES
from chengxin.web.forms import as_list, attempt, parse
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.admin_orgs import ROLE_LABELS
from chengxin.web.operator.frame import console_page
from chengxin.web.render import see_other

BASE = "/console/operator/accounts"


class RolesForm(BaseModel):
    roles: list[str] | str = ""


class AccountPages(Controller):
    path = BASE

    @get(
        "/{user_id:uuid}",
        guards=[page_requires(Permission.ACCOUNTS_USER_READ)],
        sync_to_thread=True,
    )
    def account(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        user_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """A staff account within the reader's region, with its roles and password forms."""
        return self._page(request, session, actor, user_id)

    def _page(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: Actor,
        user_id: uuid.UUID,
        *,
        error: DomainError | None = None,
        section: str | None = None,
        chosen: list[str] | None = None,
        password: str | None = None,
    ) -> Response[str]:
        user = accounts_service.get_user_or_raise(session, user_id, actor=actor)
        org = organization_service.get_or_raise(session, user.organization_id)
        return console_page(
            request,
            actor,
            "operator/admin/account.html",
            {
                "user": user,
                "org": org,
                "roles": [(r.value, ROLE_LABELS.get(r.value, r.value)) for r in STAFF_ROLES],
                "role_labels": ROLE_LABELS,
                "chosen": chosen if chosen is not None else list(user.roles),
                "may_manage": actor.can(Permission.ACCOUNTS_USER_MANAGE),
                "error": error,
                "section": section,
                "password": password,
                "now": utcnow(),
            },
            status_code=error.status if error else 200,
        )

    def _refused(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: Actor,
        user_id: uuid.UUID,
        exc: DomainError,
        *,
        section: str,
        chosen: list[str] | None = None,
    ) -> Response[str]:
        if exc.status == 404:  # noqa: PLR2004  # not this actor's to see: the page's own 404
            raise exc
        session.rollback()  # nothing of the refused act is kept; the page reads afresh
        return self._page(
            request, session, actor, user_id, error=exc, section=section, chosen=chosen
        )

    @post(
        "/{user_id:uuid}/roles",
        guards=[page_requires(Permission.ACCOUNTS_USER_MANAGE)],
        sync_to_thread=True,
    )
    def set_roles(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        user_id: FromPath[uuid.UUID],
        data: URLEncodedBody[RolesForm],
    ) -> Response[Any]:
        """Replace the account's roles (``accounts_service.assign_roles``, as the API)."""
        chosen = as_list(data.roles)

        def assign() -> Any:
            body = parse(RolesUpdate, {"roles": chosen})
            return accounts_service.assign_roles(
                session, user_id, [r.value for r in body.roles], actor=actor
            )

        return attempt(
            assign,
            on_error=lambda exc: self._refused(
                request, session, actor, user_id, exc, section="roles", chosen=chosen
            ),
            then=lambda user: see_other(f"{BASE}/{user.id}", notice=n_("角色已更新")),
        )

    @post(
        "/{user_id:uuid}/password",
        guards=[page_requires(Permission.ACCOUNTS_USER_MANAGE)],
        sync_to_thread=True,
    )
    def reset_password(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        user_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        """A generated temporary password, shown on this answer only (never in a URL or a cookie);
        lifts a lockout and ends the account's sessions (``accounts_service.reset_password``)."""

        def reset() -> Any:
            return accounts_service.reset_password(
                session,
                user_id,
                password=None,
                policy=accounts_service.Policy.from_settings(settings),
                actor=actor,
            )

        return attempt(
            reset,
            on_error=lambda exc: self._refused(
                request, session, actor, user_id, exc, section="password"
            ),
            then=lambda done: self._page(request, session, actor, user_id, password=done.password),
        )


CONTROLLERS: list[type[Controller]] = [AccountPages]
