"""Emergency actions (R3.4): freeze or unfreeze an organization's API token or a whole
organization (users: ``accounts.service.freeze_user``), and lock the platform read-only.

Freezes are checked by ``accounts.authn.authenticate`` on every request, so they take effect on
the next request. The lockdown is enforced by ``LockdownGate`` (ASGI middleware)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.accounts.emergency.errors import ReasonRequired
from chengxin.accounts.emergency.models import PlatformLockdown
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.organizations.errors import OrganizationNotFound, TokenNotFound
from chengxin.organizations.models import ApiToken, Organization
from chengxin.security.actor import Actor
from chengxin.security.scope import region_prefix


def _reason(reason: str) -> str:
    why = reason.strip()
    if not why:
        raise ReasonRequired
    return why


def _in_actor_region(actor: Actor, org: Organization) -> bool:
    # A city-bound officer acts on its city's organizations only (others look unknown).
    if actor.region_code is None:
        return True
    return org.region_code is not None and org.region_code.startswith(
        region_prefix(actor.region_code)
    )


def _locked_token(session: Session, token_id: uuid.UUID, actor: Actor) -> ApiToken:
    token = session.execute(
        select(ApiToken).where(ApiToken.id == token_id).with_for_update()
    ).scalar_one_or_none()
    if token is None or not _in_actor_region(
        actor, session.get_one(Organization, token.organization_id)
    ):
        raise TokenNotFound
    return token


def _locked_org(session: Session, org_id: uuid.UUID, actor: Actor) -> Organization:
    org = session.execute(
        select(Organization).where(Organization.id == org_id).with_for_update()
    ).scalar_one_or_none()
    if org is None or not _in_actor_region(actor, org):
        raise OrganizationNotFound
    return org


def freeze_token(
    session: Session,
    token_id: uuid.UUID,
    *,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> ApiToken:
    """Freeze an API token at once (refused from the next request; liftable, unlike revoking)."""
    why = _reason(reason)
    token = _locked_token(session, token_id, actor)
    if token.frozen_at is None:
        token.frozen_at = now or utcnow()
        audit.record(
            session,
            "accounts:token:freeze",
            actor=actor,
            object_type="api_token",
            object_id=token.id,
            data={"organization_id": str(token.organization_id), "reason": why},
        )
    return token


def unfreeze_token(
    session: Session,
    token_id: uuid.UUID,
    *,
    reason: str,
    actor: Actor,
) -> ApiToken:
    """Lift a token's freeze (a revoked or expired token stays refused)."""
    why = _reason(reason)
    token = _locked_token(session, token_id, actor)
    if token.frozen_at is not None:
        token.frozen_at = None
        audit.record(
            session,
            "accounts:token:unfreeze",
            actor=actor,
            object_type="api_token",
            object_id=token.id,
            data={"organization_id": str(token.organization_id), "reason": why},
        )
    return token


def freeze_organization(
    session: Session,
    org_id: uuid.UUID,
    *,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> Organization:
    """Freeze an organization: all its tokens and staff accounts are refused from the next
    request until it is unfrozen (their own states are left as they are)."""
    why = _reason(reason)
    org = _locked_org(session, org_id, actor)
    if org.frozen_at is None:
        org.frozen_at = now or utcnow()
        audit.record(
            session,
            "accounts:organization:freeze",
            actor=actor,
            object_type="organization",
            object_id=org.id,
            data={"credit_code": org.credit_code, "reason": why},
        )
    return org


def unfreeze_organization(
    session: Session, org_id: uuid.UUID, *, reason: str, actor: Actor
) -> Organization:
    """Lift an organization's freeze."""
    why = _reason(reason)
    org = _locked_org(session, org_id, actor)
    if org.frozen_at is not None:
        org.frozen_at = None
        audit.record(
            session,
            "accounts:organization:unfreeze",
            actor=actor,
            object_type="organization",
            object_id=org.id,
            data={"credit_code": org.credit_code, "reason": why},
        )
    return org


# -- platform lockdown -----------------------------------------------------------------------------


def current_lockdown(session: Session) -> PlatformLockdown | None:
    """The lockdown in force, or None."""
    return session.execute(
        select(PlatformLockdown)
        .where(PlatformLockdown.lifted_at.is_(None))
        .order_by(PlatformLockdown.started_at)
        .limit(1)
    ).scalar_one_or_none()


def lock(
    session: Session, *, reason: str, actor: Actor, now: datetime | None = None
) -> PlatformLockdown:
    """Lock the platform read-only: every change except sign-in, sign-out and lifting the
    lockdown is refused (``platform-locked-down``). Locking a locked platform changes nothing."""
    why = _reason(reason)
    existing = current_lockdown(session)
    if existing is not None:
        return existing
    row = PlatformLockdown(reason=why, started_at=now or utcnow(), started_by=actor.name[:200])
    session.add(row)
    session.flush()
    audit.record(
        session,
        "accounts:lockdown:start",
        actor=actor,
        object_type="platform_lockdown",
        object_id=row.id,
        data={"reason": why},
    )
    return row


def lift(
    session: Session, *, reason: str, actor: Actor, now: datetime | None = None
) -> PlatformLockdown | None:
    """Lift the lockdown (None when none was in force)."""
    why = _reason(reason)
    row = current_lockdown(session)
    if row is None:
        return None
    now = now or utcnow()
    # Every open row: two processes locking at the same moment may both have written one.
    session.execute(
        update(PlatformLockdown)
        .where(PlatformLockdown.lifted_at.is_(None))
        .values(lifted_at=now, lifted_by=actor.name[:200], lift_reason=why)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    audit.record(
        session,
        "accounts:lockdown:lift",
        actor=actor,
        object_type="platform_lockdown",
        object_id=row.id,
        data={"reason": why},
    )
    return row
