"""Partitioned big tables (PostgreSQL, ADR 0035): the shape after ``db upgrade``, where rows
land, the maintenance job, pruning by subject and by seq, the migration's copy both ways."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from chengxin import migrate
from chengxin.audit import service as audit
from chengxin.audit.models import AuditEntry
from chengxin.db import make_engine
from chengxin.jobs import service as jobs_service
from chengxin.jobs.models import Job
from chengxin.jobs.registry import Registry
from chengxin.jobs.worker import Worker
from chengxin.partitions import service as partitions
from chengxin.records.models import CreditRecord, RecordEvent
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.tasks import PARTITIONS_MAINTAIN, maintain_partitions

PG_ADMIN_URL = os.environ.get(
    "CHENGXIN_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AT = datetime(2026, 12, 1, tzinfo=UTC)


def _record(
    subject_id: uuid.UUID, *, source_id: str | None = None, version: int = 1
) -> CreditRecord:
    until = date(2029, 1, 1)
    return CreditRecord(
        id=uuid.uuid4(),
        subject_id=subject_id,
        provider_id=uuid.UUID(int=1),
        source_id=source_id or uuid.uuid4().hex,
        version=version,
        kind_code="tax-arrears",
        domain="taxation",
        category="dishonest",
        severity="serious",
        catalog_version="2026.1",
        document_no="税〔2026〕1号",
        finding_on=date(2026, 1, 1),
        display_months=36,
        display_from_on=date(2026, 1, 1),
        display_until_on=until,
        status="active",
        fields={},
        content_digest=b"\0" * 32,
        batch_id=uuid.uuid4(),
        row_no=1,
        received_at=AT,
    )


def _event(record: CreditRecord, seq: int | None = None) -> RecordEvent:
    return RecordEvent(
        seq=seq,
        at=AT,
        action="created",
        record_id=record.id,
        subject_id=record.subject_id,
        provider_id=record.provider_id,
        kind_code=record.kind_code,
        batch_id=record.batch_id,
    )


def _partition_of(session: Session, table: str, where: str, **params: Any) -> str:
    """The partition holding the one row of ``table`` that matches ``where``."""
    return str(
        session.execute(
            text(f"SELECT tableoid::regclass::text FROM {table} WHERE {where}"),  # noqa: S608
            params,
        ).scalar_one()
    )


def _scanned(session: Session, statement: Any) -> set[str]:
    """The relations a statement's plan reads (EXPLAIN, as PostgreSQL would run it)."""
    # The statement as the driver sends it: parameters bound, as the application's queries are.
    compiled = statement.compile(session.get_bind())
    plan = (
        session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar_one()
    )
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


@pytest.mark.postgresql
def test_the_big_tables_are_partitioned_after_upgrade(session: Session) -> None:
    shape = dict(
        session.execute(
            text(
                "SELECT c.relname, p.partstrat::text || ':' || a.attname "
                "FROM pg_partitioned_table p "
                "JOIN pg_class c ON c.oid = p.partrelid "
                "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
                "WHERE c.relnamespace = 'public'::regnamespace"
            )
        ).all()
    )
    assert shape == {
        "credit_record": "h:subject_id",
        "record_event": "r:seq",
        "audit_entry": "r:seq",
    }
    records = partitions.partitions_of(session, "credit_record")
    assert sorted((p.modulus, p.remainder) for p in records) == [(16, r) for r in range(16)]
    assert {p.name.split(".")[0] for p in records} == {partitions.SCHEMA}
    for table in ("record_event", "audit_entry"):
        parts = partitions.partitions_of(session, table)
        assert sum(p.is_default for p in parts) == 1
        ranges = sorted((p.low, p.high) for p in parts if not p.is_default)
        # From 0, contiguous, a million each, at least AHEAD beyond the (empty) table's first.
        assert ranges[: partitions.AHEAD + 1] == [
            (i * partitions.SEQ_SIZE, (i + 1) * partitions.SEQ_SIZE)
            for i in range(partitions.AHEAD + 1)
        ]
    # Unique indexes hold the partition key; the append-only guard is on every audit partition.
    unique = session.execute(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_credit_record_source_version'")
    ).scalar_one()
    assert "(provider_id, source_id, version, subject_id)" in unique
    assert _unguarded_audit_partitions(session) == []


def _unguarded_audit_partitions(session: Session) -> list[str]:
    """Partitions of audit_entry without the append-only trigger (cloned from the parent)."""
    return [
        p.name
        for p in partitions.partitions_of(session, "audit_entry")
        if not session.execute(
            text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) "
                "AND tgname = 'audit_entry_append_only'"
            ),
            {"t": p.name},
        ).scalar_one()
    ]


@pytest.mark.postgresql
def test_rows_land_in_the_partition_of_their_subject_or_seq(session: Session) -> None:
    subjects = [uuid.uuid4() for _ in range(40)]
    records = [_record(s) for s in subjects for _ in range(2)]
    session.add_all(records)
    session.flush()
    session.add_all(_event(r) for r in records)
    entry = audit.record(
        session,
        "test:partition:land",
        actor=system_actor("test"),
        object_type="test",
        subject_id=subjects[0],
    )
    session.flush()
    homes: dict[uuid.UUID, set[str]] = {}
    for record in records:
        home = _partition_of(session, "credit_record", "id = :id", id=record.id)
        homes.setdefault(record.subject_id, set()).add(home)
        # PostgreSQL's own hash test agrees with the partition's bound.
        bound = next(
            p for p in partitions.partitions_of(session, "credit_record") if p.name == home
        )
        assert session.execute(
            text("SELECT satisfies_hash_partition('credit_record'::regclass, :m, :r, :s)"),
            {"m": bound.modulus, "r": bound.remainder, "s": record.subject_id},
        ).scalar_one()
    assert all(len(h) == 1 for h in homes.values())  # a subject's rows share a partition
    assert len(set().union(*homes.values())) > 1  # and subjects spread over several
    first = f"{partitions.SCHEMA}.record_event_s000000"
    events = session.execute(text("SELECT DISTINCT tableoid::regclass::text FROM record_event"))
    assert events.scalars().all() == [first]
    where = "seq = :seq"
    assert _partition_of(session, "audit_entry", where, seq=entry.seq) == (
        f"{partitions.SCHEMA}.audit_entry_s000000"
    )


def test_a_source_version_is_unique_for_its_subject(session: Session) -> None:
    subject = uuid.uuid4()
    session.add(_record(subject, source_id="S-1"))
    session.flush()
    nested = session.begin_nested()
    session.add(_record(subject, source_id="S-1"))
    with pytest.raises(IntegrityError):
        session.flush()
    nested.rollback()
    session.add(_record(uuid.uuid4(), source_id="S-1"))  # another subject's: its own partition
    session.flush()


@pytest.mark.postgresql
def test_maintenance_creates_ranges_ahead_of_the_counter_and_is_idempotent(
    session: Session,
) -> None:
    size = partitions.SEQ_SIZE
    session.execute(text("SELECT setval('record_event_seq_seq', :v)"), {"v": 3 * size + 5})
    session.execute(text("UPDATE audit_head SET seq = :v WHERE id = 1"), {"v": 2 * size})
    partitions.maintain(session)
    for table, first in (("record_event", 3), ("audit_entry", 2)):
        ranges = {
            (p.low, p.high) for p in partitions.partitions_of(session, table) if not p.is_default
        }
        # The counter's range and AHEAD more exist, and every range below it too.
        assert {(i * size, (i + 1) * size) for i in range(first + partitions.AHEAD + 1)} <= ranges
    assert _unguarded_audit_partitions(session) == []  # attached ones got the trigger too
    assert partitions.maintain(session).created == []  # nothing left to do
    record = _record(uuid.uuid4())
    session.add(record)
    session.flush()
    event = _event(record)
    session.add(event)
    session.flush()
    assert event.seq == 3 * size + 6
    assert _partition_of(session, "record_event", "seq = :seq", seq=event.seq) == (
        f"{partitions.SCHEMA}.record_event_s000003"
    )


@pytest.mark.postgresql
def test_maintenance_puts_back_a_missing_hash_partition(session: Session) -> None:
    lost = f"{partitions.SCHEMA}.credit_record_h07"
    session.execute(text(f"ALTER TABLE credit_record DETACH PARTITION {lost}"))
    session.execute(text(f"DROP TABLE {lost}"))
    subject = next(
        s
        for s in iter(uuid.uuid4, None)
        if session.execute(
            text("SELECT satisfies_hash_partition('credit_record'::regclass, 16, 7, :s)"),
            {"s": s},
        ).scalar_one()
    )
    nested = session.begin_nested()
    session.add(_record(subject))
    with pytest.raises(DBAPIError, match="no partition"):  # its rows have nowhere to go
        session.flush()
    nested.rollback()
    assert partitions.maintain(session).created == [lost]
    session.add(_record(subject))
    session.flush()
    assert _partition_of(session, "credit_record", "subject_id = :s", s=subject) == lost


@pytest.mark.postgresql
def test_rows_far_beyond_the_last_range_land_in_default_and_the_job_moves_them(
    runtime: Runtime,
) -> None:
    far = 10**12 + 7
    index = far // partitions.SEQ_SIZE
    with runtime.scope() as session:
        record = _record(uuid.uuid4())
        session.add(record)
        session.flush()
        session.add(_event(record, seq=far))
        entry = audit.record(
            session, "test:partition:far", actor=system_actor("test"), object_type="test"
        )
        session.execute(
            text(
                "INSERT INTO audit_entry (seq, at, actor_kind, actor_name, action, object_type, "
                "hash) SELECT :far, at, actor_kind, actor_name, action, object_type, hash "
                "FROM audit_entry WHERE seq = :seq"
            ),
            {"far": far, "seq": entry.seq},
        )
        session.flush()
        for table in ("record_event", "audit_entry"):
            assert _partition_of(session, table, "seq = :far", far=far) == (
                f"{partitions.SCHEMA}.{table}_default"
            )
        hashed = session.execute(select(AuditEntry.hash).where(AuditEntry.seq == far)).scalar()

    registry = Registry()
    registry.task(PARTITIONS_MAINTAIN)(maintain_partitions)
    with runtime.scope() as session:
        job = jobs_service.enqueue(session, PARTITIONS_MAINTAIN, {})
    assert Worker(runtime, name="partitions", registry=registry).run_once() == 1

    with runtime.scope() as session:
        done = session.get(Job, job.id)
        assert done is not None
        assert done.status == "done", done.last_error
        assert done.result is not None
        assert done.result["moved"] == 2
        for table in ("record_event", "audit_entry"):
            home = f"{partitions.SCHEMA}.{table}_s{index:06d}"
            assert home in done.result["created"]
            assert _partition_of(session, table, "seq = :far", far=far) == home
            assert (
                session.execute(
                    text(f"SELECT count(*) FROM {partitions.SCHEMA}.{table}_default")  # noqa: S608
                ).scalar_one()
                == 0
            )
            held = session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            assert held == {"record_event": 1, "audit_entry": 2}[table]  # nothing lost on the way
        # Moved as it was, and still append-only in its new partition.
        assert (
            session.execute(select(AuditEntry.hash).where(AuditEntry.seq == far)).scalar() == hashed
        )
    with pytest.raises(DBAPIError, match="append-only"), runtime.scope() as session:
        session.execute(text("UPDATE audit_entry SET message = 'x' WHERE seq = :far"), {"far": far})
    with runtime.scope() as session:
        assert partitions.maintain(session).created == []


@pytest.mark.postgresql
def test_queries_by_subject_or_seq_read_one_partition(session: Session) -> None:
    subject = uuid.uuid4()
    by_subject = _scanned(session, select(CreditRecord).where(CreditRecord.subject_id == subject))
    assert len(by_subject) == 1
    assert by_subject <= {f"credit_record_h{r:02d}" for r in range(16)}
    feed = select(RecordEvent).where(RecordEvent.seq > 10, RecordEvent.seq <= 500)
    assert _scanned(session, feed) == {"record_event_s000000"}
    leaf = select(AuditEntry).where(AuditEntry.seq == partitions.SEQ_SIZE + 3)
    assert _scanned(session, leaf) == {"audit_entry_s000001"}
    # Without the key every partition is read: what pruning saves.
    assert len(_scanned(session, select(CreditRecord.id))) == 16


@pytest.mark.sqlite
def test_on_sqlite_the_job_has_nothing_to_do(session: Session) -> None:
    assert partitions.maintain(session) == partitions.Maintained()


# -- the migration ---------------------------------------------------------------------------------


@pytest.fixture
def scratch_engine() -> Iterator[Engine]:
    """An empty database of its own, for migrating up and down with rows in the tables."""
    name = f"chengxin_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_partitions"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as connection:
        config = migrate.alembic_config(engine)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _counts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {
            table: conn.exec_driver_sql(
                f"SELECT count(*), coalesce(max({key}::text), '') FROM {table}"  # noqa: S608
            ).one()
            for table, key in (
                ("credit_record", "id"),
                ("record_event", "seq"),
                ("audit_entry", "seq"),
            )
        }


def _is_partitioned(engine: Engine, table: str) -> bool:
    with engine.connect() as conn:
        kind = conn.exec_driver_sql(
            "SELECT relkind FROM pg_class WHERE oid = CAST(%(t)s AS regclass)", {"t": table}
        ).scalar_one()
    return bool(kind == "p")


@pytest.mark.postgresql
def test_migration_copies_the_rows_into_partitions_and_back(scratch_engine: Engine) -> None:
    before = migrate.head_revision()
    assert before is not None
    # The revision before this one, whatever it is called.
    script = ScriptDirectory.from_config(migrate.alembic_config())
    down = script.get_revision("0024").down_revision
    assert isinstance(down, str)
    _migrate(scratch_engine, down)
    with Session(scratch_engine) as session, session.begin():
        records = [_record(uuid.uuid4()) for _ in range(30)]
        session.add_all(records)
        session.flush()
        session.add_all(_event(r) for r in records)
        for record in records[:5]:
            audit.record(
                session,
                "test:partition:copy",
                actor=system_actor("test"),
                object_type="credit_record",
                object_id=record.id,
                at=AT + timedelta(seconds=1),
            )
    rows = _counts(scratch_engine)
    assert [n for n, _ in rows.values()] == [30, 30, 5]

    _migrate(scratch_engine, "0024")
    assert _counts(scratch_engine) == rows
    assert all(_is_partitioned(scratch_engine, t) for t in rows)
    with Session(scratch_engine) as session, session.begin():
        record = _record(uuid.uuid4())
        session.add(record)
        session.flush()
        event = _event(record)
        session.add(event)
        session.flush()
        assert event.seq == 31  # the counter went along with the column
    with pytest.raises(DBAPIError, match="append-only"), scratch_engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_entry")

    _migrate(scratch_engine, down, down=True)
    after = _counts(scratch_engine)
    assert [n for n, _ in after.values()] == [31, 31, 5]
    assert not any(_is_partitioned(scratch_engine, t) for t in rows)
    with scratch_engine.connect() as conn:
        schemas = conn.exec_driver_sql("SELECT nspname FROM pg_namespace").scalars().all()
    assert partitions.SCHEMA not in schemas
    _migrate(scratch_engine, "head")
    assert migrate.current_revision(scratch_engine) == before
