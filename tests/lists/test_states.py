"""The entry lifecycle as a state machine (hypothesis): whatever the order of proposing,
notifying, publishing, withdrawing, exiting and time passing, no entry is ever published without
a notice and the end of its objection window, at most one entry per list is current, a refused
step changes nothing, and the history has one event and one audit entry per step, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from chengxin import workdays
from chengxin.audit.models import AuditEntry
from chengxin.lists import service as list_service
from chengxin.lists.errors import (
    ListEntryAlreadyOpen,
    ListEntryWrongState,
    ListObjectionWindowOpen,
)
from chengxin.lists.models import CURRENT_STATUSES, ExitReason, ListEntry, ListEntryEvent
from tests.objections.fixtures import RightsWorld, build_rights

START = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)  # before the National Day holiday
ORDER = {"proposed": 0, "notified": 1, "published": 2, "exited": 3, "withdrawn": 3}


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def test_no_path_publishes_without_notice_and_window(rw: RightsWorld) -> None:  # noqa: C901
    person = rw.aw.with_records[0]
    record_id = rw.record(person).id
    days = rw.settings.lists_objection_days

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = START
            with rw.runtime.scope() as session:  # examples share the database: carry on
                self.current: Any = session.execute(
                    select(ListEntry.id).where(ListEntry.status.in_(CURRENT_STATUSES))
                ).scalar_one_or_none()

        def _entry(self) -> ListEntry | None:
            if self.current is None:
                return None
            with rw.runtime.scope() as session:
                entry = session.get_one(ListEntry, self.current)
                session.expunge(entry)
                return entry

        def _call(self, fn: Any, **kw: Any) -> None:
            with rw.runtime.scope() as session:
                fn(session, self.current, now=self.clock, **kw)

        @rule()
        def propose(self) -> None:
            data = list_service.Proposal(
                list_type="black-tax-serious", reason="逃避追缴欠税", record_ids=[record_id]
            )
            try:
                with rw.runtime.scope() as session:
                    entry = list_service.propose(session, data, actor=rw.tax_clerk, now=self.clock)
                    self.current = entry.id
            except ListEntryAlreadyOpen:
                entry = self._entry()
                assert entry is not None
                assert entry.status in CURRENT_STATUSES

        @rule()
        def notify(self) -> None:
            entry = self._entry()
            if entry is None:
                return
            try:
                self._call(list_service.notify, actor=rw.operator, settings=rw.settings)
                assert entry.status == "proposed"
            except ListEntryWrongState:
                assert entry.status != "proposed"

        @rule()
        def publish(self) -> None:
            entry = self._entry()
            if entry is None:
                return
            try:
                self._call(list_service.publish, actor=rw.operator)
                assert entry.status == "notified"
                assert entry.objection_due_at is not None
                assert self.clock >= entry.objection_due_at
            except ListEntryWrongState:
                assert entry.status != "notified"
            except ListObjectionWindowOpen:
                assert entry.objection_due_at is not None
                assert self.clock < entry.objection_due_at
            after = self._entry()
            assert after is not None
            if after.status == entry.status:  # refused: nothing changed
                assert after.published_at == entry.published_at

        @rule()
        def withdraw(self) -> None:
            entry = self._entry()
            if entry is None:
                return
            try:
                self._call(list_service.withdraw, note="撤回测试", actor=rw.tax_clerk)
                assert entry.status in {"proposed", "notified"}
            except ListEntryWrongState:
                assert entry.status not in {"proposed", "notified"}

        @rule(reason=st.sampled_from(list(ExitReason)))
        def exit(self, reason: ExitReason) -> None:
            entry = self._entry()
            if entry is None:
                return
            try:
                self._call(list_service.exit_entry, reason=reason, actor=rw.operator)
                assert entry.status == "published"
            except ListEntryWrongState:
                assert entry.status != "published"

        @rule(hours=st.integers(min_value=1, max_value=24 * 12))
        def time_passes(self, hours: int) -> None:
            self.clock += timedelta(hours=hours)

        @invariant()
        def never_published_early(self) -> None:
            with rw.runtime.scope() as session:
                entries = list(session.execute(select(ListEntry)).scalars())
                current = [e for e in entries if e.status in CURRENT_STATUSES]
                assert len(current) <= 1
                for entry in entries:
                    events = list(
                        session.execute(
                            select(ListEntryEvent)
                            .where(ListEntryEvent.entry_id == entry.id)
                            .order_by(ListEntryEvent.seq)
                        ).scalars()
                    )
                    steps = [e.step for e in events]
                    assert steps[0] == "proposed"
                    assert [ORDER[s] for s in steps] == sorted(ORDER[s] for s in steps)
                    audited = session.execute(
                        select(func.count())
                        .select_from(AuditEntry)
                        .where(
                            AuditEntry.object_type == "list_entry",
                            AuditEntry.object_id == str(entry.id),
                        )
                    ).scalar_one()
                    assert audited == len(events)
                    if entry.published_at is not None:
                        assert steps[:3] == ["proposed", "notified", "published"]
                        assert entry.notified_at is not None
                        assert entry.objection_due_at == workdays.due_after(entry.notified_at, days)
                        assert entry.published_at >= entry.objection_due_at

    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
