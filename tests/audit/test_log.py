"""The audit log: gapless leaves, tiles, signed heads, proofs; tampering named at its entry."""

from __future__ import annotations

import hashlib
import threading
from datetime import date

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from chengxin.audit import hooks as audit_hooks
from chengxin.audit import merkle
from chengxin.audit import service as audit_service
from chengxin.audit import tree as audit_tree
from chengxin.audit.writer import AuditWriter
from chengxin.identity import idnumber
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor

ACTOR = system_actor("test")


def _append(runtime: Runtime, n: int, *, start: int = 0) -> None:
    with runtime.scope() as session:
        for i in range(start, start + n):
            audit_service.record(
                session,
                "test:thing:do",
                actor=ACTOR,
                object_type="thing",
                object_id=str(i),
                data={"i": i},
            )


def _sign(runtime: Runtime) -> None:
    with runtime.scope() as session:
        audit_service.sign_tree_head(session)


def _verify(runtime: Runtime) -> audit_service.LogReport:
    with runtime.scope() as session:
        return audit_service.verify(session)


def _tamper(runtime: Runtime, *statements: str) -> None:
    """An attacker with DDL rights: drop the guard, rewrite rows, restore the guard."""
    with runtime.engine.begin() as conn:
        if runtime.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
            for statement in statements:
                conn.exec_driver_sql(statement)
            conn.exec_driver_sql("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_entry_no_delete")
            for statement in statements:
                conn.exec_driver_sql(statement)


# -- independent reference: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1, written out recursively ---------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _mth(d: list[bytes]) -> bytes:
    """MTH over leaf hashes (d holds already-hashed leaves)."""
    if not d:
        return _h(b"")
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return _h(b"\x01" + _mth(d[:k]) + _mth(d[k:]))


def _path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*_path(m, d[:k]), _mth(d[k:])]
    return [*_path(m - k, d[k:]), _mth(d[:k])]


def _subproof(m: int, d: list[bytes], *, b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [_mth(d)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, d[:k], b=b), _mth(d[k:])]
    return [*_subproof(m - k, d[k:], b=False), _mth(d[:k])]


def _leaves(runtime: Runtime) -> list[bytes]:
    with runtime.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT hash FROM audit_entry ORDER BY seq").all()
    return [bytes.fromhex(r[0]) for r in rows]


# -- appending -----------------------------------------------------------------------------------


def test_entries_are_gapless_rfc9162_leaves(runtime: Runtime) -> None:
    _append(runtime, 5)
    with runtime.scope() as session:
        entries = audit_service.list_entries(session)
        assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
        for e in entries:
            data = audit_service.leaf_data(e)
            assert b'"seq":%d' % e.seq in data
            assert e.hash == hashlib.sha256(b"\x00" + data).hexdigest()
    report = _verify(runtime)
    assert report.ok
    assert (report.entries, report.first_bad_seq) == (5, None)


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
    assert _verify(runtime).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET actor_name = 'x' WHERE seq = 1",
        "DELETE FROM audit_entry WHERE seq = 1",
        "UPDATE audit_tree_head SET root_hash = 'x'",
        "DELETE FROM audit_tree_head",
    ],
)
def test_database_refuses_to_rewrite_history(runtime: Runtime, statement: str) -> None:
    _append(runtime, 1)
    _sign(runtime)
    with pytest.raises(DatabaseError), runtime.scope() as session:
        session.execute(text(statement))


def test_clear_id_number_in_audit_data_is_refused(runtime: Runtime) -> None:
    with pytest.raises(audit_service.PersonalDataInAudit), runtime.scope() as session:
        audit_service.record(
            session,
            "test:thing:do",
            actor=ACTOR,
            object_type="thing",
            data={"note": "for 11010519491231002X"},
        )
    with pytest.raises(audit_service.PersonalDataInAudit), runtime.scope() as session:
        audit_service.record_access(
            session,
            "test:thing:read",
            actor=ACTOR,
            object_type="thing",
            message="11010519491231002X",
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


# -- tree, proofs, heads -------------------------------------------------------------------------


def test_integration_builds_tiles_and_the_signed_root_is_the_rfc_root(runtime: Runtime) -> None:
    _append(runtime, 300)
    _sign(runtime)
    leaves = _leaves(runtime)
    with runtime.scope() as session:
        head = audit_tree.latest_tree_head_or_raise(session)
        assert (head.tree_size, head.root_hash) == (300, _mth(leaves).hex())
        tiles = dict(
            session.execute(text("SELECT level, count(*) FROM audit_tile GROUP BY level")).all()
        )
    assert tiles == {1: 2, 2: 1}  # 18 level-4 nodes in two tiles, 1 level-8 node
    report = _verify(runtime)
    assert report.ok
    assert (report.tree_size, report.tree_heads, report.root_hash) == (300, 1, head.root_hash)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(grow=st.integers(0, 70), picks=st.tuples(*[st.integers(0, 10**6)] * 3))
def test_every_db_proof_matches_the_rfc_definitions(
    runtime: Runtime, grow: int, picks: tuple[int, int, int]
) -> None:
    # The log grows from example to example, integrated at random sizes (partial tiles).
    with runtime.scope() as session:
        start = audit_tree.integrated_size(session)
    _append(runtime, grow, start=start)
    with runtime.scope() as session:
        size = audit_service.integrate(session)
    assume(size > 0)  # an empty log has no proofs: the example is discarded, not passed
    leaves = _leaves(runtime)
    # Drawn independently of the (growing) log, then mapped into it.
    tree_size = 1 + picks[0] % size
    seq, first = 1 + picks[1] % tree_size, 1 + picks[2] % tree_size
    with runtime.scope() as session:
        inclusion = audit_service.inclusion_proof(session, seq, tree_size)
        consistency = audit_service.consistency_proof(session, first, tree_size)
    d = leaves[:tree_size]
    assert inclusion.root_hash == _mth(d).hex()
    assert inclusion.leaf_hash == d[seq - 1].hex()
    assert inclusion.audit_path == [p.hex() for p in _path(seq - 1, d)]
    expected = _subproof(first, d, b=True) if first < tree_size else []
    assert consistency.proof == [p.hex() for p in expected]
    assert consistency.first_root == _mth(d[:first]).hex()
    assert merkle.verify_inclusion(
        seq - 1,
        tree_size,
        d[seq - 1],
        [bytes.fromhex(p) for p in inclusion.audit_path],
        bytes.fromhex(inclusion.root_hash),
    )


def test_proof_beyond_the_integrated_tree_is_refused(runtime: Runtime) -> None:
    _append(runtime, 3)
    with pytest.raises(audit_service.audit_tree.TreeSizeNotSigned), runtime.scope() as session:
        audit_service.inclusion_proof(session, 1, 3)
    with pytest.raises(audit_service.audit_tree.LeafNotInTree), runtime.scope() as session:
        audit_service.inclusion_proof(session, 4, 3)


# -- tampering -----------------------------------------------------------------------------------


def test_edited_entry_is_named(runtime: Runtime) -> None:
    _append(runtime, 40)
    _sign(runtime)
    _tamper(runtime, "UPDATE audit_entry SET data = '{\"i\": 99}' WHERE seq = 23")
    report = _verify(runtime)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 23, "hash")


def test_edit_with_recomputed_leaf_hash_is_caught_by_the_tile(runtime: Runtime) -> None:
    _append(runtime, 40)
    _sign(runtime)
    with runtime.scope() as session:
        entry = audit_service.list_entries(session, after_seq=22, limit=1)[0]
        entry_data = {
            **audit_service._row(
                "test:thing:do",
                actor=ACTOR,
                object_type="thing",
                object_id="22",
                subject_id=None,
                data={"i": 99},
                message=None,
                at=entry.at,
            ),
            "seq": 23,
        }
        entry_data["request_id"] = entry.request_id
        forged = audit_service.leaf_hash(entry_data)
    _tamper(
        runtime,
        f"UPDATE audit_entry SET data = '{{\"i\": 99}}', hash = '{forged}' WHERE seq = 23",  # noqa: S608
    )
    report = _verify(runtime)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 17, "tile")


def test_edit_with_recomputed_hash_in_a_short_log_is_caught_by_the_signed_head(
    runtime: Runtime,
) -> None:
    _append(runtime, 5)
    _sign(runtime)
    with runtime.scope() as session:
        entry = audit_service.list_entries(session, after_seq=2, limit=1)[0]
        forged_row = {name: getattr(entry, name) for name in audit_service.LEAF_FIELDS}
        forged_row["data"] = {"i": 99}
        forged = audit_service.leaf_hash(forged_row)
    statement = f"UPDATE audit_entry SET data = '{{\"i\": 99}}', hash = '{forged}' WHERE seq = 3"  # noqa: S608
    _tamper(runtime, statement)
    report = _verify(runtime)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 1, "tree-head")


def test_deleted_entry_is_named(runtime: Runtime) -> None:
    _append(runtime, 10)
    _tamper(runtime, "DELETE FROM audit_entry WHERE seq = 4")
    report = _verify(runtime)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 4, "gap")


def test_deleted_last_entry_is_named(runtime: Runtime) -> None:
    _append(runtime, 10)
    _tamper(runtime, "DELETE FROM audit_entry WHERE seq = 10")
    report = _verify(runtime)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 10, "gap")


def test_reordered_entries_are_named(runtime: Runtime) -> None:
    _append(runtime, 10)
    _tamper(
        runtime,
        "UPDATE audit_entry SET seq = 1000 WHERE seq = 6",
        "UPDATE audit_entry SET seq = 6 WHERE seq = 7",
        "UPDATE audit_entry SET seq = 7 WHERE seq = 1000",
    )
    report = _verify(runtime)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 6, "hash")


def test_forged_tree_head_signature_is_caught(runtime: Runtime) -> None:
    _append(runtime, 3)
    _sign(runtime)
    _append(runtime, 3, start=3)
    _sign(runtime)
    with runtime.engine.begin() as conn:
        if runtime.engine.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "ALTER TABLE audit_tree_head DISABLE TRIGGER audit_tree_head_append_only"
            )
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_tree_head_no_update")
        conn.execute(
            text("UPDATE audit_tree_head SET timestamp_ms = timestamp_ms + 1 WHERE tree_size = 6")
        )
    report = _verify(runtime)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 4, "signature")


# -- group commit --------------------------------------------------------------------------------


def test_the_listeners_are_attached_by_install_and_the_writer_needs_them(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit_hooks.install()  # again: idempotent
    assert audit_hooks.installed()
    monkeypatch.setattr(audit_hooks, "installed", lambda: False)
    writer = AuditWriter(runtime.session_factory, keyring=runtime.keyring)
    with pytest.raises(RuntimeError, match=r"wiring\.install"):
        writer.start()
    assert not writer.running


def test_concurrent_record_access_through_the_writer_is_gapless(runtime: Runtime) -> None:
    writer = runtime.start_audit_writer()
    seqs: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(25):
            with runtime.session_factory() as session:
                assert session.info["audit_writer"] is writer
                seq = audit_service.record_access(
                    session,
                    "test:thing:read",
                    actor=ACTOR,
                    object_type="thing",
                    object_id=f"{n}-{i}",
                )
            with lock:
                seqs.append(seq)

    try:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        runtime.stop_audit_writer()
    assert sorted(seqs) == list(range(1, 301))
    report = _verify(runtime)
    assert report.ok
    assert (report.entries, report.tree_size) == (300, 300)
    assert report.tree_heads >= 1  # the last one signed on stop covers all 300


def test_record_access_without_a_writer_uses_the_callers_transaction(runtime: Runtime) -> None:
    with runtime.scope() as session:
        seq = audit_service.record_access(session, "test:thing:read", actor=ACTOR, object_type="t")
        assert seq == 1
        assert audit_service.list_entries(session)[0].action == "test:thing:read"
