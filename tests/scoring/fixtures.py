"""A small scored population: registered synthetic people, and credit records stored as the
records store keeps them (a version row and its ``created`` event), of chosen kinds and dates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update

from chengxin.catalog import service as catalog_service
from chengxin.demo import generator
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.records.models import CreditRecord, RecordEvent
from chengxin.runtime import Runtime
from chengxin.scoring import service as scoring_service
from chengxin.security.actor import system_actor
from chengxin.state import service as state_service

SYSTEM = system_actor("test")
NOW = datetime(2026, 11, 29, 4, tzinfo=UTC)  # noon in China
PROVIDER = uuid.UUID(int=7)
BATCH = uuid.UUID(int=8)
# kind code → (domain, category, severity) as in the shipped catalog
KINDS = {
    "tax-arrears": ("taxation", "dishonest", "general"),
    "court-judgment-defaulter": ("judicial", "dishonest", "serious"),
    "tax-late-filing": ("taxation", "dishonest", "minor"),
    "outstanding-volunteer": ("volunteer", "good", None),
    "moral-exemplar": ("general", "good", None),
    "credit-commitment": ("general", "basic", None),
}


@dataclass
class Population:
    runtime: Runtime
    subjects: list[uuid.UUID]
    regions: dict[uuid.UUID, str | None]

    def add_record(
        self,
        subject_id: uuid.UUID,
        kind: str,
        finding_on: date,
        *,
        until_on: date | None = None,
        status: str = "active",
    ) -> uuid.UUID:
        domain, category, severity = KINDS[kind]
        record_id = uuid.uuid4()
        with self.runtime.scope() as session:
            session.add(
                CreditRecord(
                    id=record_id,
                    subject_id=subject_id,
                    provider_id=PROVIDER,
                    source_id=record_id.hex[:16],
                    version=1,
                    kind_code=kind,
                    domain=domain,
                    category=category,
                    severity=severity,
                    catalog_version="2026.1",
                    document_no="鄂测〔2026〕1号",
                    finding_on=finding_on,
                    act_on=None,
                    notified_on=None,
                    display_months=36,
                    display_from_on=finding_on,
                    display_until_on=until_on or finding_on + timedelta(days=3 * 365),
                    repair_from_on=None,
                    status=status,
                    fields={},
                    sealed_fields=None,
                    key_id=None,
                    content_digest=record_id.bytes * 2,
                    batch_id=BATCH,
                    row_no=1,
                    received_at=NOW - timedelta(days=1),
                    ended_at=None,
                    revoke_reason=None,
                )
            )
            session.flush()
            session.add(
                RecordEvent(
                    at=NOW,
                    action="created",
                    record_id=record_id,
                    previous_id=None,
                    subject_id=subject_id,
                    provider_id=PROVIDER,
                    kind_code=kind,
                    batch_id=BATCH,
                )
            )
        return record_id

    def set_status(self, record_id: uuid.UUID, status: str, subject_id: uuid.UUID) -> None:
        """A repair or revocation as the store records it: the status mark and its event."""
        with self.runtime.scope() as session:
            session.execute(
                update(CreditRecord)
                .where(CreditRecord.id == record_id)
                .values(status=status, ended_at=NOW)
            )
            state_service.touch(session, [subject_id])  # as the records store does
            session.add(
                RecordEvent(
                    at=NOW,
                    action=status,
                    record_id=record_id,
                    previous_id=None,
                    subject_id=subject_id,
                    provider_id=PROVIDER,
                    kind_code="tax-arrears",
                    batch_id=BATCH,
                )
            )


def build_population(runtime: Runtime, count: int = 8, seed: int = 9) -> Population:
    people = list(generator.people(count, seed=seed))
    subjects: list[uuid.UUID] = []
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=SYSTEM)
        for person in people:
            prepared = identity_service.prepare_person(person.id_number, person.name, person.phone)
            subject, _ = identity_service.register(session, prepared, actor=SYSTEM)
            subjects.append(subject.id)
        regions = {s: session.get_one(Subject, s).prefecture_code for s in subjects}
    return Population(runtime, subjects, regions)


def people(count: int, seed: int = 9) -> list[Any]:
    return list(generator.people(count, seed=seed))


def latest_scores(pop: Population) -> dict[uuid.UUID, tuple[int, str, list[Any]]]:
    """Each person's current score, grade and explanation lines."""
    with pop.runtime.scope() as session:
        out = {}
        for sid in pop.subjects:
            row = scoring_service.latest(session, sid)
            assert row is not None
            out[sid] = (row.score, row.grade, row.lines)
        return out
