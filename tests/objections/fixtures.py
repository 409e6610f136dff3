"""A world for the rights workflows: the access world (people with tax-arrears records, a
government consumer and a bank), phones for the people, an operator, and the tax office as a
provider clerk who answers for its own records."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from chengxin.access.scenes import Scene
from chengxin.demo import generator
from chengxin.identity import resolve as identity_resolve
from chengxin.identity import service as identity_service
from chengxin.notifications.models import NotificationOutbox, OrganizationNotice
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.records.models import CreditRecord
from chengxin.reports import service as report_service
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from chengxin.settings import Settings
from tests.access.fixtures import AccessWorld, build, citizen
from tests.ingestion.fixtures import csv_data, ingest_bytes, tax_row

SYSTEM = system_actor("test")
PURPOSE = "食品经营许可审查"


@dataclass
class RightsWorld:
    aw: AccessWorld
    operator: Actor
    tax_clerk: Actor  # the tax office (provider and finding department)
    other_clerk: Actor  # the education office: a provider, but not of these records
    settings: Settings

    @property
    def runtime(self) -> Runtime:
        return self.aw.runtime

    def subject(self, person: Any) -> uuid.UUID:
        with self.runtime.scope() as session:
            return identity_resolve.subject_of(session, person.id_number, person.name)

    def citizen(self, person: Any) -> Actor:
        return citizen(self.subject(person))

    def record(self, person: Any, source_id: str | None = None) -> CreditRecord:
        """The latest version of a person's record (their only one unless ``source_id``)."""
        subject_id = self.subject(person)
        query = select(CreditRecord).where(CreditRecord.subject_id == subject_id)
        if source_id is not None:
            query = query.where(CreditRecord.source_id == source_id)
        with self.runtime.scope() as session:
            record = session.execute(
                query.order_by(CreditRecord.version.desc()).limit(1)
            ).scalar_one()
            session.expunge(record)
            return record

    def government_report(self, person: Any) -> Any:
        with self.runtime.scope() as session:
            return report_service.issue_for_organization(
                session,
                report_service.ReportRequest(
                    person.id_number, person.name, Scene.ADMINISTRATIVE_LICENSING, PURPOSE
                ),
                settings=self.settings,
                actor=self.aw.government,
            ).report

    def own_report(self, person: Any) -> Any:
        with self.runtime.scope() as session:
            return report_service.issue_for_subject(session, actor=self.citizen(person)).report

    def push(self, tmp_path: Any, rows: list[dict[str, str]], name: str) -> Any:
        return ingest_bytes(self.aw.world, csv_data(rows), tmp_path, name=name)

    def notices(self, organization_id: uuid.UUID | None, topic: str | None = None) -> list[Any]:
        with self.runtime.scope() as session:
            query = select(OrganizationNotice).where(
                OrganizationNotice.organization_id == organization_id
            )
            if topic is not None:
                query = query.where(OrganizationNotice.topic == topic)
            rows = list(session.execute(query).scalars())
            for row in rows:
                session.expunge(row)
            return rows

    def messages(self, person: Any) -> list[str]:
        subject_id = self.subject(person)
        with self.runtime.scope() as session:
            return list(
                session.execute(
                    select(NotificationOutbox.template)
                    .where(NotificationOutbox.subject_id == subject_id)
                    .order_by(NotificationOutbox.created_at)
                ).scalars()
            )


def _organization(runtime: Runtime, name: str, kind: OrganizationKind) -> uuid.UUID:
    with runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code=generator.credit_code(
                random.Random(name), registration="11", region_code="420100"
            ),
            name=name,
            kind=kind,
            region_code="420100",
            actor=SYSTEM,
        )
        return org.id


def staff(name: str, organization_id: uuid.UUID | None, role: Role) -> Actor:
    return Actor(ActorKind.USER, name, name, organization_id, ROLE_PERMISSIONS[role])


def build_rights(runtime: Runtime, tmp_path: Any, *, extra_rows: list[Any] = ()) -> RightsWorld:  # type: ignore[assignment]
    aw = build(runtime, tmp_path)
    if extra_rows:
        ingest_bytes(aw.world, csv_data(extra_rows), tmp_path, name="extra")
    with runtime.scope() as session:
        for person in aw.people[:12]:
            prepared = identity_service.prepare_person(person.id_number, person.name, "13900001234")
            identity_service.register(session, prepared, actor=SYSTEM)
    operator_org = _organization(runtime, "湖北省信用信息中心", OrganizationKind.OPERATOR)
    settings = runtime.settings.model_copy(update={"access_review_new_scene": False})
    return RightsWorld(
        aw,
        staff("operator", operator_org, Role.OPERATOR),
        staff("tax-clerk", aw.world.tax_org_id, Role.PROVIDER_CLERK),
        staff("edu-clerk", aw.world.education.organization_id, Role.PROVIDER_CLERK),
        settings,
    )


def old_tax_row(person: Any, source_id: str, **over: str) -> dict[str, str]:
    """A serious tax-arrears finding of 2025-06-01: repairable from 2026-06-01."""
    return tax_row(
        person,
        source_id,
        **{"认定日期": "2025-06-01", "行为日期": "2025-05-01", "告知日期": "2025-06-05", **over},
    )
