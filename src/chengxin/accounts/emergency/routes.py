"""HTTP routes of the emergency mechanism (R3.4): freezes of tokens and organizations, and the
platform-wide read-only lockdown."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody

from chengxin.accounts.emergency import service as emergency_service
from chengxin.accounts.emergency.schemas import (
    EmergencyReason,
    FrozenRead,
    LockdownRead,
    LockdownStatus,
)
from chengxin.deps import ActorDep, SessionDep
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission

FREEZE = [requires(Permission.ACCOUNTS_FREEZE_MANAGE)]
LOCKDOWN = [requires(Permission.SYSTEM_LOCKDOWN_MANAGE)]


class TokenFreezeController(Controller):
    path = "/api/v1/tokens"
    tags = ["emergency"]

    @post(
        "/{token_id:uuid}/freeze",
        sync_to_thread=True,
        guards=FREEZE,
        status_code=200,
        summary="Freeze an API token",
    )
    def freeze(
        self,
        token_id: FromPath[uuid.UUID],
        data: JSONBody[EmergencyReason],
        session: SessionDep,
        actor: ActorDep,
    ) -> FrozenRead:
        """Emergency (R3.4): refuse the token from its next request on, until unfrozen."""
        token = emergency_service.freeze_token(session, token_id, reason=data.reason, actor=actor)
        return FrozenRead(id=token.id, kind="api_token", frozen_at=token.frozen_at)

    @post(
        "/{token_id:uuid}/unfreeze",
        sync_to_thread=True,
        guards=FREEZE,
        status_code=200,
        summary="Unfreeze an API token",
    )
    def unfreeze(
        self,
        token_id: FromPath[uuid.UUID],
        data: JSONBody[EmergencyReason],
        session: SessionDep,
        actor: ActorDep,
    ) -> FrozenRead:
        """Lift the token's freeze (revoked or expired tokens stay refused)."""
        token = emergency_service.unfreeze_token(session, token_id, reason=data.reason, actor=actor)
        return FrozenRead(id=token.id, kind="api_token", frozen_at=token.frozen_at)


class OrganizationFreezeController(Controller):
    path = "/api/v1/organizations"
    tags = ["emergency"]

    @post(
        "/{org_id:uuid}/freeze",
        sync_to_thread=True,
        guards=FREEZE,
        status_code=200,
        summary="Freeze an organization",
    )
    def freeze(
        self,
        org_id: FromPath[uuid.UUID],
        data: JSONBody[EmergencyReason],
        session: SessionDep,
        actor: ActorDep,
    ) -> FrozenRead:
        """Emergency (R3.4): refuse all the organization's tokens and staff at once."""
        org = emergency_service.freeze_organization(
            session, org_id, reason=data.reason, actor=actor
        )
        return FrozenRead(id=org.id, kind="organization", frozen_at=org.frozen_at)

    @post(
        "/{org_id:uuid}/unfreeze",
        sync_to_thread=True,
        guards=FREEZE,
        status_code=200,
        summary="Unfreeze an organization",
    )
    def unfreeze(
        self,
        org_id: FromPath[uuid.UUID],
        data: JSONBody[EmergencyReason],
        session: SessionDep,
        actor: ActorDep,
    ) -> FrozenRead:
        """Lift the organization's freeze."""
        org = emergency_service.unfreeze_organization(
            session, org_id, reason=data.reason, actor=actor
        )
        return FrozenRead(id=org.id, kind="organization", frozen_at=org.frozen_at)


class LockdownController(Controller):
    path = "/api/v1/system/lockdown"
    tags = ["emergency"]

    @get("/", opt={"public": True}, sync_to_thread=True, summary="Is the platform locked down")
    def status(self, session: SessionDep) -> LockdownStatus:
        """Whether changes are refused platform-wide, and since when (no reason: public)."""
        row = emergency_service.current_lockdown(session)
        return LockdownStatus(locked=row is not None, since=row.started_at if row else None)

    @post("/", sync_to_thread=True, guards=LOCKDOWN, status_code=200, summary="Lock down")
    def lock(
        self, data: JSONBody[EmergencyReason], session: SessionDep, actor: ActorDep
    ) -> LockdownRead:
        """Emergency (R3.4): refuse every change platform-wide (reads, sign-in and sign-out
        continue) until lifted."""
        row = emergency_service.lock(session, reason=data.reason, actor=actor)
        return LockdownRead(
            locked=True, since=row.started_at, reason=row.reason, started_by=row.started_by
        )

    @delete("/", sync_to_thread=True, guards=LOCKDOWN, status_code=200, summary="Lift lockdown")
    def lift(
        self, data: JSONBody[EmergencyReason], session: SessionDep, actor: ActorDep
    ) -> LockdownRead:
        """End the lockdown, with a reason; changes are accepted again."""
        emergency_service.lift(session, reason=data.reason, actor=actor)
        return LockdownRead(locked=False)
