"""A small catalog and helpers for ingestion tests: the tests do not depend on the shipped
catalog's content, which evolves with the law."""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from chengxin.catalog import service as catalog_service
from chengxin.demo import generator
from chengxin.identity import service as identity_service
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.models import IngestBatch
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.permissions import Permission

TODAY = date(2026, 11, 28)
HEADER = (
    "源记录编号",
    "信息事项代码",
    "身份证号码",
    "姓名",
    "决定文书号",
    "认定日期",
    "行为日期",
    "告知日期",
    "amount",
    "tax_type",
    "note",
    "exam",
    "hours",
)


def _kind(code: str, category: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name_zh": f"测试事项 {code}",
        "name_en": f"test kind {code}",
        "domain": extra.pop("domain", "taxation"),
        "category": category,
        "legal_basis": [{"law": "《测试法》", "article": "第一条"}],
        "sharing": "authorized",
        "providers": {"organization_kinds": ["government"], "departments": ["tax"]},
        **extra,
    }


def catalog_document(version: str = "2026.1", **changes: Any) -> dict[str, Any]:
    period = {"min_months": 0, "max_months": 36}
    document: dict[str, Any] = {
        "version": version,
        "title": "测试目录",
        "published_on": "2026-11-01",
        "domains": [
            {"code": c, "name_zh": c, "name_en": c} for c in ("taxation", "education", "volunteer")
        ],
        "key_groups": [{"code": "lawyer", "name_zh": "律师", "name_en": "lawyers"}],
        "departments": [
            {"code": c, "name_zh": c, "name_en": c} for c in ("tax", "education", "youth-league")
        ],
        "display_defaults": {
            "basic": {"min_months": 0, "max_months": 60},
            "good": period,
            "minor": {"min_months": 0, "max_months": 3, "default_months": 0},
            "general": {"min_months": 3, "max_months": 12},
            "serious": {"min_months": 12, "max_months": 36},
        },
        "kinds": [
            _kind(
                "tax-arrears",
                "dishonest",
                severity="serious",
                fields=[
                    {
                        "name": "amount",
                        "label_zh": "欠税金额",
                        "label_en": "amount",
                        "type": "decimal",
                        "required": True,
                        "minimum": 0,
                    },
                    {
                        "name": "tax_type",
                        "label_zh": "税种",
                        "label_en": "tax",
                        "type": "enum",
                        "values": ["vat", "income", "other"],
                    },
                    {
                        "name": "note",
                        "label_zh": "说明",
                        "label_en": "note",
                        "type": "text",
                        "max_length": 200,
                        "personal": True,
                    },
                ],
            ),
            _kind(
                "exam-cheating",
                "dishonest",
                severity="general",
                domain="education",
                adult_only=True,
                providers={"organization_kinds": ["government"], "departments": ["education"]},
                fields=[
                    {
                        "name": "exam",
                        "label_zh": "考试名称",
                        "label_en": "exam",
                        "type": "string",
                        "required": True,
                        "max_length": 50,
                    }
                ],
            ),
            _kind(
                "volunteer-hours",
                "good",
                domain="volunteer",
                providers={"organization_kinds": ["government"], "departments": ["youth-league"]},
                fields=[
                    {
                        "name": "hours",
                        "label_zh": "服务时长",
                        "label_en": "hours",
                        "type": "integer",
                        "required": True,
                        "minimum": 1,
                    }
                ],
            ),
        ],
    }
    document.update(changes)
    return document


@dataclass
class World:
    """A loaded test catalog, registered people, and providers with their actors and tokens."""

    runtime: Runtime
    people: list[generator.SyntheticPerson]
    tax: Actor
    education: Actor
    tax_org_id: uuid.UUID


def provider(runtime: Runtime, name: str, department: str) -> Actor:
    with runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code=generator.credit_code(
                random.Random(name), registration="11", region_code="420100"
            ),
            name=name,
            kind=OrganizationKind.GOVERNMENT,
            region_code="420100",
            department=department,
            actor=system_actor("test"),
        )
        org_id = org.id
    perms = frozenset({Permission.INGESTION_BATCH_SUBMIT, Permission.INGESTION_BATCH_READ})
    return Actor(ActorKind.TOKEN, "t", name, org_id, perms)


def build_world(runtime: Runtime, n_people: int = 30) -> World:
    persons = list(generator.people(n_people, seed=11))
    with runtime.scope() as session:
        catalog_service.load(session, catalog_document(), actor=system_actor("test"), activate=True)
        identity_service.bulk_register(
            session,
            [identity_service.prepare_person(p.id_number, p.name) for p in persons],
            actor=system_actor("test"),
            source="test",
        )
    tax = provider(runtime, "测试税务局", "tax")
    education = provider(runtime, "测试教育厅", "education")
    assert tax.organization_id is not None
    return World(runtime, persons, tax, education, tax.organization_id)


def tax_row(
    person: generator.SyntheticPerson, source_id: str, amount: str = "1000", **over: str
) -> dict[str, str]:
    row = {
        "源记录编号": source_id,
        "信息事项代码": "tax-arrears",
        "身份证号码": person.id_number,
        "姓名": person.name,
        "决定文书号": f"鄂税罚〔2026〕{source_id}号",
        "认定日期": "2026-03-01",
        "行为日期": "2026-01-15",
        "告知日期": "2026-03-05",
        "amount": amount,
        "tax_type": "vat",
        "note": "",
        "exam": "",
        "hours": "",
    }
    row.update(over)
    return row


def csv_data(
    rows: Iterable[dict[str, str]], header: Sequence[str] = HEADER, encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return buffer.getvalue().encode(encoding)


def ingest_bytes(
    world: World,
    data: bytes,
    tmp_path: Any,
    *,
    fmt: str = "csv",
    actor: Actor | None = None,
    name: str = "records",
    **kwargs: Any,
) -> IngestBatch:
    path = tmp_path / f"{name}.{fmt}"
    path.write_bytes(data)
    actor = actor or world.tax
    assert actor.organization_id is not None
    options = kwargs.pop("options", ingestion_service.Options(chunk_rows=7))
    return ingestion_service.ingest_file(
        world.runtime.scope,
        path,
        fmt,
        provider_id=actor.organization_id,
        actor=actor,
        channel="upload",
        filename=path.name,
        options=options,
        today=TODAY,
        **kwargs,
    )
