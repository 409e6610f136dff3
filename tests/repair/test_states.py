"""The repair workflow as a state machine (hypothesis): whatever the order of applying,
deciding, asking for and sending evidence, withdrawing and sweeping, a record is repaired exactly
when an application was approved — then it is out of every other audience's view, archived, and
cannot be applied for again — and at most one application per record is ever open."""

from __future__ import annotations

import base64
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.evidence.service import EvidenceFile
from chengxin.records.visibility import Audience, AudienceKind, visible_records
from chengxin.repair import service as repair_service
from chengxin.repair.errors import RepairClosed, RepairNotEligible
from chengxin.repair.models import (
    OPEN_REPAIR_STATUSES,
    RecordArchive,
    RepairApplication,
    RepairStatus,
)
from chengxin.security.actor import system_actor
from chengxin.workdays.days import day_of
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row

PDF = EvidenceFile("证明.pdf", "application/pdf", base64.b64encode(b"%PDF-1.4 x").decode())
_COUNTER = itertools.count()


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def test_repair_workflow_state_machine(rw: RightsWorld, tmp_path: Any) -> None:  # noqa: C901
    person = rw.aw.people[11]
    citizen = rw.citizen(person)

    class Repairs(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.source = f"RP-{next(_COUNTER)}"
            assert rw.push(tmp_path, [old_tax_row(person, self.source)], self.source).created == 1
            self.record_id = rw.record(person, self.source).id
            self.current: Any = None  # the latest application
            self.status: str | None = None
            self.approved = False

        @rule()
        def apply(self) -> None:
            with rw.runtime.scope() as session:
                try:
                    application = repair_service.apply(
                        session,
                        record_id=self.record_id,
                        basis=repair_service.RepairBasis.OBLIGATION_PERFORMED,
                        explanation="已履行全部义务",
                        commitment_accepted=True,
                        evidence=[PDF],
                        actor=citizen,
                        settings=rw.settings,
                    )
                except RepairNotEligible:
                    assert self.approved or self.status in OPEN_REPAIR_STATUSES
                    return
            assert not self.approved
            assert self.status not in OPEN_REPAIR_STATUSES
            self.current, self.status = application.id, RepairStatus.RECEIVED.value

        @rule(
            outcome=st.sampled_from(
                [RepairStatus.APPROVED, RepairStatus.REFUSED, RepairStatus.NEEDS_EVIDENCE]
            )
        )
        def decide(self, outcome: RepairStatus) -> None:
            if self.current is None:
                return
            with rw.runtime.scope() as session:
                try:
                    repair_service.decide(
                        session,
                        self.current,
                        outcome=outcome,
                        reasons="经核查作出决定",
                        actor=rw.tax_clerk,
                    )
                except RepairClosed:
                    assert self.status != RepairStatus.RECEIVED.value
                    return
            assert self.status == RepairStatus.RECEIVED.value
            self.status = outcome.value
            self.approved = self.approved or outcome is RepairStatus.APPROVED

        @rule()
        def send_evidence(self) -> None:
            if self.current is None:
                return
            with rw.runtime.scope() as session:
                try:
                    repair_service.add_evidence(
                        session, self.current, evidence=[PDF], actor=citizen, settings=rw.settings
                    )
                except RepairClosed:
                    assert self.status != RepairStatus.NEEDS_EVIDENCE.value
                    return
            assert self.status == RepairStatus.NEEDS_EVIDENCE.value
            self.status = RepairStatus.RECEIVED.value

        @rule()
        def withdraw(self) -> None:
            if self.current is None:
                return
            with rw.runtime.scope() as session:
                try:
                    repair_service.withdraw(session, self.current, actor=citizen)
                except RepairClosed:
                    assert self.status not in OPEN_REPAIR_STATUSES
                    return
            self.status = RepairStatus.WITHDRAWN.value

        @rule()
        def sweep(self) -> None:
            with rw.runtime.scope() as session:
                repair_service.sweep(session, actor=system_actor("sweep"))

        @invariant()
        def repaired_exactly_when_approved(self) -> None:
            record = rw.record(person, self.source)
            with rw.runtime.scope() as session:
                _, document = catalog_service.active_document(session)
                shown = [
                    r.id
                    for r in visible_records(
                        session,
                        document,
                        [record.subject_id],
                        Audience(AudienceKind.GOVERNMENT),
                        day_of(utcnow()),
                    )
                ]
                archived = session.get(RecordArchive, self.record_id) is not None
                open_count = session.execute(
                    select(func.count()).where(
                        RepairApplication.source_id == self.source,
                        RepairApplication.status.in_(OPEN_REPAIR_STATUSES),
                    )
                ).scalar_one()
            assert (record.status == "repaired") == self.approved
            assert (self.record_id in shown) == (not self.approved)
            assert archived == self.approved
            assert open_count == int(self.status in OPEN_REPAIR_STATUSES)

    run_state_machine_as_test(
        Repairs,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
