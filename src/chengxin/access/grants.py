"""Subject authorizations (R4): a citizen lets one organization query them, for a purpose, a
scope, a period and a number of uses; revocable at any time. Third parties query only with one."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.access.errors import (
    GrantInputInvalid,
    GrantInvalid,
    GrantNotFound,
    GrantNotUsable,
    SceneNotPermitted,
)
from chengxin.access.models import Grant, GrantStatus, GrantUse
from chengxin.access.scenes import SCENES, Scene
from chengxin.audit import service as audit
from chengxin.catalog.schema import CatalogDocument
from chengxin.db import utcnow
from chengxin.errors import Forbidden
from chengxin.organizations import service as organization_service
from chengxin.security.actor import Actor

MAX_GRANT_DAYS = 366
MAX_GRANT_USES = 100


def _own_subject(actor: Actor) -> uuid.UUID:
    if actor.subject_id is None:
        raise Forbidden("only the person concerned manages their authorizations")
    return actor.subject_id


def create(
    session: Session,
    document: CatalogDocument,
    *,
    credit_code: str,
    scene: Scene,
    purpose: str,
    kinds: list[str] | None,
    valid_days: int,
    max_uses: int,
    actor: Actor,
    now: datetime | None = None,
) -> Grant:
    """A citizen authorizes an organization (by its credit code) to query them."""
    subject_id = _own_subject(actor)
    now = now or utcnow()
    org = organization_service.get_by_credit_code(session, credit_code)
    if org is None:
        raise GrantInputInvalid("no organization with this credit code")
    if SCENES[Scene(scene)].government:
        raise SceneNotPermitted("government scenes rest on duty, not on a grant")
    if not purpose.strip() or len(purpose.strip()) < 4:  # noqa: PLR2004
        raise GrantInputInvalid("state the purpose in a few words")
    if not 1 <= valid_days <= MAX_GRANT_DAYS:
        raise GrantInputInvalid(f"validity is 1 to {MAX_GRANT_DAYS} days")
    if not 1 <= max_uses <= MAX_GRANT_USES:
        raise GrantInputInvalid(f"uses are 1 to {MAX_GRANT_USES}")
    if kinds is not None:
        unknown = sorted(set(kinds) - {k.code for k in document.kinds})
        if unknown or not kinds:
            raise GrantInputInvalid("name known record kinds, or none for the authorized report")
    grant = Grant(
        subject_id=subject_id,
        organization_id=org.id,
        scene=Scene(scene).value,
        purpose=purpose.strip(),
        kinds=sorted(set(kinds)) if kinds is not None else None,
        valid_from=now,
        valid_until=now + timedelta(days=valid_days),
        max_uses=max_uses,
        uses=0,
        created_at=now,
    )
    session.add(grant)
    session.flush()
    audit.record(
        session,
        "access:grant:create",
        actor=actor,
        object_type="access_grant",
        object_id=grant.id,
        subject_id=subject_id,
        data={
            "organization_id": str(org.id),
            "scene": grant.scene,
            "purpose": grant.purpose,
            "kinds": grant.kinds,
            "valid_until": grant.valid_until.isoformat(),
            "max_uses": max_uses,
        },
    )
    return grant


def _own_grant(session: Session, grant_id: uuid.UUID, actor: Actor) -> Grant:
    grant = session.get(Grant, grant_id)
    # Another person's grant answers exactly like a missing one (no probing by id).
    if grant is None or grant.subject_id != _own_subject(actor):
        raise GrantNotFound
    return grant


def revoke(session: Session, grant_id: uuid.UUID, *, reason: str | None, actor: Actor) -> Grant:
    """The citizen withdraws an authorization; it stops working at once."""
    grant = _own_grant(session, grant_id, actor)
    if grant.revoked_at is None:
        grant.revoked_at = utcnow()
        grant.revoke_reason = (reason or "").strip() or None
        audit.record(
            session,
            "access:grant:revoke",
            actor=actor,
            object_type="access_grant",
            object_id=grant.id,
            subject_id=grant.subject_id,
        )
    return grant


def mine(session: Session, *, actor: Actor) -> list[Grant]:
    """The citizen's grants, newest first."""
    query = select(Grant).where(Grant.subject_id == _own_subject(actor))
    return list(session.execute(query.order_by(Grant.created_at.desc())).scalars())


def uses_of(session: Session, grant_id: uuid.UUID, *, actor: Actor) -> list[GrantUse]:
    """When the grant was used, by which query (the citizen's own grants only)."""
    grant = _own_grant(session, grant_id, actor)
    query = select(GrantUse).where(GrantUse.grant_id == grant.id).order_by(GrantUse.number)
    return list(session.execute(query).scalars())


def usable(
    session: Session,
    grant_id: uuid.UUID,
    *,
    organization_id: uuid.UUID,
    subject_id: uuid.UUID,
    scene: Scene,
    now: datetime,
) -> Grant:
    """The grant, if this organization may query this subject with it now in this scene."""
    grant = session.get(Grant, grant_id)
    if grant is None or grant.organization_id != organization_id or grant.subject_id != subject_id:
        raise GrantInvalid
    status = grant.status_at(now)
    if status is not GrantStatus.ACTIVE:
        raise GrantNotUsable(f"the grant is {status.value}", grant_status=status.value)
    if grant.scene != scene.value:
        raise GrantNotUsable("the grant was given for another scene", grant_status="scene")
    return grant


def use(session: Session, grant: Grant, *, query_id: uuid.UUID, now: datetime) -> None:
    """Count one use; a concurrent last use cannot be taken twice (conditional update)."""
    taken = session.execute(
        update(Grant)
        .where(Grant.id == grant.id, Grant.uses < Grant.max_uses, Grant.revoked_at.is_(None))
        .values(uses=Grant.uses + 1)
        .returning(Grant.uses)
    ).scalar_one_or_none()
    if taken is None:
        raise GrantNotUsable("the grant is used up or revoked", grant_status="exhausted")
    session.add(GrantUse(grant_id=grant.id, number=taken, query_id=query_id, at=now))
    session.flush()
    session.refresh(grant)
