"""Permission lists (R3.1): per organization, which record kinds or sharing levels it may read,
in which business scenes. Every query is checked against them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chengxin.access.errors import AccessRuleInvalid, AccessRuleNotFound, SceneNotPermitted
from chengxin.access.models import AccessRule
from chengxin.access.scenes import Scene
from chengxin.audit import service as audit
from chengxin.catalog.schema import CatalogDocument, Sharing
from chengxin.db import utcnow
from chengxin.organizations import service as organization_service
from chengxin.security.actor import Actor


def add_rule(
    session: Session,
    document: CatalogDocument,
    *,
    organization_id: uuid.UUID,
    scene: Scene,
    kinds: list[str],
    sharing: list[Sharing],
    basis: str,
    valid_from_on: date,
    valid_until_on: date | None,
    actor: Actor,
) -> AccessRule:
    """Add a line to an organization's permission list."""
    organization_service.get_or_raise(session, organization_id)
    known = {k.code for k in document.kinds}
    unknown = sorted(set(kinds) - known)
    if unknown:
        raise AccessRuleInvalid(f"unknown record kinds: {', '.join(unknown)}")
    if not kinds and not sharing:
        raise AccessRuleInvalid("name record kinds, sharing levels or both")
    if valid_until_on is not None and valid_until_on <= valid_from_on:
        raise AccessRuleInvalid("valid_until_on must be after valid_from_on")
    if not basis.strip():
        raise AccessRuleInvalid("a permission-list line needs its basis (duty or agreement)")
    rule = AccessRule(
        organization_id=organization_id,
        scene=Scene(scene).value,
        kinds=sorted(set(kinds)),
        sharing=sorted({Sharing(s).value for s in sharing}),
        basis=basis.strip(),
        valid_from_on=valid_from_on,
        valid_until_on=valid_until_on,
        created_at=utcnow(),
        created_by=actor.name,
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        "access:policy:add",
        actor=actor,
        object_type="access_rule",
        object_id=rule.id,
        data={
            "organization_id": str(organization_id),
            "scene": rule.scene,
            "kinds": rule.kinds,
            "sharing": rule.sharing,
            "basis": rule.basis,
            "valid_from_on": valid_from_on.isoformat(),
            "valid_until_on": valid_until_on.isoformat() if valid_until_on else None,
        },
    )
    return rule


def revoke_rule(session: Session, rule_id: uuid.UUID, *, actor: Actor) -> AccessRule:
    """End a permission-list line at once."""
    rule = session.get(AccessRule, rule_id)
    if rule is None:
        raise AccessRuleNotFound
    if rule.revoked_at is None:
        rule.revoked_at = utcnow()
        audit.record(
            session,
            "access:policy:revoke",
            actor=actor,
            object_type="access_rule",
            object_id=rule.id,
        )
    return rule


def rules_of(
    session: Session, organization_id: uuid.UUID, *, on: date | None = None
) -> list[AccessRule]:
    """An organization's permission list; only the lines in force on a day when given."""
    query = select(AccessRule).where(AccessRule.organization_id == organization_id)
    if on is not None:
        query = query.where(
            AccessRule.revoked_at.is_(None),
            AccessRule.valid_from_on <= on,
            or_(AccessRule.valid_until_on.is_(None), AccessRule.valid_until_on > on),
        )
    return list(session.execute(query.order_by(AccessRule.created_at)).scalars())


def permitted_kinds(
    session: Session,
    document: CatalogDocument,
    organization_id: uuid.UUID,
    scene: Scene,
    on: date,
) -> frozenset[str]:
    """The kinds the organization may read in this scene today; ``scene-not-permitted`` if none."""
    lines = [r for r in rules_of(session, organization_id, on=on) if r.scene == scene.value]
    if not lines:
        raise SceneNotPermitted(f"scene {scene.value} is not on the organization's list")
    kinds: set[str] = set()
    for line in lines:
        kinds.update(line.kinds)
        levels = set(line.sharing)
        kinds.update(k.code for k in document.kinds if k.sharing.value in levels)
    return frozenset(kinds)
