"""The objection workflow as a state machine (hypothesis): whatever the order of filing,
forwarding, deciding, correcting and withdrawing, the dispute mark shows exactly while an
objection is open, at most one is open per record, a closed case refuses another decision, a
deletion revokes the record, and every step is in the audit log."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from chengxin.audit.models import AuditEntry
from chengxin.objections import disputes
from chengxin.objections import service as objection_service
from chengxin.objections.errors import (
    ObjectionAlreadyOpen,
    ObjectionClosed,
    ObjectionRecordNotCurrent,
)
from chengxin.objections.models import ObjectionOutcome
from chengxin.records.models import CreditRecord
from chengxin.security.actor import system_actor
from tests.ingestion.fixtures import tax_row
from tests.objections.fixtures import RightsWorld, build_rights

_COUNTER = itertools.count()


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def test_objection_workflow_state_machine(rw: RightsWorld, tmp_path: Any) -> None:  # noqa: C901
    person = rw.aw.people[11]
    citizen = rw.citizen(person)

    class Objections(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.source = f"SM-{next(_COUNTER)}"
            self.amount = 100
            assert (
                rw.push(tmp_path, [tax_row(person, self.source, amount="100")], self.source).created
                == 1
            )
            self.open: Any = None  # the open objection's id
            self.closed: list[Any] = []
            self.deleted = False
            self.steps = 0

        def _record(self) -> CreditRecord:
            return rw.record(person, self.source)

        @rule()
        def file(self) -> None:
            record = self._record()
            with rw.runtime.scope() as session:
                try:
                    objection = objection_service.file(
                        session,
                        record_id=record.id,
                        reason="记录与事实不符",
                        evidence=[],
                        actor=citizen,
                        settings=rw.settings,
                    )
                except ObjectionAlreadyOpen:
                    assert self.open is not None
                    return
                except ObjectionRecordNotCurrent:
                    assert self.deleted
                    return
            assert self.open is None
            assert not self.deleted
            self.open = objection.id
            self.steps += 1

        @rule()
        def sweep(self) -> None:
            with rw.runtime.scope() as session:
                objection_service.sweep(session, actor=system_actor("sweep"))

        @rule(outcome=st.sampled_from(list(ObjectionOutcome)))
        def decide(self, outcome: ObjectionOutcome) -> None:
            target = self.open if self.open is not None else (self.closed or [None])[-1]
            if target is None:
                return
            corrected = None
            if outcome is ObjectionOutcome.CORRECTED and self.open is not None:
                self.amount += 1
                rows = [tax_row(person, self.source, amount=str(self.amount))]
                batch = rw.push(tmp_path, rows, f"{self.source}-{self.amount}")
                assert batch.corrected == 1
                corrected = self._record().id
            with rw.runtime.scope() as session:
                try:
                    objection_service.decide(
                        session,
                        target,
                        outcome=outcome,
                        note="核查完毕",
                        actor=rw.tax_clerk,
                        corrected_record_id=corrected,
                        settings=rw.settings,
                    )
                except ObjectionClosed:
                    assert self.open is None
                    return
            assert self.open == target
            self.closed.append(self.open)
            self.open = None
            self.deleted = self.deleted or outcome is ObjectionOutcome.DELETED
            self.steps += 1

        @rule()
        def withdraw(self) -> None:
            if self.open is None:
                return
            with rw.runtime.scope() as session:
                objection_service.withdraw(session, self.open, actor=citizen)
            self.closed.append(self.open)
            self.open = None
            self.steps += 1

        @invariant()
        def the_mark_shows_exactly_while_open(self) -> None:
            record = self._record()
            with rw.runtime.scope() as session:
                versions = session.execute(
                    select(CreditRecord.id).where(CreditRecord.source_id == self.source)
                ).scalars()
                shown = disputes.open_disputes(session, list(versions))
            assert bool(shown) == (self.open is not None)
            assert (record.status == "revoked") == self.deleted

        @invariant()
        def every_step_is_logged(self) -> None:
            with rw.runtime.scope() as session:
                ids = [str(i) for i in [*self.closed, self.open] if i is not None]
                logged = session.execute(
                    select(func.count()).where(
                        AuditEntry.object_id.in_(ids),
                        AuditEntry.action.in_(
                            (
                                "objections:objection:file",
                                "objections:objection:decide",
                                "objections:objection:withdraw",
                            )
                        ),
                    )
                ).scalar_one()
            assert logged == self.steps

    run_state_machine_as_test(
        Objections,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
