"""The stored credit state against the rule, under random sequences of events (issue 16).

A Hypothesis state machine pushes, corrects and revokes records, files and withdraws objections,
puts persons on lists and takes them off, and lets days pass (the worker's sweeps run). After
every step, at the machine's clock: every stored row is what the rule gives for its facts, a
rebuild finds nothing to change, and the check, the public list, the person's own report, a
government report and the stored state agree on memberships, displayed records and dispute
marks. On SQLite and on PostgreSQL (``--db=postgresql``). The citizen pages count with the own
report's summary (``reports.listing.own_summary``; tests/scenarios/test_issue16_own_view.py).

The clock is simulated: services take ``now``, and the clocks that stamp events without one (the
state's, the exchange's) are set to it, as the worker's jobs run at it.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from chengxin.access import policy
from chengxin.access.scenes import Scene
from chengxin.catalog import service as catalog_service
from chengxin.checks import service as check_service
from chengxin.errors import DomainError
from chengxin.identity.resolve import PersonAsked
from chengxin.ingestion.service import _intake as intake
from chengxin.lists import public as public_lists
from chengxin.lists import service as list_service
from chengxin.lists.models import ExitReason, ListEntry
from chengxin.objections import service as objection_service
from chengxin.objections.models import Objection
from chengxin.records.models import CreditRecord
from chengxin.records.visibility import AudienceKind, shareable_kinds
from chengxin.reports import service as report_service
from chengxin.reports.content import RecordMark
from chengxin.settings import Settings
from chengxin.state import facts as state_facts
from chengxin.state import service as state_service
from chengxin.state.models import CreditStateRow
from chengxin.state.rule import decode, state_of
from chengxin.workdays.days import day_of
from tests.access.fixtures import citizen
from tests.checks.fixtures import PURPOSE, CheckWorld, build_checks
from tests.ingestion.fixtures import HEADER, csv_data, ingest_bytes, tax_row
from tests.lists.fixtures import OPERATOR, listed

# Ingestion refuses finding dates after the real today: the simulated clock runs between the
# checking body's permission list (from 2026-01-01) and now.
REAL_NOW = datetime.now(UTC)
START = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)
SERIOUS_MONTHS = 36  # the test catalog's tax-arrears default period
_sources = itertools.count(1)


@pytest.fixture
def cw(runtime: Any, tmp_path: Any, settings: Settings) -> CheckWorld:
    return build_checks(runtime, tmp_path, settings)


def _forget(runtime: Any, sids: list[uuid.UUID]) -> None:
    """Remove the pool's facts and states (test data only) so that examples are independent."""
    with runtime.scope() as session:
        for table, column in (
            (CreditRecord, CreditRecord.subject_id),
            (Objection, Objection.subject_id),
            (ListEntry, ListEntry.subject_id),
            (CreditStateRow, CreditStateRow.subject_id),
        ):
            session.execute(delete(table).where(column.in_(sids)))


@dataclass
class World:
    """What the machine acts on: the check world, its pool of persons, and the clock."""

    cw: CheckWorld
    tmp_path: Any
    pool: list[Any]
    sids: list[uuid.UUID]
    clock: list[datetime]
    kinds: frozenset[str]  # what the checking body's permission list shows it (scene)

    @property
    def now(self) -> datetime:
        return self.clock[0]

    def current(self, source: str) -> Any:
        with self.cw.runtime.scope() as session:
            found = session.execute(
                select(CreditRecord)
                .where(CreditRecord.source_id == source)
                .order_by(CreditRecord.version.desc())
                .limit(1)
            ).scalar_one_or_none()
            if found is not None:
                session.expunge(found)
            return found


WHO = st.integers(0, 4)  # the pool's five persons


class Machine(RuleBasedStateMachine):
    """Events and days passing; after every step the invariants below."""

    world: World  # set by the test before it runs
    done: Counter[str]  # what the run did (set by the test; it asserts the events happened)
    records = Bundle("records")
    entries = Bundle("entries")
    objections = Bundle("objections")

    def __init__(self) -> None:
        super().__init__()
        self.w = type(self).world
        self.w.clock[0] = START
        _forget(self.w.cw.runtime, self.w.sids)  # each example starts from persons without facts

    # -- events ------------------------------------------------------------------------------

    @rule(target=records, who=WHO, days_back=st.integers(0, SERIOUS_MONTHS * 31 + 40))
    def push(self, who: int, days_back: int) -> tuple[int, str]:
        """A record found ``days_back`` days ago: some are past their window on arrival, others
        end while the machine runs."""
        found = day_of(self.w.now) - timedelta(days=days_back)
        source = f"M{next(_sources)}"
        row = tax_row(
            self.w.pool[who], source, 认定日期=f"{found}", 行为日期=f"{found}", 告知日期=f"{found}"
        )
        batch = ingest_bytes(self.w.cw.aw.world, csv_data([row]), self.w.tmp_path, name=source)
        assert batch.created == 1, batch
        self.done["push"] += 1
        return who, source

    @rule(record=records, amount=st.integers(1, 10**6))
    def correct(self, record: tuple[int, str], amount: int) -> None:
        who, source = record
        current = self.w.current(source)
        if current is None or current.status != "active":
            return
        day = f"{current.finding_on}"
        row = tax_row(
            self.w.pool[who], source, amount=str(amount), 认定日期=day, 行为日期=day, 告知日期=day
        )
        ingest_bytes(
            self.w.cw.aw.world, csv_data([row]), self.w.tmp_path, name=f"{source}-c{amount}"
        )
        self.done["correct"] += 1

    @rule(record=consumes(records))
    def revoke(self, record: tuple[int, str]) -> None:
        """The provider revokes the record (ingestion's revocation row)."""
        who, source = record
        current = self.w.current(source)
        if current is None or current.status != "active":
            return
        del who
        row = {"源记录编号": source, "操作": "撤销", "撤销原因": "认定有误，予以撤销"}
        ingest_bytes(
            self.w.cw.aw.world,
            csv_data([row], header=(*HEADER, "操作", "撤销原因")),
            self.w.tmp_path,
            name=f"{source}-r",
        )
        self.done["revoke"] += 1

    @rule(target=objections, record=records)
    def object(self, record: tuple[int, str]) -> uuid.UUID | None:
        current = self.w.current(record[1])
        if current is None:
            return None
        try:
            with self.w.cw.runtime.scope() as session:
                filed = objection_service.file(
                    session,
                    record_id=current.id,
                    reason="欠税已于认定前缴清，记录有误",
                    evidence=[],
                    actor=citizen(self.w.sids[record[0]]),
                    settings=self.w.cw.settings,
                    now=self.w.now,
                ).id
        except DomainError:
            return None  # e.g. an objection to this record is already open
        self.done["object"] += 1
        return filed

    @rule(objection=consumes(objections))
    def withdraw(self, objection: uuid.UUID | None) -> None:
        if objection is None:
            return
        with self.w.cw.runtime.scope() as session, suppress(DomainError):
            found = objection_service.get(session, objection, actor=OPERATOR)
            objection_service.withdraw(
                session, objection, now=self.w.now, actor=citizen(found.subject_id)
            )

    @rule(target=entries, who=WHO)
    def list_on_document(self, who: int) -> uuid.UUID | None:
        """A court's 失信被执行人 entry on its finding document (no records)."""
        return self._list(who, "black-judgment-defaulter", [])

    @rule(target=entries, record=records)
    def list_on_record(self, record: tuple[int, str]) -> uuid.UUID | None:
        """A tax list entry resting on one of the person's records."""
        current = self.w.current(record[1])
        if current is None:
            return None
        return self._list(record[0], "black-tax-serious", [current.id])

    def _list(self, who: int, list_type: str, records: list[uuid.UUID]) -> uuid.UUID | None:
        try:
            entry = listed(
                self.w.cw.runtime, self.w.sids[who], list_type, now=self.w.now, record_ids=records
            ).id
        except DomainError:
            return None  # already listed, a record not current or in dispute, …
        self.done["list_on_records" if records else "list"] += 1
        return entry

    @rule(entry=consumes(entries))
    def exit_entry(self, entry: uuid.UUID | None) -> None:
        if entry is None:
            return
        with self.w.cw.runtime.scope() as session, suppress(DomainError):
            list_service.exit_entry(
                session, entry, reason=ExitReason.PERFORMED, actor=OPERATOR, now=self.w.now
            )

    @rule(days=st.sampled_from((1, 7, 30, 90)))
    def days_pass(self, days: int) -> None:
        if self.w.now + timedelta(days=days + 1) > REAL_NOW:
            return
        self.w.clock[0] = self.w.now + timedelta(days=days)
        self.done["days_pass"] += 1
        runtime = self.w.cw.runtime
        with runtime.scope() as session:  # the worker's sweeps, at the new time
            list_service.sweep(session, actor=OPERATOR, now=self.w.now)
        with runtime.scope() as session:
            state_service.sweep(session, now=self.w.now)

    # -- what must hold after every step -------------------------------------------------------

    @invariant()
    def stored_rows_are_the_rule(self) -> None:
        sids = self.w.sids
        with self.w.cw.runtime.scope() as session:
            loaded = state_facts.load(session, sids)
            rows = {
                r.subject_id: r
                for r in session.execute(
                    select(CreditStateRow).where(CreditStateRow.subject_id.in_(sids))
                ).scalars()
            }
            report = state_service.rebuild(session, check=True, now=self.w.now)
            for sid in sids:
                row = rows.get(sid)
                if loaded[sid].empty:
                    assert row is None
                    continue
                assert row is not None, "a person with facts has no stored state"
                assert decode(row.state) == state_of(loaded[sid], row.as_of)
                # Valid now (the sweep ran), or recomputed by readers until it does.
                read = state_service.state(session, sid, at=self.w.now)
                assert read == state_of(loaded[sid], self.w.now)
        assert (report.differing, report.missing, report.extra) == (0, 0, 0), report

    @invariant()
    def views_agree(self) -> None:
        sids, pool = self.w.sids, self.w.pool
        with self.w.cw.runtime.scope() as session:
            states = state_service.states(session, sids, at=self.w.now)
            outcome = check_service.run(
                session,
                scene=Scene.ADMINISTRATIVE_LICENSING,
                purpose=PURPOSE,
                persons=[PersonAsked(p.id_number, p.name) for p in pool],
                settings=self.w.cw.settings,
                actor=self.w.cw.licensing,
                now=self.w.now,
            )
            page = public_lists.entries(session, limit=1000, now=self.w.now)
            public = {e.reference for e in page.items if e.subject_id in set(sids)}
            reports = [
                self._reports(session, person, sid) for person, sid in zip(pool, sids, strict=True)
            ]
        own = set()
        for sid, result, (mine, official) in zip(sids, outcome.results, reports, strict=True):
            state = states[sid]
            listed = [m.reference for m in state.memberships]
            assert [m.reference for m in result.memberships] == listed
            assert set(result.disputed_records) <= set(state.disputed)
            own |= {m.reference for m in state.memberships if m.via_organization is None}
            # The person's own report and a government report: the same lists, the displayed
            # records the state holds (narrowed to the body's kinds), the same dispute marks.
            for report, kinds in ((mine, None), (official, self.w.kinds)):
                if report is None:
                    continue  # held for review
                assert [m.reference for m in report.memberships] == listed
                shown = {r.id for r in state.visible(kinds)}
                lines = report.good + report.dishonest + report.basic
                assert {r.id for r in lines if RecordMark.DISPLAYED in r.marks} == shown
                marked = {r.id for r in lines if RecordMark.IN_DISPUTE in r.marks}
                assert marked == {r.id for r in lines} & set(state.disputed)
        assert public == own, "the public list and the state disagree"

    def _reports(self, session: Any, person: Any, sid: uuid.UUID) -> tuple[Any, Any]:
        """The person's own report and the checking body's government report, now."""
        mine = report_service.issue_for_subject(session, actor=citizen(sid), now=self.w.now)
        request = report_service.ReportRequest(
            person.id_number, person.name, Scene.ADMINISTRATIVE_LICENSING, PURPOSE
        )
        settings = self.w.cw.settings.model_copy(update={"access_review_new_scene": False})
        official = report_service.issue_for_organization(
            session, request, settings=settings, actor=self.w.cw.licensing, now=self.w.now
        )
        if isinstance(official, report_service.Held):
            return mine.report, None
        self.done["government_report"] += 1
        return mine.report, official.report


def test_the_stored_state_is_the_rule_under_random_events(
    cw: CheckWorld, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [START]
    # The clocks that stamp the machine's events: the state's own, and the exchange's (a record
    # version's received and ended moments).
    monkeypatch.setattr(state_service, "utcnow", lambda: clock[0])
    monkeypatch.setattr(intake, "utcnow", lambda: clock[0])
    pool = cw.people[12:17]
    with cw.runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        assert cw.licensing.organization_id is not None
        kinds = policy.permitted_kinds(
            session,
            document,
            cw.licensing.organization_id,
            Scene.ADMINISTRATIVE_LICENSING,
            day_of(START),
        )
        kinds &= shareable_kinds(document, AudienceKind.GOVERNMENT)
    Machine.world = World(cw, tmp_path, pool, [cw.sid(p) for p in pool], clock, kinds)
    Machine.done = Counter()
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The run did exercise every kind of event (a machine that only starts proves nothing).
    wanted = (
        "push",
        "correct",
        "revoke",
        "object",
        "list",
        "list_on_records",
        "days_pass",
        "government_report",
    )
    assert all(Machine.done[k] > 0 for k in wanted), Machine.done
