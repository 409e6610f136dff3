"""Demo permission lists: what each demo organization may query, in which scenes (R3.1)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.access import policy
from chengxin.access.models import AccessRule
from chengxin.access.queries import GOVERNMENT_KINDS
from chengxin.access.scenes import SCENES, Scene
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import Sharing
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.security.actor import Actor

ART_24 = "《湖北省社会信用信息管理条例》第二十四条"
CONSENT = "《个人信息保护法》第十三条第一款第一项（个人同意）、信息主体授权书"
_THIRD_PARTY_SCENES = {
    OrganizationKind.FINANCIAL.value: [Scene.LOAN],
    OrganizationKind.CREDIT_AGENCY.value: [Scene.CREDIT_SERVICE],
    OrganizationKind.ENTERPRISE.value: [Scene.EMPLOYMENT, Scene.LEASING],
}


def seed_permission_lists(session: Session, *, actor: Actor) -> int:
    """Give every demo organization without a list a plausible one; returns lines added."""
    catalog_service.ensure_active(session, actor=actor)
    _, document = catalog_service.active_document(session)
    listed = set(session.execute(select(AccessRule.organization_id)).scalars())
    added = 0
    for org in session.execute(select(Organization).order_by(Organization.name)).scalars():
        if org.id in listed:
            continue
        if org.kind in GOVERNMENT_KINDS:
            scenes = [s for s, info in SCENES.items() if info.government]
            sharing, basis = [Sharing.PUBLIC, Sharing.AUTHORIZED, Sharing.GOVERNMENT], ART_24
        else:
            scenes = _THIRD_PARTY_SCENES.get(org.kind, [])
            sharing, basis = [Sharing.PUBLIC, Sharing.AUTHORIZED], CONSENT
        for scene in scenes:
            policy.add_rule(
                session,
                document,
                organization_id=org.id,
                scene=scene,
                kinds=[],
                sharing=sharing,
                basis=basis,
                valid_from_on=date(2026, 1, 1),
                valid_until_on=None,
                actor=actor,
            )
            added += 1
    return added
