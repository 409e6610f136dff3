"""Benchmark: the Merkle audit log — group-commit throughput, added latency, proof time.

1. Throughput: N entries through ``audit.record_access`` from K threads, each call waiting for
   its batch to commit (the group-commit writer). Baseline: the same N rows, prepared outside
   the timing, in one plain executemany into a twin table (no hashing, no lock, no waiting).
2. Latency: what one ``record_access`` adds to a request (p50, p99), beside a ``SELECT 1``
   round trip on the same connection pool.
3. Proofs: inclusion proofs (median, p99) on a generated log of ``--proof-entries`` entries,
   built fast: leaf hashes generated directly, entries bulk-loaded (COPY on PostgreSQL), tiles
   computed in memory and bulk-inserted.
All of it runs in a child process; the last line printed is one JSON object of figures.

    python bench/audit.py --db sqlite
    python bench/audit.py --db postgresql --proof-entries 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import drop_database, make_database, run_child
from sqlalchemy import Engine, MetaData, insert, text

from chengxin import migrate
from chengxin.audit import merkle
from chengxin.audit import service as audit_service
from chengxin.audit.models import TILE_HEIGHT, TILE_WIDTH, AuditEntry, AuditTile
from chengxin.keys.keyring import Keyring
from chengxin.runtime import build_runtime
from chengxin.security.actor import system_actor
from chengxin.settings import Settings

DB_NAME = "chengxin_bench_audit"
ACTOR = system_actor("bench")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(i: int) -> dict[str, Any]:
    return {
        "action": "bench:record:query",
        "actor": ACTOR,
        "object_type": "credit_record",
        "object_id": f"r-{i}",
        "data": {"purpose": "贷款审批", "scene": "loan"},
    }


def _in_threads(worker: Any, threads: int) -> float:
    """Seconds for `threads` threads each running worker(t)."""
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - started


def throughput(runtime: Any, n: int, threads: int) -> float:
    """Seconds for n record_access calls from `threads` threads through the writer."""
    per = n // threads

    def worker(t: int) -> None:
        for i in range(per):
            args = _row(t * per + i)
            with runtime.session_factory() as session:
                audit_service.record_access(session, args.pop("action"), **args)

    return _in_threads(worker, threads)


def bulk_throughput(runtime: Any, n: int, threads: int, per_call: int) -> float:
    """Seconds for n entries logged `per_call` at a time (a check of many persons) by threads."""
    calls = n // (threads * per_call)

    def worker(t: int) -> None:
        for c in range(calls):
            base = (t * calls + c) * per_call
            items = [
                (f"r-{base + i}", None, {"purpose": "贷款审批", "scene": "loan"})
                for i in range(per_call)
            ]
            with runtime.session_factory() as session:
                audit_service.record_accesses(
                    session,
                    "bench:record:check",
                    actor=ACTOR,
                    object_type="credit_record",
                    items=items,
                )

    return _in_threads(worker, threads)


def baseline(engine: Engine, n: int) -> float:
    """Seconds for one executemany of n equivalent rows into a twin table."""
    # Same columns and indexes as audit_entry (the constraint names must differ).
    twin = AuditEntry.__table__.to_metadata(MetaData(), name="audit_entry_raw")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE audit_entry_raw (LIKE audit_entry INCLUDING ALL)")
    else:
        for index in twin.indexes:
            index.name = (index.name or "").replace("audit_entry", "audit_entry_raw")
        twin.create(engine)
    now = datetime.now(UTC)
    rows = [
        {
            "seq": i + 1,
            "at": now,
            "request_id": None,
            "actor_kind": "system",
            "actor_id": "bench",
            "actor_name": "system:bench",
            "organization_id": None,
            "action": "bench:record:query",
            "object_type": "credit_record",
            "object_id": f"r-{i}",
            "subject_id": None,
            "data": {"purpose": "贷款审批", "scene": "loan"},
            "message": None,
            "hash": "0" * 64,
        }
        for i in range(n)
    ]
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(twin), rows)
    return time.perf_counter() - started


def latency(runtime: Any, samples: int) -> tuple[list[float], list[float]]:
    """Milliseconds of a SELECT 1 round trip and of one record_access, per sample."""
    select_ms, audit_ms = [], []
    for i in range(samples):
        with runtime.session_factory() as session:
            t0 = time.perf_counter()
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            t1 = time.perf_counter()
            args = _row(i)
            audit_service.record_access(session, args.pop("action"), **args)
            t2 = time.perf_counter()
        select_ms.append((t1 - t0) * 1000)
        audit_ms.append((t2 - t1) * 1000)
    return select_ms, audit_ms


def build_log(engine: Engine, size: int) -> float:
    """A log of `size` entries with random leaf hashes and its tiles; returns seconds taken."""
    started = time.perf_counter()
    rng = random.Random(5)
    now = datetime.now(UTC)
    level: list[bytes] = [rng.randbytes(32) for _ in range(size)]
    columns = ("seq", "at", "actor_kind", "actor_name", "action", "object_type", "hash")
    chunk = 100_000
    for start in range(0, size, chunk):
        rows = [
            (
                i + 1,
                now,
                "system",
                "system:bench",
                "bench:record:query",
                "credit_record",
                level[i].hex(),
            )
            for i in range(start, min(size, start + chunk))
        ]
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                raw = conn.connection.driver_connection
                statement = f"COPY audit_entry ({', '.join(columns)}) FROM STDIN"
                with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                    for row in rows:
                        copy.write_row(row)
            else:
                conn.execute(
                    insert(AuditEntry.__table__), [dict(zip(columns, r, strict=True)) for r in rows]
                )
    tile_level = 1
    while len(level) >= TILE_WIDTH:
        level = [
            merkle.reduce_perfect(level[i : i + TILE_WIDTH])
            for i in range(0, len(level) - TILE_WIDTH + 1, TILE_WIDTH)
        ]
        tiles = [
            {
                "level": tile_level,
                "idx": t,
                "hashes": b"".join(level[t * TILE_WIDTH : (t + 1) * TILE_WIDTH]),
            }
            for t in range((len(level) + TILE_WIDTH - 1) >> TILE_HEIGHT)
        ]
        with engine.begin() as conn:
            for start in range(0, len(tiles), chunk):
                conn.execute(insert(AuditTile.__table__), tiles[start : start + chunk])
        tile_level += 1
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_head SET seq = :n, tree_size = :n WHERE id = 1"), {"n": size}
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE audit_entry")
            conn.exec_driver_sql("VACUUM ANALYZE audit_tile")
    return time.perf_counter() - started


def proofs(runtime: Any, size: int, count: int) -> list[float]:
    """Milliseconds per inclusion proof of a random entry in the tree of `size` entries."""
    rng = random.Random(9)
    times = []
    with runtime.scope() as session:
        for _ in range(count):
            seq = rng.randint(1, size)
            started = time.perf_counter()
            proof = audit_service.inclusion_proof(session, seq, size)
            times.append((time.perf_counter() - started) * 1000)
            assert len(proof.audit_path) <= size.bit_length()  # noqa: S101
    return times


def _child(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:
    settings = Settings(
        env="test",
        data_dir=Path(workdir),
        database_url=url,
        log_json=True,
        log_level="WARNING",
        audit_writer_batch=args["batch"],
    )  # type: ignore[arg-type]
    runtime = build_runtime(settings, keyring=Keyring.generate(demo=True))
    migrate.upgrade(runtime.engine)
    out: dict[str, Any] = {}
    out["baseline_seconds"] = baseline(runtime.engine, args["entries"])
    runtime.start_audit_writer()
    out["writer_seconds"] = throughput(runtime, args["entries"], args["threads"])
    out["bulk_seconds"] = bulk_throughput(
        runtime, args["entries"], args["threads"], args["per_call"]
    )
    select_ms, audit_ms = latency(runtime, args["latency_samples"])
    runtime.stop_audit_writer()
    with runtime.scope() as session:
        report = audit_service.verify(session)
    out["verify_ok"] = report.ok
    out["verify_entries"] = report.entries
    out["select1_ms"] = select_ms
    out["record_access_ms"] = audit_ms
    runtime.engine.dispose()
    queue.put(out)


def _proof_child(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:
    settings = Settings(
        env="test", data_dir=Path(workdir), database_url=url, log_json=True, log_level="WARNING"
    )  # type: ignore[arg-type]
    runtime = build_runtime(settings, keyring=Keyring.generate(demo=True))
    migrate.upgrade(runtime.engine)
    build = build_log(runtime.engine, args["proof_entries"])
    proofs(runtime, args["proof_entries"], 100)  # warm the cache and the statement cache
    queue.put(
        {"build_seconds": build, "proof_ms": proofs(runtime, args["proof_entries"], args["proofs"])}
    )
    runtime.engine.dispose()


def main() -> None:  # one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--entries", type=int, default=20_000, help="entries through the writer")
    parser.add_argument("--threads", type=int, default=16, help="concurrent record_access callers")
    parser.add_argument(
        "--per-call", type=int, default=50, help="entries per call in the bulk (check) mode"
    )
    parser.add_argument("--batch", type=int, default=1000, help="writer's most entries per commit")
    parser.add_argument("--latency-samples", type=int, default=1000)
    parser.add_argument("--proof-entries", type=int, default=200_000, help="size of the proof log")
    parser.add_argument("--proofs", type=int, default=2000, help="proofs timed")
    args = vars(parser.parse_args())

    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        url = make_database(args["db"], Path(tmp), DB_NAME)
        log = run_child(_child, url, tmp, args)
        drop_database(args["db"], DB_NAME)
        Path(tmp, "bench.db").unlink(missing_ok=True)
        url = make_database(args["db"], Path(tmp), DB_NAME)
        proof = run_child(_proof_child, url, tmp, args)
        drop_database(args["db"], DB_NAME)

    select_ms, audit_ms, proof_ms = log["select1_ms"], log["record_access_ms"], proof["proof_ms"]
    print(
        f"writer {args['entries'] / log['writer_seconds']:,.0f} entries/s with {args['threads']} "
        f"threads (baseline executemany {args['entries'] / log['baseline_seconds']:,.0f} rows/s); "
        f"record_access p99 {_pct(audit_ms, 0.99):.2f} ms; proof p99 {_pct(proof_ms, 0.99):.3f} ms"
    )
    print(
        json.dumps(
            {
                "bench": "audit",
                "db": args["db"],
                "entries": args["entries"],
                "threads": args["threads"],
                "batch": args["batch"],
                "writer_entries_per_s": round(args["entries"] / log["writer_seconds"]),
                "per_call": args["per_call"],
                "writer_bulk_entries_per_s": round(
                    (args["entries"] // (args["threads"] * args["per_call"]))
                    * args["threads"]
                    * args["per_call"]
                    / log["bulk_seconds"]
                ),
                "baseline_rows_per_s": round(args["entries"] / log["baseline_seconds"]),
                "ratio_writer_to_baseline": round(
                    log["baseline_seconds"] / log["writer_seconds"], 3
                ),
                "verify_ok": log["verify_ok"],
                "verify_entries": log["verify_entries"],
                "select1_ms_p50": round(statistics.median(select_ms), 3),
                "select1_ms_p99": round(_pct(select_ms, 0.99), 3),
                "record_access_ms_p50": round(statistics.median(audit_ms), 3),
                "record_access_ms_p99": round(_pct(audit_ms, 0.99), 3),
                "proof_entries": args["proof_entries"],
                "proof_log_build_seconds": round(proof["build_seconds"], 1),
                "proof_ms_median": round(statistics.median(proof_ms), 4),
                "proof_ms_p99": round(_pct(proof_ms, 0.99), 4),
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
