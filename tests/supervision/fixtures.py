"""Seeded figures for the supervision dashboard: organizations in two cities, ingestion
batches, decided objections and repair applications, published list entries. Rows are written
directly (the figures read tables, whatever workflow filled them)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chengxin.demo.generator import credit_code
from chengxin.ingestion.models import IngestBatch
from chengxin.lists.models import ListEntry
from chengxin.objections.models import Objection
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.repair.models import RepairApplication
from chengxin.security.actor import system_actor

SYSTEM = system_actor("test")
DAY1 = datetime(2026, 11, 20, 3, tzinfo=UTC)
DAY2 = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # 07:30 on the 22nd in Beijing: the day counted


def organization(
    session: Session,
    name: str,
    *,
    department: str | None,
    region: str = "420100",
    kind: OrganizationKind = OrganizationKind.GOVERNMENT,
) -> Organization:
    org = organization_service.create(
        session,
        credit_code=credit_code(
            random.Random(uuid.uuid4().int), registration="11", region_code=region
        ),
        name=name,
        kind=kind,
        region_code=region,
        actor=SYSTEM,
    )
    org.department = department
    session.flush()
    return org


def batch(
    session: Session,
    org: Organization,
    at: datetime,
    *,
    created: int,
    rejected: int,
    corrected: int = 0,
) -> None:
    session.add(
        IngestBatch(
            provider_id=org.id,
            actor_name="测试",
            channel="push",
            file_format="json",
            content_digest="0" * 64,
            size_bytes=1,
            catalog_version="1",
            status="completed",
            submitted=created + corrected + rejected,
            created=created,
            corrected=corrected,
            rejected=rejected,
            error_codes={},
            received_at=at,
            updated_at=at,
        )
    )


def _case(org: Organization, decided: datetime | None, due: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "reference": uuid.uuid4().hex[:20],
        "subject_id": uuid.uuid4(),
        "record_id": uuid.uuid4(),
        "provider_id": org.id,
        "source_id": "s",
        "kind_code": "k",
        "sealed": b"x",
        "key_id": "k1",
        "filed_by": "测试",
        "filed_at": due - timedelta(days=5),
        "decide_due_at": due,
        "decided_at": decided,
    }


def objection(session: Session, org: Organization, decided: datetime | None, due: datetime) -> None:
    session.add(
        Objection(
            **_case(org, decided, due),
            financial=False,
            route="provider",
            status="decided",
            forward_due_at=due,
        )
    )


def repair(session: Session, org: Organization, decided: datetime | None, due: datetime) -> None:
    values = _case(org, decided, due)
    session.add(
        RepairApplication(
            **values,
            basis="performed",
            status="decided",
            eligibility=[],
            commitment_digest="0" * 64,
            acknowledged_at=values["filed_at"],
            answer_due_at=due,
        )
    )


def list_entry(session: Session, list_type: str, kind: str, status: str = "published") -> None:
    session.add(
        ListEntry(
            id=uuid.uuid4(),
            reference=uuid.uuid4().hex[:20],
            list_type=list_type,
            kind=kind,
            domain="taxation",
            record_ids=[],
            status=status,
            basis="测试",
            sealed=b"x",
            key_id="k1",
            automatic=False,
            proposed_at=DAY1,
            proposed_by="测试",
            shown_name="张*",
            shown_id="4201**********1234",
            name_index=b"0" * 32,
        )
    )


@dataclass
class Seeded:
    tax: Organization
    court: Organization
    yichang: Organization
    operator: Organization


def seed(session: Session) -> Seeded:
    """Two Wuhan departments (tax, court), one Yichang (420500) tax office, and the operator."""
    tax = organization(session, "武汉市税务局", department="tax")
    court = organization(
        session, "武汉市中级人民法院", department="court", kind=OrganizationKind.COURT
    )
    yichang = organization(session, "宜昌市税务局", department="tax", region="420500")
    operator = organization(session, "省信用中心", department=None, kind=OrganizationKind.OPERATOR)
    batch(session, tax, DAY1, created=8, rejected=2)
    batch(session, tax, DAY1 + timedelta(hours=2), created=2, corrected=1, rejected=0)
    batch(session, tax, DAY2, created=5, rejected=5)
    batch(session, court, DAY2, created=3, rejected=1)
    batch(session, yichang, DAY1, created=4, rejected=4)
    batch(session, tax, DAY1 - timedelta(days=40), created=100, rejected=100)  # out of period
    # Objections: tax decides one on time and one late; court one on time; one still open.
    objection(session, tax, DAY1, DAY1 + timedelta(days=1))
    objection(session, tax, DAY2, DAY1)
    objection(session, court, DAY1, DAY1)  # exactly at the due time: on time
    objection(session, court, None, DAY1)
    repair(session, tax, DAY2, DAY2 + timedelta(days=3))
    repair(session, yichang, DAY2, DAY1)
    list_entry(session, "black-judgment-defaulter", "black")
    list_entry(session, "black-judgment-defaulter", "black")
    list_entry(session, "black-judgment-defaulter", "black", status="exited")
    list_entry(session, "red-media-exemplar", "red")
    session.flush()
    return Seeded(tax, court, yichang, operator)
