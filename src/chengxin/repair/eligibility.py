"""Whether a record can be repaired now (信用修复, R5.3; RULES.md §2): each condition checked and
explained — a current dishonest record of a repairable kind, past its minimum period, still
displayed, with no other open application — plus the local bars a province may switch on
(``repair_bars``, off by default)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.casework.cases import own_record
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.records.models import CreditRecord, RecordStatus
from chengxin.repair.models import OPEN_REPAIR_STATUSES, RepairApplication, RepairStatus
from chengxin.security.actor import Actor
from chengxin.settings import Settings
from chengxin.workdays.days import day_of


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    checks: list[Check]
    repair_from_on: date | None


def _approved_repairs(session: Session, subject_id: uuid.UUID) -> list[RepairApplication]:
    return list(
        session.execute(
            select(RepairApplication).where(
                RepairApplication.subject_id == subject_id,
                RepairApplication.status == RepairStatus.APPROVED.value,
            )
        ).scalars()
    )


def _bars(session: Session, record: CreditRecord, settings: Settings, now: datetime) -> list[Check]:
    """Local bars (RULES.md §2 [P]): configurable policy, off by default."""
    if not settings.repair_bars:
        return []
    done = _approved_repairs(session, record.subject_id)
    year, five = now - timedelta(days=365), now - timedelta(days=5 * 365)
    checks = []
    if "repaired-within-1-year" in settings.repair_bars:
        recent = [r for r in done if r.decided_at and r.decided_at > year]
        checks.append(
            Check(
                "bar-repaired-within-1-year",
                not recent,
                "no repair approved in the last year"
                if not recent
                else "a repair was approved less than a year ago",
            )
        )
    if "two-repairs-within-5-years" in settings.repair_bars:
        count = len([r for r in done if r.decided_at and r.decided_at > five])
        detail = f"{count} repairs approved in the last 5 years (at most 1)"
        checks.append(Check("bar-two-repairs-within-5-years", count < 2, detail))  # noqa: PLR2004
    if "same-kind-within-5-years" in settings.repair_bars:
        same = [
            r
            for r in done
            if r.kind_code == record.kind_code and r.decided_at and r.decided_at > five
        ]
        detail = (
            "the same kind of record was repaired within 5 years"
            if same
            else "no repair of the same kind in the last 5 years"
        )
        checks.append(Check("bar-same-kind-within-5-years", not same, detail))
    return checks


def eligibility(
    session: Session, record: CreditRecord, *, settings: Settings, now: datetime | None = None
) -> Eligibility:
    """Whether the record can be repaired now, each condition checked and explained."""
    now = now or utcnow()
    today = day_of(now)
    _, document = catalog_service.active_document(session)
    kind = next((k for k in document.kinds if k.code == record.kind_code), None)
    repairable = kind.repairable if kind is not None else False
    checks = [
        Check(
            "dishonest-record",
            record.category == "dishonest",
            "only dishonest records are repaired"
            if record.category != "dishonest"
            else "a dishonest record",
        ),
        Check(
            "current-record",
            record.status == RecordStatus.ACTIVE,
            f"this version is {record.status}"
            if record.status != RecordStatus.ACTIVE
            else "the current version",
        ),
        Check(
            "repairable-by-law",
            repairable,
            "repairable" if repairable else "a law declares this kind irreparable",
        ),
        Check(
            "minimum-period-reached",
            record.repair_from_on is not None and today >= record.repair_from_on,
            f"repair can be applied for from {record.repair_from_on}"
            if record.repair_from_on
            else "no repair date",
        ),
        Check(
            "still-displayed",
            today < record.display_until_on,
            f"shown until {record.display_until_on}"
            if today < record.display_until_on
            else "display has already ended: nothing left to repair",
        ),
    ]
    pending = session.execute(
        select(RepairApplication.id).where(
            RepairApplication.provider_id == record.provider_id,
            RepairApplication.source_id == record.source_id,
            RepairApplication.status.in_(OPEN_REPAIR_STATUSES),
        )
    ).first()
    checks.append(
        Check(
            "no-open-application",
            pending is None,
            "an application for this record is being handled"
            if pending
            else "no other open application",
        )
    )
    checks += _bars(session, record, settings, now)
    return Eligibility(all(c.ok for c in checks), checks, record.repair_from_on)


def eligibility_of(
    session: Session,
    record_id: uuid.UUID,
    *,
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> Eligibility:
    return eligibility(session, own_record(session, record_id, actor), settings=settings, now=now)
