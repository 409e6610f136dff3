"""Organizations (/console/operator/organizations): list and search, register one, and each
organization's page with its staff accounts (a generated password shown once), API tokens (the
secret shown once; revoke) and permission list (which record kinds, in which scenes).

Each form goes through the API's own request schema and the same service call as the API route:
``organizations/routes.py`` (``OrganizationController``, ``TokenController``),
``accounts/routes.py`` (``UserController.create``), ``access/routes.py`` (permission lists).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from pydantic import BaseModel

from chengxin.access import policy
from chengxin.access.models import AccessRule
from chengxin.access.scenes import SCENES
from chengxin.access.schemas import AccessRuleIn
from chengxin.accounts import service as accounts_service
from chengxin.accounts.schemas import UserCreate
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.deps import ActorDep, Offset, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.organizations import service as organization_service
from chengxin.organizations.errors import CreditCodeInvalid
from chengxin.organizations.models import ApiToken
from chengxin.organizations.schemas import OrganizationCreate, TokenCreate
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import STAFF_ROLES
from chengxin.web import labels as vocabulary
from chengxin.web.forms import as_list, attempt, parse
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.frame import console_page
from chengxin.web.render import see_other
from chengxin.workdays.days import day_of

BASE = "/console/operator/organizations"
NOT_FOUND = 404
PAGE_SIZE = 100

KIND_LABELS = vocabulary.ORGANIZATION_KIND
ROLE_LABELS = {r.value: vocabulary.STAFF_ROLE[r.value] for r in STAFF_ROLES}
SHARING_LABELS = vocabulary.SHARING
TOKEN_PERMISSIONS = [p.value for p in Permission if not p.value.startswith("self:")]


class OrganizationForm(BaseModel):
    credit_code: str = ""
    name: str = ""
    kind: str = ""
    region_code: str = ""
    department: str = ""


class AccountForm(BaseModel):
    login: str = ""
    display_name: str = ""
    roles: list[str] | str = ""
    region_code: str = ""


class TokenForm(BaseModel):
    name: str = ""
    permissions: list[str] | str = ""
    valid_days: str = ""


class RuleForm(BaseModel):
    scene: str = ""
    kinds: list[str] | str = ""
    sharing: list[str] | str = ""
    basis: str = ""
    valid_from_on: str = ""
    valid_until_on: str = ""


def _may_see_rules(actor: Actor, org_id: uuid.UUID) -> bool:
    """As the API's permission-list route: policy managers see every list, others their own."""
    return actor.can(Permission.ACCESS_POLICY_MANAGE) or (
        actor.can(Permission.ACCESS_POLICY_READ) and actor.organization_id == org_id
    )


def _search(session: SessionDep, q: str, kind: str | None, offset: int) -> list[Any]:
    """A page of organizations by name: all of them, the one with this exact credit code, or
    those whose name contains ``q`` (a page at a time, however many are registered)."""
    q = q.strip()
    if q:
        try:
            found = organization_service.get_by_credit_code(session, q)
        except CreditCodeInvalid:
            found = None
        if found is not None:
            return [found] if not kind or found.kind == kind else []
    return organization_service.list_all(
        session, kind=kind, name_contains=q or None, offset=offset, limit=PAGE_SIZE
    )


class OrganizationPages(Controller):
    path = BASE

    @get(
        "/", guards=[page_requires(Permission.ORGANIZATION_ORGANIZATION_READ)], sync_to_thread=True
    )
    def organizations(  # noqa: PLR0917
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        q: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        offset: FromQuery[Offset] = 0,
    ) -> Response[str]:
        """Registered organizations by name; search by credit code or name, filter by kind."""
        return self._list(request, session, actor, q=q, kind=kind, offset=offset)

    def _list(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        *,
        q: str = "",
        kind: str = "",
        offset: int = 0,
        form: OrganizationForm | None = None,
        error: DomainError | None = None,
    ) -> Response[str]:
        kind = kind if kind in KIND_LABELS else ""
        return console_page(
            request,
            actor,
            "operator/admin/organizations.html",
            {
                "organizations": _search(session, q, kind or None, offset),
                "q": q,
                "offset": offset,
                "page_size": PAGE_SIZE,
                "kind": kind,
                "kinds": KIND_LABELS,
                "may_manage": actor.can(Permission.ORGANIZATION_ORGANIZATION_MANAGE),
                "form": form or OrganizationForm(),
                "error": error,
            },
            status_code=error.status if error else 200,
        )

    @post(
        "/",
        guards=[page_requires(Permission.ORGANIZATION_ORGANIZATION_MANAGE)],
        sync_to_thread=True,
    )
    def create(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[OrganizationForm],
    ) -> Response[Any]:
        """Register an organization (``organization_service.create``, as the API)."""
        try:
            body = parse(OrganizationCreate, data.model_dump(), omit_blank=True)
            org = organization_service.create(
                session,
                credit_code=body.credit_code,
                name=body.name,
                kind=body.kind,
                region_code=body.region_code,
                department=body.department,
                actor=actor,
            )
        except DomainError as exc:
            session.rollback()
            return self._list(request, session, actor, form=data, error=exc)
        return see_other(f"{BASE}/{org.id}", notice=n_("单位已登记"))

    @get(
        "/{org_id:uuid}",
        guards=[page_requires(Permission.ORGANIZATION_ORGANIZATION_READ)],
        sync_to_thread=True,
    )
    def organization(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        org_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """An organization with its accounts, tokens and permission list (as the actor may see)."""
        return self._detail(request, session, actor, org_id)

    def _detail(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        org_id: uuid.UUID,
        *,
        error: DomainError | None = None,
        section: str | None = None,
        forms: dict[str, Any] | None = None,
        shown_once: dict[str, Any] | None = None,
    ) -> Response[str]:
        org = organization_service.get_or_raise(session, org_id)
        users = (
            accounts_service.list_users(session, actor=actor, organization_id=org.id)
            if actor.can(Permission.ACCOUNTS_USER_READ)
            else None
        )
        tokens = (
            organization_service.list_tokens(session, org.id)
            if actor.can(Permission.ORGANIZATION_TOKEN_MANAGE)
            else None
        )
        rules = in_force = None
        if _may_see_rules(actor, org.id):
            rules = policy.rules_of(session, org.id)
            in_force = {r.id for r in policy.rules_of(session, org.id, on=day_of(utcnow()))}
        active = catalog_service.get_active(session)
        document = catalog_service.document_of(active) if active else None
        return console_page(
            request,
            actor,
            "operator/admin/organization.html",
            {
                "org": org,
                "kinds": KIND_LABELS,
                "users": users,
                "tokens": tokens,
                "rules": rules,
                "in_force": in_force,
                "now": utcnow(),
                "today": day_of(utcnow()),
                "roles": [(r.value, ROLE_LABELS.get(r.value, r.value)) for r in STAFF_ROLES],
                "role_labels": ROLE_LABELS,
                "token_permissions": TOKEN_PERMISSIONS,
                "scenes": SCENES,
                "sharing_labels": SHARING_LABELS,
                "record_kinds": document.kinds if document else [],
                "may_create_user": actor.can(Permission.ACCOUNTS_USER_MANAGE),
                "may_manage_rules": actor.can(Permission.ACCESS_POLICY_MANAGE),
                "error": error,
                "section": section,
                "forms": {
                    "account": AccountForm(),
                    "token": TokenForm(),
                    "rule": RuleForm(),
                    **(forms or {}),
                },
                "shown_once": shown_once,
            },
            status_code=error.status if error else 200,
        )

    def _refused(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        org_id: uuid.UUID,
        exc: DomainError,
        *,
        section: str,
        form: BaseModel,
    ) -> Response[str]:
        if exc.status == NOT_FOUND:
            raise exc
        session.rollback()  # nothing of the refused act is kept; the page reads afresh
        return self._detail(
            request, session, actor, org_id, error=exc, section=section, forms={section: form}
        )

    def _shown_once(  # the page's state, by name
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        org_id: uuid.UUID,
        action: Callable[[], Any],
        *,
        section: str,
        form: BaseModel,
        shown: Callable[[Any], dict[str, Any]],
    ) -> Response[Any]:
        """A credential made on this answer: its secret is shown on this page only, never
        again; a refusal re-shows the section's form with the error."""
        return attempt(
            action,
            on_error=lambda exc: self._refused(
                request, session, actor, org_id, exc, section=section, form=form
            ),
            then=lambda made: self._detail(request, session, actor, org_id, shown_once=shown(made)),
        )

    @post(
        "/{org_id:uuid}/accounts",
        guards=[page_requires(Permission.ACCOUNTS_USER_MANAGE)],
        sync_to_thread=True,
    )
    def create_account(  # noqa: PLR0917
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        org_id: FromPath[uuid.UUID],
        data: URLEncodedBody[AccountForm],
    ) -> Response[Any]:
        """Open a staff account with roles; the generated password is shown on this answer only."""

        def create() -> Any:
            body = parse(
                UserCreate,
                {
                    "organization_id": str(org_id),
                    "login": data.login,
                    "display_name": data.display_name,
                    "roles": as_list(data.roles),
                    "region_code": data.region_code,
                },
                omit_blank=True,
            )
            return accounts_service.create_user(
                session,
                organization_id=body.organization_id,
                login=body.login,
                display_name=body.display_name,
                roles=[r.value for r in body.roles],
                region_code=body.region_code,
                password=None,
                policy=accounts_service.Policy.from_settings(settings),
                actor=actor,
            )

        return self._shown_once(
            request,
            session,
            actor,
            org_id,
            create,
            section="account",
            form=data,
            shown=lambda result: {
                "kind": "password",
                "login": result.user.login,
                "secret": result.password,
            },
        )

    @post(
        "/{org_id:uuid}/tokens",
        guards=[page_requires(Permission.ORGANIZATION_TOKEN_MANAGE)],
        sync_to_thread=True,
    )
    def issue_token(  # noqa: PLR0917
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        org_id: FromPath[uuid.UUID],
        data: URLEncodedBody[TokenForm],
    ) -> Response[Any]:
        """Issue a token with permissions; the secret is shown on this answer only."""

        def issue() -> Any:
            body = parse(
                TokenCreate,
                {
                    "name": data.name,
                    "permissions": as_list(data.permissions),
                    "valid_days": data.valid_days,
                },
                omit_blank=True,
            )
            return organization_service.issue_token(
                session,
                org_id,
                name=body.name,
                permissions=body.permissions,
                valid_days=body.valid_days or settings.token_default_days,
                actor=actor,
            )

        return self._shown_once(
            request,
            session,
            actor,
            org_id,
            issue,
            section="token",
            form=data,
            shown=lambda issued: {
                "kind": "token",
                "login": issued.token.name,
                "secret": issued.secret,
            },
        )

    @post(
        "/{org_id:uuid}/permissions",
        guards=[page_requires(Permission.ACCESS_POLICY_MANAGE)],
        sync_to_thread=True,
    )
    def add_rule(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        org_id: FromPath[uuid.UUID],
        data: URLEncodedBody[RuleForm],
    ) -> Response[Any]:
        """Add a permission-list line (``policy.add_rule`` against the active catalog)."""
        try:
            body = parse(
                AccessRuleIn,
                {
                    "organization_id": str(org_id),
                    "scene": data.scene,
                    "kinds": as_list(data.kinds),
                    "sharing": as_list(data.sharing),
                    "basis": data.basis,
                    "valid_from_on": data.valid_from_on,
                    "valid_until_on": data.valid_until_on,
                },
                omit_blank=True,
            )
            _, document = catalog_service.active_document(session)
            policy.add_rule(
                session,
                document,
                organization_id=body.organization_id,
                scene=body.scene,
                kinds=body.kinds,
                sharing=body.sharing,
                basis=body.basis,
                valid_from_on=body.valid_from_on or day_of(utcnow()),
                valid_until_on=body.valid_until_on,
                actor=actor,
            )
        except DomainError as exc:
            return self._refused(request, session, actor, org_id, exc, section="rule", form=data)
        return see_other(f"{BASE}/{org_id}#permissions", notice=n_("已添加权限清单条目"))


class OrganizationActionPages(Controller):
    """Acts on a token or a permission-list line by its own id, as the API's routes."""

    path = "/console/operator"

    @post(
        "/tokens/{token_id:uuid}/revoke",
        guards=[page_requires(Permission.ORGANIZATION_TOKEN_MANAGE)],
        sync_to_thread=True,
    )
    def revoke_token(
        self, session: SessionDep, actor: ActorDep, token_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """Revoke at once (``organization_service.revoke_token``)."""
        token: ApiToken = organization_service.revoke_token(session, token_id, actor=actor)
        return see_other(f"{BASE}/{token.organization_id}#tokens", notice=n_("令牌已吊销"))

    @post(
        "/permissions/{rule_id:uuid}/revoke",
        guards=[page_requires(Permission.ACCESS_POLICY_MANAGE)],
        sync_to_thread=True,
    )
    def revoke_rule(
        self, session: SessionDep, actor: ActorDep, rule_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """End a permission-list line at once (``policy.revoke_rule``)."""
        rule: AccessRule = policy.revoke_rule(session, rule_id, actor=actor)
        return see_other(
            f"{BASE}/{rule.organization_id}#permissions", notice=n_("权限清单条目已终止")
        )


CONTROLLERS: list[type[Controller]] = [OrganizationPages, OrganizationActionPages]
