"""Benchmark: full recompute of integrity points (``scoring.service.recompute_full``).

1. Load ``--subjects`` synthetic subjects (placeholder ciphertexts, Hubei prefecture codes) and
   5 x as many ``credit_record`` rows of the shipped catalog's good and dishonest kinds, findings
   over the last five years, a tenth superseded, revoked or repaired (COPY on PostgreSQL,
   executemany on SQLite). No personal data: the ids are random keys.
2. Baseline, the same rows read bare: one ``SELECT`` of the columns the engine needs over the
   whole store, every row fetched (no scoring, no writes).
3. The first full recompute (every subject gets a score row), then a second one over the
   unchanged store (it compares with the latest rows and writes nothing), each in its own
   transaction with its commit.
4. The first recompute again (the scores wiped), as the jobs run it since ADR 0026: in chunks
   of ``jobs_chunk_rows`` persons / ``jobs_chunk_seconds``, each its own transaction
   (``scoring.service.recompute_in_chunks``): the longest a chunk held the database (on SQLite
   the write lock) against the one transaction of step 3.
Province figure: 58,000,000 subjects at the measured rate; the target is 50,000 subjects/s (a
province in under 20 minutes). The last line printed is one JSON object.

    python bench/scoring.py --db sqlite
    python bench/scoring.py --db postgresql --subjects 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import drop_database, make_database, run_child
from sqlalchemy import Engine, insert, text

from chengxin import migrate
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument, Category
from chengxin.identity.models import Subject
from chengxin.keys.keyring import Keyring
from chengxin.records.models import CreditRecord
from chengxin.runtime import build_runtime
from chengxin.scoring import service as scoring_service
from chengxin.security.actor import system_actor
from chengxin.settings import Settings
from chengxin.state import service as state_service

DB_NAME = "chengxin_bench_scoring"
NOW = datetime(2026, 11, 29, 4, tzinfo=UTC)
TODAY = date(2026, 11, 29)
PROVINCE = 58_000_000
TARGET_PER_S = 50_000
PREFECTURES = ["420100", "420200", "420300", "420500", "420600", "420700", "420800", "420900",
               "421000", "421100", "421200", "421300", "422800"]  # fmt: skip
SUBJECT_COLUMNS = [c.name for c in Subject.__table__.columns]
RECORD_COLUMNS = [c.name for c in CreditRecord.__table__.columns]
ACTOR = system_actor("bench")


def subjects(n: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for _ in range(n):
        prefecture = rng.choice(PREFECTURES)
        rows.append({
            "id": uuid.uuid4(), "id_number_ct": b"\0" * 40, "name_ct": b"\0" * 30,
            "phone_ct": None, "key_id": "bench", "birth_on": date(1980, 1, 1), "sex": "F",
            "address_code": prefecture[:4] + "02", "region_code": prefecture[:4] + "02",
            "prefecture_code": prefecture, "in_registry": True, "registry_digest": None,
            "version": 1, "created_at": NOW, "updated_at": NOW,
        })  # fmt: skip
    return rows


def records(ids: list[uuid.UUID], count: int, rng: random.Random) -> list[dict[str, Any]]:
    document = CatalogDocument.model_validate(catalog_service.shipped_content())
    kinds = [(k.code, k.domain, k.category.value, k.severity.value if k.severity else None)
             for k in document.kinds if k.category is not Category.BASIC]  # fmt: skip
    batch, provider = uuid.uuid4(), uuid.uuid4()
    rows = []
    for i in range(count):
        code, domain, category, severity = rng.choice(kinds)
        finding = TODAY - timedelta(days=rng.randint(0, 5 * 365))
        status = rng.choices(("active", "superseded", "revoked", "repaired"), (90, 5, 3, 2))[0]
        rows.append({
            "id": uuid.uuid4(), "subject_id": rng.choice(ids), "provider_id": provider,
            "source_id": f"B{i}", "version": 1, "kind_code": code, "domain": domain,
            "category": category, "severity": severity, "catalog_version": document.version,
            "document_no": f"鄂演示〔2026〕{i}号", "finding_on": finding, "act_on": None,
            "notified_on": None, "display_months": 60, "display_from_on": finding,
            "display_until_on": finding + timedelta(days=5 * 365), "repair_from_on": None,
            "status": status, "fields": {}, "sealed_fields": None, "key_id": None,
            "content_digest": b"\0" * 32, "batch_id": batch, "row_no": i,
            "received_at": NOW - timedelta(days=1),
            "ended_at": NOW - timedelta(days=1) if status != "active" else None,
            "revoke_reason": None,
        })  # fmt: skip
    return rows


def _copy(engine: Engine, table: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c == "fields" else row[c] for c in columns])


def load(engine: Engine, n: int, per_subject: int) -> float:
    """Seconds to load the subjects and their records (and analyse)."""
    rng = random.Random(20261129)
    started = time.perf_counter()
    people = subjects(n, rng)
    ids = [p["id"] for p in people]
    chunk = 100_000
    for table, columns, make, total in (
        (Subject.__table__, SUBJECT_COLUMNS, None, n),
        (CreditRecord.__table__, RECORD_COLUMNS, records, n * per_subject),
    ):
        for done in range(0, total, chunk):
            size = min(chunk, total - done)
            rows = people[done : done + size] if make is None else make(ids, size, rng)
            if engine.dialect.name == "sqlite":
                with engine.begin() as conn:
                    conn.execute(insert(table), rows)
            else:
                _copy(engine, table.name, columns, rows)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


BARE = (
    "SELECT id, subject_id, kind_code, domain, category, severity, finding_on FROM credit_record "
    "WHERE status = 'active' AND category <> 'basic' AND display_from_on <= :today "
    "AND display_until_on > :today"
)


def bare(engine: Engine) -> tuple[float, int]:
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(text(BARE), {"today": TODAY}).all()
    return time.perf_counter() - started, len(rows)


def full(runtime: Any) -> tuple[float, scoring_service.Computed]:
    started = time.perf_counter()
    with runtime.scope() as session:
        done = scoring_service.recompute_full(
            session, settings=runtime.settings, actor=ACTOR, now=NOW
        )
    return time.perf_counter() - started, done


def _child(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:
    settings = Settings(env="test", data_dir=Path(workdir), database_url=url, log_json=True,
                        log_level="WARNING")  # type: ignore[arg-type]  # fmt: skip
    runtime = build_runtime(settings, keyring=Keyring.generate(demo=True))
    migrate.upgrade(runtime.engine)
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=ACTOR)
    n, engine = args["subjects"], runtime.engine
    out: dict[str, Any] = {"load_seconds": round(load(engine, n, 5), 1)}
    started = time.perf_counter()  # the rows were written raw: build their credit states
    with runtime.scope() as session:
        state_service.rebuild(session, now=NOW)
    out["state_rebuild_seconds"] = round(time.perf_counter() - started, 1)
    bare_s, bare_rows = bare(engine)
    first_s, first = full(runtime)
    second_s, second = full(runtime)
    bare_again_s, _ = bare(engine)
    if first.computed != n or first.changed != n or second.changed != 0:
        raise SystemExit(f"recompute: first {first}, second {second}")
    baseline = min(bare_s, bare_again_s)
    out["baseline_bare_select"] = {"seconds": round(baseline, 3), "rows": bare_rows,
                                   "rows_per_s": round(bare_rows / baseline)}  # fmt: skip
    out["first_full"] = {"seconds": round(first_s, 3), "subjects_per_s": round(n / first_s),
                         "written": first.changed,
                         "ratio_to_bare_select": round(first_s / baseline, 2)}  # fmt: skip
    out["unchanged_full"] = {"seconds": round(second_s, 3), "subjects_per_s": round(n / second_s),
                             "written": second.changed,
                             "ratio_to_bare_select": round(second_s / baseline, 2)}  # fmt: skip
    with runtime.scope() as session:  # the first run again, in chunks
        session.execute(text("DELETE FROM subject_score"))
        session.execute(text("DELETE FROM scoring_mark"))
    started = time.perf_counter()
    chunked, held = scoring_service.recompute_in_chunks(
        runtime, scoring_service.FULL, actor=ACTOR, now=NOW
    )
    chunked_s = time.perf_counter() - started
    if chunked.changed != n:
        raise SystemExit(f"chunked recompute: {chunked}")
    ordered = sorted(held)
    out["first_full_chunked"] = {
        "seconds": round(chunked_s, 3), "chunks": len(held),
        "chunk_p50_ms": round(1000 * ordered[len(ordered) // 2], 1),
        "chunk_p99_ms": round(1000 * ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)], 1),
        "chunk_max_ms": round(1000 * ordered[-1], 1),
        "one_transaction_ms": round(1000 * first_s, 1),
    }  # fmt: skip
    rate = n / first_s
    out["province"] = {
        "subjects": PROVINCE,
        "full_recompute_minutes_extrapolated": round(PROVINCE / rate / 60, 1),
        "target_subjects_per_s": TARGET_PER_S,
        "meets_target": rate >= TARGET_PER_S,
    }
    runtime.stop_audit_writer()
    engine.dispose()
    queue.put(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--subjects", type=int, default=20_000,
                        help="subjects (records: 5 x as many); the issue's size is 1,000,000")  # fmt: skip
    args = vars(parser.parse_args())
    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        url = make_database(args["db"], Path(tmp), DB_NAME)
        try:
            out = run_child(_child, url, tmp, args)
        finally:
            drop_database(args["db"], DB_NAME)
    first = out["first_full"]
    print(
        f"{args['subjects']:,} subjects, {5 * args['subjects']:,} records loaded in "
        f"{out['load_seconds']} s; full recompute {first['seconds']} s = "
        f"{first['subjects_per_s']:,} subjects/s (bare SELECT of the records "
        f"{out['baseline_bare_select']['seconds']} s); unchanged store "
        f"{out['unchanged_full']['subjects_per_s']:,} subjects/s; target {TARGET_PER_S:,}/s"
    )
    chunked = out["first_full_chunked"]
    print(
        f"in chunks: {chunked['seconds']} s, {chunked['chunks']} chunks, each held "
        f"p50 {chunked['chunk_p50_ms']} ms / max {chunked['chunk_max_ms']} ms "
        f"(one transaction: {chunked['one_transaction_ms']} ms)"
    )
    print(json.dumps({"bench": "scoring", "db": args["db"], "subjects": args["subjects"],
                      "records": 5 * args["subjects"], **out, "cpu_count": os.cpu_count()}))  # fmt: skip


if __name__ == "__main__":
    main()
