"""The expiry sweep: display ends by an explicit ``expired`` change event exactly at the boundary
day (in China), once per current version, with one audit entry per sweep and a watermark."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from chengxin.audit.models import AuditEntry
from chengxin.records import expiry
from chengxin.records.models import CreditRecord, RecordEvent, SweepMark
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.workdays.days import CHINA, day_of
from tests.ingestion.fixtures import build_world, csv_data, ingest_bytes, tax_row

D = date(2026, 11, 28)


def china(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A moment given in China time, as the UTC datetime the sweep receives."""
    return datetime.combine(day, time(hour, minute), CHINA).astimezone(UTC)


def add_record(
    session: Session, until: date, *, status: str = "active", received: datetime | None = None
) -> CreditRecord:
    """A version with its ``created`` event, as ingestion writes them."""
    received = received or datetime(2026, 1, 1, tzinfo=UTC)
    record = CreditRecord(
        id=uuid.uuid4(),
        subject_id=uuid.uuid4(),
        provider_id=uuid.uuid4(),
        source_id=uuid.uuid4().hex,
        version=1,
        kind_code="tax-arrears",
        domain="taxation",
        category="dishonest",
        severity="serious",
        catalog_version="2026.1",
        document_no="鄂税〔2026〕1号",
        finding_on=until - timedelta(days=365),
        display_months=12,
        display_from_on=until - timedelta(days=365),
        display_until_on=until,
        status=status,
        fields={},
        content_digest=b"\0" * 32,
        batch_id=uuid.uuid4(),
        row_no=1,
        received_at=received,
        ended_at=None if status == "active" else received,
    )
    session.add(record)
    session.add(
        RecordEvent(
            at=received,
            action="created",
            record_id=record.id,
            subject_id=record.subject_id,
            provider_id=record.provider_id,
            kind_code=record.kind_code,
            batch_id=record.batch_id,
        )
    )
    session.flush()
    return record


def expired_of(session: Session) -> dict[uuid.UUID, int]:
    """How many ``expired`` events each record id has."""
    rows = session.execute(
        select(RecordEvent.record_id, func.count())
        .where(RecordEvent.action == "expired")
        .group_by(RecordEvent.record_id)
    ).all()
    return {record_id: int(n) for record_id, n in rows}


def sweep_entries(session: Session) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == expiry.AUDIT_ACTION)
    return list(session.execute(query.order_by(AuditEntry.seq)).scalars())


def test_a_record_is_expired_by_the_first_sweep_on_its_until_day_in_china(session: Session) -> None:
    record = add_record(session, D)
    expiry.sweep(session, now=china(D - timedelta(days=3)))  # the first sweep sets the mark

    before = expiry.sweep(session, now=china(D - timedelta(days=1), 23, 59))
    assert before.expired == 0
    assert before.through_on == D - timedelta(days=1)
    assert expired_of(session) == {}

    at = china(D)  # 00:00 in China is 16:00 UTC the day before
    assert at.date() == D - timedelta(days=1)
    result = expiry.sweep(session, now=at)
    assert (result.from_on, result.through_on, result.expired, result.complete) == (D, D, 1, True)
    assert expired_of(session) == {record.id: 1}
    event = session.execute(select(RecordEvent).where(RecordEvent.action == "expired")).scalar_one()
    assert (event.subject_id, event.provider_id, event.kind_code, event.batch_id) == (
        record.subject_id,
        record.provider_id,
        record.kind_code,
        record.batch_id,
    )
    assert event.at == at
    assert event.previous_id is None


def test_a_second_sweep_on_the_same_day_adds_nothing(session: Session) -> None:
    add_record(session, D)
    first = expiry.sweep(session, now=china(D, 1))
    events = session.execute(select(func.count()).select_from(RecordEvent)).scalar_one()
    entries = len(sweep_entries(session))

    second = expiry.sweep(session, now=china(D, 23, 59))
    assert first.expired == 1
    assert (second.expired, second.from_on, second.through_on) == (0, None, D)
    assert session.execute(select(func.count()).select_from(RecordEvent)).scalar_one() == events
    assert len(sweep_entries(session)) == entries  # not even an audit entry
    # A moment earlier than the watermark never moves it back.
    assert expiry.sweep(session, now=china(D - timedelta(days=5))).through_on == D


def test_superseded_and_revoked_versions_never_get_an_expired_event(session: Session) -> None:
    superseded = add_record(session, D - timedelta(days=2), status="superseded")
    revoked = add_record(session, D - timedelta(days=1), status="revoked")
    active = add_record(session, D - timedelta(days=1))
    expiry.sweep(session, now=china(D))
    assert expired_of(session) == {active.id: 1}
    assert superseded.id not in expired_of(session)
    assert revoked.id not in expired_of(session)


def test_a_version_ended_after_its_expiry_keeps_its_one_event(session: Session) -> None:
    record = add_record(session, D)
    expiry.sweep(session, now=china(D))
    record.status, record.ended_at = "superseded", china(D, 9)
    session.flush()
    expiry.sweep(session, now=china(D + timedelta(days=3)))
    assert expired_of(session) == {record.id: 1}


def test_the_first_sweep_starts_at_the_earliest_until_day(session: Session) -> None:
    old = add_record(session, date(2019, 5, 31))
    recent = add_record(session, D - timedelta(days=10))
    future = add_record(session, D + timedelta(days=1))
    result = expiry.sweep(session, now=china(D, 8))
    assert (result.from_on, result.through_on) == (date(2019, 5, 31), D)
    assert expired_of(session) == {old.id: 1, recent.id: 1}
    assert future.id not in expired_of(session)


def test_the_first_sweep_of_an_empty_store_sets_the_watermark_to_today(session: Session) -> None:
    result = expiry.sweep(session, now=china(D))
    assert (result.from_on, result.through_on, result.expired, result.complete) == (
        None,
        D,
        0,
        True,
    )
    assert session.get(SweepMark, expiry.MARK) is not None


def test_the_watermark_advances_with_each_sweep(session: Session) -> None:
    expiry.sweep(session, now=china(D))
    for days in (1, 2, 5):
        expiry.sweep(session, now=china(D + timedelta(days=days), 0, 1))
        mark = session.get(SweepMark, expiry.MARK)
        assert mark is not None
        assert mark.through_on == D + timedelta(days=days)
        assert mark.swept_at == china(D + timedelta(days=days), 0, 1)


def test_a_sweep_that_missed_days_catches_up_in_until_day_order(session: Session) -> None:
    expiry.sweep(session, now=china(D))
    days = [D + timedelta(days=n) for n in (20, 3, 1, 11, 40)]
    records = {add_record(session, day).id: day for day in days}
    result = expiry.sweep(session, now=china(D + timedelta(days=30)))  # 30 days missed
    assert result.from_on == D + timedelta(days=1)
    assert result.through_on == D + timedelta(days=30)
    assert result.expired == 4
    ordered = session.execute(
        select(RecordEvent.record_id)
        .where(RecordEvent.action == "expired")
        .order_by(RecordEvent.seq)
    ).scalars()
    assert [records[i] for i in ordered] == sorted(d for d in days if d <= result.through_on)


def test_a_limit_stops_at_a_chunk_boundary_and_the_next_sweep_continues(session: Session) -> None:
    expiry.sweep(session, now=china(D))
    for n in range(1, 30):
        add_record(session, D + timedelta(days=n))
    now = china(D + timedelta(days=40))
    first = expiry.sweep(session, now=now, limit=1)
    assert not first.complete
    assert first.expired == expiry.CHUNK_DAYS
    assert first.through_on == D + timedelta(days=expiry.CHUNK_DAYS)
    results = [first]
    while not results[-1].complete:
        results.append(expiry.sweep(session, now=now, limit=10))
    assert results[-1].through_on == D + timedelta(days=40)
    assert sum(r.expired for r in results) == 29
    assert set(expired_of(session).values()) == {1}


def test_a_version_arriving_after_its_day_was_swept_is_expired_late(session: Session) -> None:
    expiry.sweep(session, now=china(D))
    backdated = add_record(session, D - timedelta(days=400), received=china(D, 10))
    today = add_record(session, D, received=china(D, 10))
    not_yet = add_record(session, D + timedelta(days=1), received=china(D, 10))
    superseded = add_record(session, D - timedelta(days=3), status="superseded")
    result = expiry.sweep(session, now=china(D, 23))
    assert (result.expired, result.late, result.from_on, result.through_on) == (2, 2, None, D)
    assert expired_of(session) == {backdated.id: 1, today.id: 1}
    assert not_yet.id not in expired_of(session)
    assert superseded.id not in expired_of(session)
    assert expiry.sweep(session, now=china(D, 23, 30)).expired == 0


def test_one_audit_entry_per_sweep_with_counts_and_days_only(session: Session) -> None:
    records = [add_record(session, D - timedelta(days=n)) for n in range(3)]
    actor = system_actor("jobs")
    expiry.sweep(session, now=china(D), actor=actor)
    [entry] = sweep_entries(session)
    assert (entry.object_type, entry.object_id, entry.actor_name) == (
        "sweep",
        expiry.MARK,
        "system:jobs",
    )
    assert entry.subject_id is None
    data = entry.data or {}
    assert data["expired"] == 3
    assert data["late"] == 0
    assert data["through_on"] == D.isoformat()
    assert data["from_on"] == (D - timedelta(days=2)).isoformat()
    assert data["last_seq"] - data["first_seq"] == 2
    seqs = session.execute(select(RecordEvent.seq).where(RecordEvent.action == "expired")).scalars()
    assert set(seqs) == set(range(data["first_seq"], data["last_seq"] + 1))
    dumped = json.dumps(data) + (entry.message or "")
    for record in records:  # no person, record or provider is named
        for value in (record.subject_id, record.id, record.provider_id):
            assert str(value) not in dumped
    assert set(data) == {
        "day",
        "from_on",
        "through_on",
        "expired",
        "late",
        "complete",
        "first_seq",
        "last_seq",
    }


def test_the_sweep_through_ingestion_and_a_late_correction(runtime: Runtime, tmp_path: Any) -> None:
    """End to end: records stored by ingestion (COPY on PostgreSQL), expired on their until-day;
    a correction received after that day is a new current version, expired by the next sweep."""
    world = build_world(runtime, n_people=3)
    person = world.people[0]
    ingest_bytes(world, csv_data([tax_row(person, "S1")]), tmp_path)
    with runtime.scope() as session:
        record = session.execute(select(CreditRecord)).scalar_one()
        until = record.display_until_on
        assert expiry.sweep(session, now=china(until - timedelta(days=1), 23, 59)).expired == 0
        assert expiry.sweep(session, now=china(until)).expired == 1
    corrected = ingest_bytes(world, csv_data([tax_row(person, "S1", amount="2")]), tmp_path)
    assert corrected.corrected == 1
    with runtime.scope() as session:
        result = expiry.sweep(session, now=china(until + timedelta(days=1)))
        assert (result.expired, result.late) == (1, 1)
        versions = session.execute(select(CreditRecord.id)).scalars().all()
        assert expired_of(session) == dict.fromkeys(versions, 1)


@pytest.mark.postgresql
def test_sweeps_run_one_after_the_other(runtime: Runtime) -> None:
    """The sweep holds the event table against writers until it commits: a concurrent sweep (or
    an ingestion transaction) waits, then finds nothing left to do."""
    with runtime.scope() as session:
        add_record(session, D)
    with runtime.scope() as first:
        assert expiry.sweep(first, now=china(D)).expired == 1
        waited: list[Any] = []

        def second() -> None:
            try:
                with runtime.scope() as other:
                    other.execute(text("SET LOCAL lock_timeout = '200ms'"))
                    expiry.sweep(other, now=china(D))
            except OperationalError as exc:
                waited.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
        assert len(waited) == 1  # it could not start while the first held the lock
    with runtime.scope() as session:
        assert expiry.sweep(session, now=china(D, 12)).expired == 0
        assert len(expired_of(session)) == 1


# -- property: exactly one event iff the record's until-day was reached by a sweep ----------------

arrivals = st.lists(
    st.tuples(
        st.integers(-30, 30),  # until-day, days from D
        st.sampled_from(["active", "active", "superseded", "revoked"]),  # status it arrives with
        st.integers(0, 6),  # index of the first sweep after which it arrives (0: before any)
        st.none() | st.integers(0, 6),  # sweep after which it is superseded, if ever
    ),
    max_size=12,
)
moments = st.lists(
    st.datetimes(
        min_value=datetime(2026, 10, 20),  # noqa: DTZ001  # naive bounds, zones from timezones=
        max_value=datetime(2027, 1, 10),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(arrivals, moments)
def test_each_record_gets_one_expired_event_iff_a_sweep_reached_its_until_day(
    runtime: Runtime, plan: list[tuple[int, str, int, int | None]], sweeps: list[datetime]
) -> None:
    with runtime.scope() as session:
        present: dict[uuid.UUID, tuple[CreditRecord, int, int | None]] = {}
        should: set[uuid.UUID] = set()
        reached: date | None = None
        for step in range(len(sweeps) + 1):
            for offset, status, arrives, ends in plan:
                if arrives == step:
                    record = add_record(session, D + timedelta(days=offset), status=status)
                    present[record.id] = (record, arrives, ends)
            for record, arrives, ends in present.values():
                if ends is not None and step == max(ends, arrives) and record.status == "active":
                    record.status, record.ended_at = "superseded", datetime.now(UTC)
            session.flush()
            if step == len(sweeps):
                break
            expiry.sweep(session, now=sweeps[step])
            # The spec, independent of the watermark: a current version is expired by a sweep
            # once the latest day any sweep so far has reached is at or past its until-day.
            day = day_of(sweeps[step])
            reached = day if reached is None else max(reached, day)
            should |= {
                r.id
                for r, _, _ in present.values()
                if r.status == "active" and r.display_until_on <= reached
            }
        assert expired_of(session) == dict.fromkeys(should, 1)
        session.rollback()
