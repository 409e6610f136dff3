"""HTTP routes of the organizations domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from chengxin import privacy
from chengxin.deps import ActorDep, Offset, SessionDep, SettingsDep
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.keys import keyring_of
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationRole
from chengxin.organizations.schemas import (
    OrganizationCreate,
    OrganizationRead,
    RoleCreate,
    RoleRead,
    TokenCreate,
    TokenIssued,
    TokenRead,
)
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


def _role_read(session: SessionDep, link: OrganizationRole) -> RoleRead:
    subject = session.get_one(Subject, link.subject_id)
    name = identity_service.reveal(keyring_of(session), subject).name
    return RoleRead(
        id=link.id,
        organization_id=link.organization_id,
        subject_id=subject.id,
        masked_name=privacy.mask_name(name),
        role=link.role,
        since_on=link.since_on,
        until_on=link.until_on,
    )


class OrganizationController(Controller):
    path = "/api/v1/organizations"
    tags = ["organizations"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.ORGANIZATION_ORGANIZATION_READ)],
        summary="List organizations",
    )
    def list_organizations(
        self,
        session: SessionDep,
        kind: FromQuery[str | None] = None,
        offset: Offset = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> list[OrganizationRead]:
        """Registered organizations by name."""
        orgs = organization_service.list_all(session, kind=kind, offset=offset, limit=limit)
        return [OrganizationRead.model_validate(o) for o in orgs]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.ORGANIZATION_ORGANIZATION_MANAGE)],
        summary="Register an organization",
    )
    def create(
        self, data: JSONBody[OrganizationCreate], session: SessionDep, actor: ActorDep
    ) -> OrganizationRead:
        """Register a department, court, association, institution, agency or enterprise."""
        org = organization_service.create(
            session,
            credit_code=data.credit_code,
            name=data.name,
            kind=data.kind,
            region_code=data.region_code,
            department=data.department,
            actor=actor,
        )
        return OrganizationRead.model_validate(org)

    @get(
        "/{org_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.ORGANIZATION_ORGANIZATION_READ)],
        summary="One organization",
    )
    def read(self, org_id: FromPath[uuid.UUID], session: SessionDep) -> OrganizationRead:
        """An organization by id."""
        return OrganizationRead.model_validate(organization_service.get_or_raise(session, org_id))

    @get(
        "/{org_id:uuid}/roles",
        sync_to_thread=True,
        guards=[requires(Permission.ORGANIZATION_ORGANIZATION_READ)],
        summary="Roles",
    )
    def roles(self, org_id: FromPath[uuid.UUID], session: SessionDep) -> list[RoleRead]:
        """Persons holding roles in the organization (masked)."""
        organization_service.get_or_raise(session, org_id)
        return [_role_read(session, r) for r in organization_service.roles_of(session, org_id)]

    @post(
        "/{org_id:uuid}/roles",
        sync_to_thread=True,
        guards=[requires(Permission.ORGANIZATION_ROLE_MANAGE)],
        summary="Add a role",
    )
    def add_role(
        self,
        org_id: FromPath[uuid.UUID],
        data: JSONBody[RoleCreate],
        session: SessionDep,
        actor: ActorDep,
    ) -> RoleRead:
        """Record a legal representative or responsible person (R1.4, R8.4)."""
        link = organization_service.add_role(
            session,
            org_id,
            id_number=data.id_number,
            role=data.role,
            since_on=data.since_on,
            until_on=data.until_on,
            actor=actor,
        )
        return _role_read(session, link)

    @get(
        "/{org_id:uuid}/tokens",
        sync_to_thread=True,
        guards=[requires(Permission.ORGANIZATION_TOKEN_MANAGE)],
        summary="API tokens",
    )
    def tokens(self, org_id: FromPath[uuid.UUID], session: SessionDep) -> list[TokenRead]:
        """An organization's tokens, without secrets."""
        return [
            TokenRead.model_validate(t) for t in organization_service.list_tokens(session, org_id)
        ]

    @post(
        "/{org_id:uuid}/tokens",
        sync_to_thread=True,
        guards=[requires(Permission.ORGANIZATION_TOKEN_MANAGE)],
        summary="Issue a token",
    )
    def issue_token(
        self,
        org_id: FromPath[uuid.UUID],
        data: JSONBody[TokenCreate],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> TokenIssued:
        """Issue a token for a system caller; the response is the only time the secret is shown."""
        issued = organization_service.issue_token(
            session,
            org_id,
            name=data.name,
            permissions=data.permissions,
            valid_days=data.valid_days or settings.token_default_days,
            actor=actor,
        )
        return TokenIssued(
            **TokenRead.model_validate(issued.token).model_dump(), token=issued.secret
        )


class TokenController(Controller):
    path = "/api/v1/tokens"
    tags = ["organizations"]

    @post(
        "/{token_id:uuid}/revoke",
        sync_to_thread=True,
        guards=[requires(Permission.ORGANIZATION_TOKEN_MANAGE)],
        status_code=200,
        summary="Revoke a token",
    )
    def revoke(
        self, token_id: FromPath[uuid.UUID], session: SessionDep, actor: ActorDep
    ) -> TokenRead:
        """Revoke at once (incident response)."""
        return TokenRead.model_validate(
            organization_service.revoke_token(session, token_id, actor=actor)
        )
