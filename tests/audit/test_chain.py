"""The audit chain: ordered, verifiable, append-only in the database, free of clear ID numbers."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from chengxin.audit import service as audit_service
from chengxin.identity import idnumber
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor

ACTOR = system_actor("test")


def _append(runtime: Runtime, n: int) -> None:
    with runtime.scope() as session:
        for i in range(n):
            audit_service.record(
                session,
                "test:thing:do",
                actor=ACTOR,
                object_type="thing",
                object_id=str(i),
                data={"i": i},
            )


def test_entries_are_gapless_and_chained(runtime: Runtime) -> None:
    _append(runtime, 5)
    with runtime.scope() as session:
        entries = audit_service.list_entries(session)
        assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
        assert entries[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
        report = audit_service.verify(session)
    assert report.ok
    assert (report.entries, report.head_seq) == (5, 5)


def test_rolled_back_transaction_leaves_no_entry_and_no_gap(runtime: Runtime) -> None:
    _append(runtime, 2)

    def append_then_fail() -> None:
        with runtime.scope() as session:
            audit_service.record(session, "test:thing:do", actor=ACTOR, object_type="thing")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        append_then_fail()
    _append(runtime, 1)
    with runtime.scope() as session:
        assert [e.seq for e in audit_service.list_entries(session)] == [1, 2, 3]
        assert audit_service.verify(session).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET actor_name = 'x' WHERE seq = 1",
        "DELETE FROM audit_entry WHERE seq = 1",
    ],
)
def test_database_refuses_to_rewrite_history(runtime: Runtime, statement: str) -> None:
    _append(runtime, 1)
    with pytest.raises(DatabaseError), runtime.scope() as session:
        session.execute(text(statement))


def test_tampering_is_detected_at_the_tampered_entry(runtime: Runtime) -> None:
    _append(runtime, 4)
    # Simulate an attacker with DDL rights: drop the guard, rewrite one entry, restore the guard.
    dialect = runtime.engine.dialect.name
    with runtime.engine.begin() as conn:
        if dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
            conn.exec_driver_sql("UPDATE audit_entry SET data = '{\"i\": 99}' WHERE seq = 3")
            conn.exec_driver_sql("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
            conn.exec_driver_sql("UPDATE audit_entry SET data = '{\"i\": 99}' WHERE seq = 3")
    with runtime.scope() as session:
        report = audit_service.verify(session)
    assert not report.ok
    assert (report.first_bad_seq, report.problem) == (3, "hash")


def test_clear_id_number_in_audit_data_is_refused(runtime: Runtime) -> None:
    with pytest.raises(audit_service.PersonalDataInAudit), runtime.scope() as session:
        audit_service.record(
            session,
            "test:thing:do",
            actor=ACTOR,
            object_type="thing",
            data={"note": "for 11010519491231002X"},
        )
    with runtime.scope() as session:
        # Credit codes of organizations are public and may be all digits.
        audit_service.record(
            session,
            "test:thing:do",
            actor=ACTOR,
            object_type="thing",
            data={"credit_code": idnumber.make("420102", date(1980, 1, 1), 11)},
        )
