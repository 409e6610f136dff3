"""A small world for task tracking: the platform operator, a market-regulation department in
Wuhan and one in Yichang (the same department code), an education department, a city-bound
operator of Yichang, and their staff."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.audit.models import AuditEntry
from chengxin.notifications.models import OrganizationNotice
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from chengxin.tracking import service as tracking_service
from chengxin.tracking.models import Task
from chengxin.workdays.days import midnight
from tests.tips.fixtures import organization

PDF = b"%PDF-1.4\n% a synthetic progress report\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def at_nine(day: date) -> datetime:
    """09:00 in Beijing on ``day`` (01:00 UTC)."""
    return midnight(day) + timedelta(hours=9)


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def staff(name: str, organization_id: uuid.UUID, role: Role, region: str | None = None) -> Actor:
    return Actor(ActorKind.USER, name, name, organization_id, ROLE_PERMISSIONS[role], region)


@dataclass
class TrackingWorld:
    runtime: Runtime
    operator_org: uuid.UUID
    market_org: uuid.UUID
    yichang_market_org: uuid.UUID
    education_org: uuid.UUID
    operator: Actor
    yichang_operator: Actor
    market_clerk: Actor
    yichang_clerk: Actor
    education_clerk: Actor

    @property
    def scope(self) -> Callable[[], AbstractContextManager[Session]]:
        return self.runtime.scope

    def create(
        self,
        *,
        lead: uuid.UUID | None = None,
        responsible: list[uuid.UUID] | None = None,
        milestones: list[tracking_service.MilestoneInput] | None = None,
        now: Any = None,
        **over: Any,
    ) -> Task:
        with self.scope() as session:
            task = tracking_service.create(
                session,
                tracking_service.TaskInput(
                    title=over.pop("title", "建立个人诚信档案"),
                    description=over.pop("description", "按实施意见建立重点人群诚信档案"),
                    basis=over.pop("basis", "实施意见 三、（二）"),
                    lead_organization_id=lead or self.market_org,
                    responsible_organization_ids=responsible
                    if responsible is not None
                    else [self.education_org],
                    milestones=milestones
                    if milestones is not None
                    else [tracking_service.MilestoneInput("报送方案", due_on=date(2026, 12, 31))],
                    **over,
                ),
                actor=self.operator,
                now=now,
            )
            session.flush()
            session.expunge(task)
            return task

    def notices(self, organization_id: uuid.UUID, topic: str) -> list[OrganizationNotice]:
        with self.scope() as session:
            rows = list(
                session.execute(
                    select(OrganizationNotice)
                    .where(
                        OrganizationNotice.organization_id == organization_id,
                        OrganizationNotice.topic == topic,
                    )
                    .order_by(OrganizationNotice.created_at)
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


def build(runtime: Runtime) -> TrackingWorld:
    operator_org = organization(
        runtime, "湖北省信用信息中心", OrganizationKind.OPERATOR, region_code="420000"
    )
    market_org = organization(
        runtime, "测试省市场监管局", OrganizationKind.GOVERNMENT, department="market"
    )
    yichang = organization(
        runtime,
        "宜昌市市场监管局",
        OrganizationKind.GOVERNMENT,
        department="market",
        region_code="420500",
    )
    education_org = organization(
        runtime, "测试省教育厅", OrganizationKind.GOVERNMENT, department="education"
    )
    return TrackingWorld(
        runtime,
        operator_org,
        market_org,
        yichang,
        education_org,
        staff("operator", operator_org, Role.OPERATOR),
        staff("yichang-operator", operator_org, Role.OPERATOR, "420500"),
        staff("market-clerk", market_org, Role.PROVIDER_CLERK),
        staff("yichang-clerk", yichang, Role.PROVIDER_CLERK),
        staff("education-clerk", education_org, Role.PROVIDER_CLERK),
    )
