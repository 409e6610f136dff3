"""A month of activity (November 2026) built through the real services: the tax office and the
education office push records on time and late (one row rejected, some without a notice date),
citizens file objections the tax office decides on time, late, or not at all.

November 2026 has no holiday: its working days are 2–6, 9–13, 16–20, 23–27 and 30 November.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.identity import resolve as identity_resolve
from chengxin.ingestion.service import _intake as intake
from chengxin.objections import service as objection_service
from chengxin.objections.models import ObjectionOutcome
from chengxin.records.models import CreditRecord
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.roles import ROLE_PERMISSIONS, Role
from tests.access.fixtures import citizen
from tests.ingestion.fixtures import World, build_world, csv_data, ingest_bytes, tax_row

SYSTEM = system_actor("test")


def beijing(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock in Beijing on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)


OCT30 = beijing(date(2026, 10, 30))
NOV02 = beijing(date(2026, 11, 2))
NOV04 = beijing(date(2026, 11, 4))
NOV10 = beijing(date(2026, 11, 10))
NOV12 = beijing(date(2026, 11, 12))
NOV27 = beijing(date(2026, 11, 27))
DEC01 = beijing(date(2026, 12, 1))  # the November assessment is issued then
DEC02 = beijing(date(2026, 12, 2))


def exam_row(person: Any, source_id: str, finding: str, notified: str) -> dict[str, str]:
    return {
        "源记录编号": source_id,
        "信息事项代码": "exam-cheating",
        "身份证号码": person.id_number,
        "姓名": person.name,
        "决定文书号": f"鄂教〔2026〕{source_id}号",
        "认定日期": finding,
        "行为日期": finding,
        "告知日期": notified,
        "exam": "测试考试",
    }


def clerk(name: str, organization_id: uuid.UUID) -> Actor:
    return Actor(ActorKind.USER, name, name, organization_id, ROLE_PERMISSIONS[Role.PROVIDER_CLERK])


@dataclass
class Month:
    """What the test built, with the facts the figures must count (worked out by hand)."""

    world: World
    clock: list[datetime]
    sources: dict[str, uuid.UUID] = field(default_factory=dict)  # source id → version-1 record
    objections: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def runtime(self) -> Runtime:
        return self.world.runtime

    def push(
        self,
        tmp_path: Any,
        at: datetime,
        rows: list[dict[str, str]],
        *,
        actor: Actor | None = None,
        name: str,
    ) -> Any:
        self.clock[0] = at
        batch = ingest_bytes(self.world, csv_data(rows), tmp_path, actor=actor, name=name)
        with self.runtime.scope() as session:
            for source_id, record_id in session.execute(
                select(CreditRecord.source_id, CreditRecord.id).where(
                    CreditRecord.batch_id == batch.id, CreditRecord.version == 1
                )
            ).all():
                self.sources[source_id] = record_id
        return batch

    def file(self, key: str, source_id: str, at: datetime) -> uuid.UUID:
        with self.runtime.scope() as session:
            record = session.get(CreditRecord, self.sources[source_id])
            assert record is not None
            objection = objection_service.file(
                session,
                record_id=record.id,
                reason="记录有误",
                evidence=[],
                actor=citizen(record.subject_id),
                settings=self.runtime.settings,
                now=at,
            )
            self.objections[key] = objection.id
            return objection.id

    def decide(self, key: str, at: datetime) -> None:
        with self.runtime.scope() as session:
            objection_service.decide(
                session,
                self.objections[key],
                outcome=ObjectionOutcome.UPHELD,
                note="已与原始文书核对",
                actor=clerk("tax-clerk", self.world.tax_org_id),
                settings=self.runtime.settings,
                now=at,
            )


def build_month(runtime: Runtime, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Month:
    """The November of the module docstring; the ingestion clock is the test's."""
    clock = [OCT30]
    monkeypatch.setattr(intake, "utcnow", lambda: clock[0])
    world = build_world(runtime)
    month = Month(world, clock)
    p = world.people
    # Before the period (30 Oct): the records the objections are about.
    month.push(
        tmp_path,
        OCT30,
        [tax_row(p[i], f"O{i}", 认定日期="2026-10-28") for i in range(4)],
        name="october",
    )
    # 10 Nov, tax: T1–T3 found 2 Nov (due the 7th working day after: 11 Nov) on time; T4, T5
    # found 20 Oct (due 29 Oct) late; T6 without the notice date and T7 with a bad ID number
    # are rejected (T6 counts as a dishonest finding pushed without its notice).
    on_time = {"认定日期": "2026-11-02", "行为日期": "2026-10-15", "告知日期": "2026-11-03"}
    late = {"认定日期": "2026-10-20", "行为日期": "2026-10-15", "告知日期": "2026-10-21"}
    rows = [tax_row(p[4 + i], f"T{i + 1}", **on_time) for i in range(3)]
    rows += [tax_row(p[7], "T4", **late), tax_row(p[8], "T5", **late)]
    rows += [tax_row(p[9], "T6", **{**on_time, "告知日期": ""})]
    rows += [tax_row(p[10], "T7", **{**on_time, "身份证号码": "420101199001011234"})]
    month.push(tmp_path, NOV10, rows, name="tax-november")
    # 12 Nov, education: E1 found 11 Nov without a notice date (rejected), E2 found 1 Sep (late),
    # E3 found 11 Nov (on time).
    month.push(
        tmp_path,
        NOV12,
        [
            exam_row(p[11], "E1", "2026-11-11", ""),
            exam_row(p[12], "E2", "2026-09-01", "2026-09-05"),
            exam_row(p[13], "E3", "2026-11-11", "2026-11-11"),
        ],
        actor=world.education,
        name="education-november",
    )
    # Objections to the tax office (7 working days: filed 2 Nov, due at the end of 11 Nov).
    month.file("on_time", "O0", NOV02)
    month.decide("on_time", NOV04)
    month.file("late", "O1", NOV02)
    month.decide("late", NOV27)
    month.file("open", "O2", NOV02)  # still open on 1 Dec: overdue
    month.file("not_due", "O3", NOV27)  # due in December: not counted in November
    return month


def subject_of(runtime: Runtime, person: Any) -> uuid.UUID:
    with runtime.scope() as session:
        return identity_resolve.subject_of(session, person.id_number, person.name)
