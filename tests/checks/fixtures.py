"""A world for checks: the access world (people with tax-arrears records, a market-regulation
body checking in licensing), more public bodies for other scenes, a bank, a volunteer with a
good record, and helpers to run checks and put people on lists through the real lifecycle."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from chengxin.access import policy
from chengxin.access.scenes import Scene
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import Sharing
from chengxin.checks import service as check_service
from chengxin.demo import generator
from chengxin.identity import service as identity_service
from chengxin.identity.resolve import PersonAsked
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind, OrganizationRole
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from chengxin.settings import Settings
from tests.access.fixtures import AccessWorld, build, consumer
from tests.ingestion.fixtures import csv_data, ingest_bytes, provider

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
SYSTEM = system_actor("test")
PURPOSE = "食品经营许可审查"
GOV_SHARING = [Sharing.PUBLIC, Sharing.AUTHORIZED, Sharing.GOVERNMENT]


@dataclass
class CheckWorld:
    aw: AccessWorld
    licensing: Actor  # market regulation: administrative licensing (and land transfer)
    procurement: Actor  # finance: government procurement
    volunteer: Any  # a person with one good record (volunteer hours) and nothing else
    settings: Settings

    @property
    def runtime(self) -> Runtime:
        return self.aw.runtime

    @property
    def people(self) -> list[Any]:
        return self.aw.people

    def sid(self, person: Any) -> uuid.UUID:
        with self.runtime.scope() as session:
            return identity_service.subject_id_for(session, person.id_number)

    def check(
        self,
        persons: list[Any],
        *,
        actor: Actor | None = None,
        scene: Scene = Scene.ADMINISTRATIVE_LICENSING,
        now: datetime = NOW,
    ) -> check_service.CheckOutcome:
        asked = [
            p if isinstance(p, PersonAsked) else PersonAsked(p.id_number, p.name) for p in persons
        ]
        with self.runtime.scope() as session:
            outcome = check_service.run(
                session,
                scene=scene,
                purpose=PURPOSE,
                persons=asked,
                settings=self.settings,
                actor=actor or self.licensing,
                now=now,
            )
            session.flush()
            session.expunge(outcome.check)
            return outcome


def officer(actor: Actor) -> Actor:
    """The same organization's system, with the consumer officer's permissions."""
    return Actor(
        ActorKind.TOKEN,
        actor.id,
        actor.name,
        actor.organization_id,
        ROLE_PERMISSIONS[Role.CONSUMER_OFFICER],
    )


def add_scene(runtime: Runtime, actor: Actor, scene: Scene) -> None:
    with runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        assert actor.organization_id is not None
        policy.add_rule(
            session,
            document,
            organization_id=actor.organization_id,
            scene=scene,
            kinds=[],
            sharing=GOV_SHARING,
            basis="《湖北省社会信用信息管理条例》第二十四条",
            valid_from_on=date(2026, 1, 1),
            valid_until_on=None,
            actor=SYSTEM,
        )


def enterprise(runtime: Runtime, holder: uuid.UUID, role: str = "legal_representative") -> str:
    """An enterprise whose legal representative is ``holder``; returns its credit code."""
    code = generator.credit_code(random.Random(7), registration="91", region_code="420100")
    with runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code=code,
            name="武汉测试贸易有限公司",
            kind=OrganizationKind.ENTERPRISE,
            region_code="420100",
            actor=SYSTEM,
        )
        session.add(
            OrganizationRole(
                organization_id=org.id,
                subject_id=holder,
                role=role,
                since_on=date(2020, 1, 1),
                until_on=None,
                created_at=NOW,
            )
        )
    return code


def build_checks(runtime: Runtime, tmp_path: Any, settings: Settings) -> CheckWorld:
    aw = build(runtime, tmp_path, with_records=3)
    licensing = officer(
        consumer(
            runtime,
            "测试市场监督管理局（核查）",
            OrganizationKind.GOVERNMENT,
            scene=Scene.ADMINISTRATIVE_LICENSING,
            sharing=GOV_SHARING,
        )
    )
    add_scene(runtime, licensing, Scene.LAND_TRANSFER)
    procurement = officer(
        consumer(
            runtime,
            "测试财政局",
            OrganizationKind.GOVERNMENT,
            scene=Scene.GOVERNMENT_PROCUREMENT,
            sharing=GOV_SHARING,
        )
    )
    add_scene(runtime, procurement, Scene.STAFF_RECRUITMENT)
    youth = provider(runtime, "测试团省委", "youth-league")
    volunteer = aw.people[10]
    row = {
        "源记录编号": "V1",
        "信息事项代码": "volunteer-hours",
        "身份证号码": volunteer.id_number,
        "姓名": volunteer.name,
        "决定文书号": "鄂团〔2026〕1号",
        "认定日期": "2026-06-01",
        "行为日期": "2026-05-01",
        "hours": "120",
    }
    batch = ingest_bytes(aw.world, csv_data([row]), tmp_path, actor=youth, name="good")
    assert batch.created == 1, [r.errors for r in _rejections(runtime, batch)]
    return CheckWorld(aw, licensing, procurement, volunteer, settings)


def _rejections(runtime: Runtime, batch: Any) -> list[Any]:
    from sqlalchemy import select

    from chengxin.ingestion.models import IngestRejection

    with runtime.scope() as session:
        return list(
            session.execute(
                select(IngestRejection).where(IngestRejection.batch_id == batch.id)
            ).scalars()
        )
