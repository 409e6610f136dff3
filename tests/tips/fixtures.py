"""A small world for tips: the platform operator, the tax office (competent for tax lists) and
an education office, with staff actors, and a synthetic person to report."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.audit.models import AuditEntry
from chengxin.demo import generator
from chengxin.notifications.models import OrganizationNotice
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from chengxin.tips import service as tip_service

SYSTEM = system_actor("test")
WHAT = "该人员长期拖欠税款，且隐匿财产，逃避追缴，情节严重。"


def organization(
    runtime: Runtime,
    name: str,
    kind: OrganizationKind,
    *,
    department: str | None = None,
    region_code: str = "420100",
) -> uuid.UUID:
    with runtime.scope() as session:
        return organization_service.create(
            session,
            credit_code=generator.credit_code(
                random.Random(name), registration="11", region_code=region_code
            ),
            name=name,
            kind=kind,
            region_code=region_code,
            department=department,
            actor=SYSTEM,
        ).id


def staff(name: str, organization_id: uuid.UUID, role: Role) -> Actor:
    return Actor(ActorKind.USER, name, name, organization_id, ROLE_PERMISSIONS[role])


@dataclass
class TipWorld:
    runtime: Runtime
    operator_org: uuid.UUID
    tax_org: uuid.UUID
    education_org: uuid.UUID
    operator: Actor
    tax_clerk: Actor
    education_clerk: Actor
    person: generator.SyntheticPerson

    @property
    def scope(self) -> Callable[[], AbstractContextManager[Session]]:
        return self.runtime.scope

    def submit(self, client_ip: str = "203.0.113.7", **over: Any) -> tip_service.Receipt:
        fields: dict[str, Any] = {
            "domain": "black-tax-serious",
            "about": self.person.name,
            "what": WHAT,
            **over,
        }
        return tip_service.submit(
            self.scope,
            tip_service.TipInput(**fields),
            client_ip=client_ip,
            settings=self.runtime.settings,
        )

    def notices(self, organization_id: uuid.UUID, topic: str) -> list[OrganizationNotice]:
        with self.scope() as session:
            rows = list(
                session.execute(
                    select(OrganizationNotice).where(
                        OrganizationNotice.organization_id == organization_id,
                        OrganizationNotice.topic == topic,
                    )
                ).scalars()
            )
            session.expunge_all()
            return rows

    def audit(self, object_id: uuid.UUID) -> list[AuditEntry]:
        with self.scope() as session:
            rows = list(
                session.execute(
                    select(AuditEntry)
                    .where(AuditEntry.object_id == str(object_id))
                    .order_by(AuditEntry.seq)
                ).scalars()
            )
            session.expunge_all()
            return rows


def build(runtime: Runtime) -> TipWorld:
    operator_org = organization(
        runtime, "湖北省信用信息中心", OrganizationKind.OPERATOR, region_code="420000"
    )
    tax_org = organization(runtime, "测试市税务局", OrganizationKind.GOVERNMENT, department="tax")
    education_org = organization(
        runtime, "测试市教育局", OrganizationKind.GOVERNMENT, department="education"
    )
    [person] = list(generator.people(1, seed=23))
    return TipWorld(
        runtime,
        operator_org,
        tax_org,
        education_org,
        staff("operator", operator_org, Role.OPERATOR),
        staff("tax-clerk", tax_org, Role.PROVIDER_CLERK),
        staff("edu-clerk", education_org, Role.PROVIDER_CLERK),
        person,
    )


def scoped(runtime: Runtime) -> Iterator[Session]:
    with runtime.scope() as session:
        yield session
