"""A small world for access tests: the ingestion test catalog, people with records, a
government consumer and a bank, each with a permission list."""

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
from chengxin.demo import generator
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from tests.ingestion.fixtures import World, build_world, csv_data, ingest_bytes, tax_row

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
SYSTEM = system_actor("test")


@dataclass
class AccessWorld:
    world: World
    government: Actor  # 市场监管局: administrative licensing, authorized + government kinds
    bank: Actor  # a bank: loans, tax-arrears only, with the subject's grant
    with_records: list[Any]  # people with one tax-arrears record each

    @property
    def runtime(self) -> Runtime:
        return self.world.runtime

    @property
    def people(self) -> list[Any]:
        return self.world.people


def consumer(
    runtime: Runtime,
    name: str,
    kind: OrganizationKind,
    *,
    scene: Scene,
    kinds: list[str] = (),  # type: ignore[assignment]
    sharing: list[Sharing] = (),  # type: ignore[assignment]
    region_code: str = "420100",
) -> Actor:
    with runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code=generator.credit_code(
                random.Random(name), registration="91", region_code=region_code
            ),
            name=name,
            kind=kind,
            region_code=region_code,
            actor=SYSTEM,
        )
        _, document = catalog_service.active_document(session)
        policy.add_rule(
            session,
            document,
            organization_id=org.id,
            scene=scene,
            kinds=list(kinds),
            sharing=list(sharing),
            basis="《湖北省社会信用信息管理条例》第二十四条",
            valid_from_on=date(2026, 1, 1),
            valid_until_on=None,
            actor=SYSTEM,
        )
        org_id = org.id
    return Actor(
        ActorKind.TOKEN,
        str(uuid.uuid4()),
        f"{name}/system",
        org_id,
        frozenset({Permission.ACCESS_QUERY_SUBMIT}),
    )


def citizen(subject_id: uuid.UUID) -> Actor:
    return Actor(
        ActorKind.CITIZEN,
        str(subject_id),
        "本人",
        None,
        ROLE_PERMISSIONS[Role.CITIZEN],
        subject_id=subject_id,
    )


def build(runtime: Runtime, tmp_path: Any, with_records: int = 3) -> AccessWorld:
    world = build_world(runtime)
    chosen = world.people[:with_records]
    rows = [tax_row(p, f"S{i}") for i, p in enumerate(chosen)]
    batch = ingest_bytes(world, csv_data(rows), tmp_path)
    assert batch.created == len(chosen), batch
    government = consumer(
        runtime,
        "测试市场监督管理局",
        OrganizationKind.GOVERNMENT,
        scene=Scene.ADMINISTRATIVE_LICENSING,
        sharing=[Sharing.AUTHORIZED, Sharing.GOVERNMENT],
    )
    bank = consumer(
        runtime, "测试银行", OrganizationKind.FINANCIAL, scene=Scene.LOAN, kinds=["tax-arrears"]
    )
    return AccessWorld(world, government, bank, chosen)
