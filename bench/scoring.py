"""Benchmark: full recompute of integrity points with the columnar engine (issue 17, ADR 0031).

1. Load ``--subjects`` synthetic subjects (placeholder ciphertexts, Hubei prefecture codes) and
   5 x as many ``credit_record`` rows of the shipped catalog's good and dishonest kinds, findings
   over the last five years, a tenth superseded, revoked or repaired (COPY on PostgreSQL,
   executemany on SQLite), and build their credit states. No personal data: the ids are random
   keys. Loading runs in its own process; the measures run in a fresh one (its peak RSS is the
   recompute's, not the generator's).
2. Baseline, the same inputs read bare: every stored credit state (the rows the columnar engine
   decodes) read in bulk — ``COPY … TO STDOUT`` into memory on PostgreSQL, the driver's
   ``fetchall`` on SQLite — with no decoding, scoring or writes; and, for comparison with the
   figures before issue 17, a bare ``SELECT`` of the counted records.
3. The first full recompute (every subject gets a score row), then a second one over the
   unchanged store (it compares with the latest rows and writes nothing), each in its own
   transaction with its commit (``scoring.service.recompute_full``).
4. The first recompute again (the scores wiped), as the jobs run it: in chunks of
   ``jobs_chunk_rows`` persons / ``jobs_chunk_seconds``, each its own transaction
   (``scoring.service.recompute_in_chunks``): its rate and the longest a chunk held the database.
Province figure: 58,000,000 subjects at the measured first-full rate; the targets (PostgreSQL)
are 50,000 subjects/s and 0.5 x the bare read for a first full recompute, 100,000 subjects/s for
an unchanged one. The last line printed is one JSON object.

    python bench/scoring.py --db sqlite
    python bench/scoring.py --db postgresql --subjects 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
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
from chengxin.workdays.days import day_of

DB_NAME = "chengxin_bench_scoring"
# The run's moment: now (each process its own, the measuring one after the loading one), so the
# stored states computed at loading hold at the recomputes as they do on a running platform.
NOW = datetime.now(UTC)
TODAY = day_of(NOW)
PROVINCE = 58_000_000
TARGET_PER_S = 50_000
TARGET_UNCHANGED_PER_S = 100_000
TARGET_RATIO = 0.5
PREFECTURES = [
    "420100",
    "420200",
    "420300",
    "420500",
    "420600",
    "420700",
    "420800",
    "420900",
    "421000",
    "421100",
    "421200",
    "421300",
    "422800",
]
SUBJECT_COLUMNS = [c.name for c in Subject.__table__.columns]
RECORD_COLUMNS = [c.name for c in CreditRecord.__table__.columns]
ACTOR = system_actor("bench")


def subjects(n: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for _ in range(n):
        prefecture = rng.choice(PREFECTURES)
        rows.append(
            {
                "id": uuid.uuid4(),
                "id_number_ct": b"\0" * 40,
                "name_ct": b"\0" * 30,
                "phone_ct": None,
                "key_id": "bench",
                "birth_on": date(1980, 1, 1),
                "sex": "F",
                "address_code": prefecture[:4] + "02",
                "region_code": prefecture[:4] + "02",
                "prefecture_code": prefecture,
                "in_registry": True,
                "registry_digest": None,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    return rows


def records(ids: list[uuid.UUID], count: int, rng: random.Random) -> list[dict[str, Any]]:
    document = CatalogDocument.model_validate(catalog_service.shipped_content())
    kinds = [
        (k.code, k.domain, k.category.value, k.severity.value if k.severity else None)
        for k in document.kinds
        if k.category is not Category.BASIC
    ]
    batch, provider = uuid.uuid4(), uuid.uuid4()
    rows = []
    for i in range(count):
        code, domain, category, severity = rng.choice(kinds)
        finding = TODAY - timedelta(days=rng.randint(0, 5 * 365))
        status = rng.choices(("active", "superseded", "revoked", "repaired"), (90, 5, 3, 2))[0]
        rows.append(
            {
                "id": uuid.uuid4(),
                "subject_id": rng.choice(ids),
                "provider_id": provider,
                "source_id": f"B{i}",
                "version": 1,
                "kind_code": code,
                "domain": domain,
                "category": category,
                "severity": severity,
                "catalog_version": document.version,
                "document_no": f"鄂演示〔2026〕{i}号",
                "finding_on": finding,
                "act_on": None,
                "notified_on": None,
                "display_months": 60,
                "display_from_on": finding,
                "display_until_on": finding + timedelta(days=5 * 365),
                "repair_from_on": None,
                "status": status,
                "fields": {},
                "sealed_fields": None,
                "key_id": None,
                "content_digest": b"\0" * 32,
                "batch_id": batch,
                "row_no": i,
                "received_at": NOW - timedelta(days=1),
                "ended_at": NOW - timedelta(days=1) if status != "active" else None,
                "revoke_reason": None,
            }
        )
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
    """The counted records selected and fetched, 10,000 rows at a time (counted and dropped; the
    driver may still hold the whole result: run it after the peak RSS is read)."""
    started = time.perf_counter()
    count = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=10_000).execute(
            text(BARE), {"today": TODAY}
        )
        for rows in result.partitions():
            count += len(rows)
    return time.perf_counter() - started, count


def bare_states(engine: Engine) -> tuple[float, int]:
    """Seconds to read every stored credit state in bulk, undecoded (each block counted and
    dropped), and the bytes read."""
    started = time.perf_counter()
    size = 0
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        if engine.dialect.name == "postgresql":
            sql = "COPY (SELECT subject_id, state FROM credit_state) TO STDOUT (FORMAT csv)"
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for block in copy:
                    size += len(block)
        else:
            cursor = raw.execute("SELECT subject_id, state FROM credit_state")
            while rows := cursor.fetchmany(10_000):
                size += sum(len(r[0]) + len(r[1]) for r in rows)
    return time.perf_counter() - started, size


def full(runtime: Any, at: datetime | None = None) -> tuple[float, scoring_service.Computed]:
    """A full recompute in one transaction, as of ``at`` (the load's moment by default; a later
    run is for a later moment, as on a running platform: the states the run before brought up
    to date hold from when it wrote)."""
    started = time.perf_counter()
    with runtime.scope() as session:
        done = scoring_service.recompute_full(
            session, settings=runtime.settings, actor=ACTOR, now=at or NOW
        )
    return time.perf_counter() - started, done


def _runtime(url: str, workdir: str) -> Any:
    settings = Settings(
        env="test", data_dir=Path(workdir), database_url=url, log_json=True, log_level="WARNING"
    )  # type: ignore[arg-type]
    return build_runtime(settings, keyring=Keyring.generate(demo=True))


def _load_child(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:
    runtime = _runtime(url, workdir)
    migrate.upgrade(runtime.engine)
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=ACTOR)
    out: dict[str, Any] = {"load_seconds": round(load(runtime.engine, args["subjects"], 5), 1)}
    started = time.perf_counter()  # the rows were written raw: build their credit states
    with runtime.scope() as session:
        state_service.rebuild(session, now=NOW)
    out["state_rebuild_seconds"] = round(time.perf_counter() - started, 1)
    runtime.stop_audit_writer()
    runtime.engine.dispose()
    queue.put(out)


def _memory(field: str) -> float:
    """This process's resident memory in MB (``VmHWM``: its peak; ``VmRSS``: now), from
    /proc (``getrusage``'s peak also counts what the process was before its exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def _rate(n: int, seconds: float) -> int:
    return round(n / seconds)


def _child(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:
    runtime = _runtime(url, workdir)
    n, engine = args["subjects"], runtime.engine
    out: dict[str, Any] = {}
    rss: dict[str, float] = {"start": _memory("VmRSS")}
    bare_runs = [bare_states(engine) for _ in range(3)]
    rss["bare_read"] = _memory("VmRSS")
    first_s, first = full(runtime)
    rss["first_full"] = _memory("VmRSS")
    second_s, second = full(runtime, datetime.now(UTC))
    rss["unchanged_full"] = _memory("VmRSS")
    bare_runs.append(bare_states(engine))
    if first.computed != n or first.changed != n or second.changed != 0:
        raise SystemExit(f"recompute: first {first}, second {second}")
    baseline = statistics.median(s for s, _ in bare_runs)
    out["baseline_bare_read"] = {
        "what": "every credit state read in bulk, undecoded",
        "seconds": round(baseline, 3),
        "runs": [round(s, 3) for s, _ in bare_runs],
        "bytes": bare_runs[0][1],
        "subjects_per_s": _rate(n, baseline),
    }
    out["first_full"] = {
        "seconds": round(first_s, 3),
        "subjects_per_s": _rate(n, first_s),
        "written": first.changed,
        "ratio_to_bare_read": round(baseline / first_s, 3),
    }
    out["unchanged_full"] = {
        "seconds": round(second_s, 3),
        "subjects_per_s": _rate(n, second_s),
        "written": second.changed,
        "ratio_to_bare_read": round(baseline / second_s, 3),
    }
    with runtime.scope() as session:  # the first run again, in chunks
        session.execute(text("DELETE FROM subject_score"))
        session.execute(text("DELETE FROM scoring_mark"))
    started = time.perf_counter()
    chunked, held = scoring_service.recompute_in_chunks(
        runtime, scoring_service.FULL, actor=ACTOR, now=datetime.now(UTC)
    )
    chunked_s = time.perf_counter() - started
    rss["first_full_chunked"] = _memory("VmRSS")
    if chunked.changed != n:
        raise SystemExit(f"chunked recompute: {chunked}")
    ordered = sorted(held)
    out["first_full_chunked"] = {
        "seconds": round(chunked_s, 3),
        "subjects_per_s": _rate(n, chunked_s),
        "chunks": len(held),
        "chunk_p50_ms": round(1000 * ordered[len(ordered) // 2], 1),
        "chunk_p99_ms": round(1000 * ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)], 1),
        "chunk_max_ms": round(1000 * ordered[-1], 1),
        "one_transaction_ms": round(1000 * first_s, 1),
    }
    out["peak_rss_mb"] = _memory("VmHWM")
    out["rss_mb_after"] = rss
    # Last, after the peak is read: the driver holds the whole result of a plain SELECT.
    records_s, record_rows = bare(engine)
    out["bare_select_records"] = {
        "seconds": round(records_s, 3),
        "rows": record_rows,
        "rows_per_s": _rate(record_rows, records_s),
    }
    rate = n / first_s
    out["province"] = {
        "subjects": PROVINCE,
        "full_recompute_minutes_extrapolated": round(PROVINCE / rate / 60, 1),
        "chunked_minutes_extrapolated": round(PROVINCE / (n / chunked_s) / 60, 1),
        "unchanged_minutes_extrapolated": round(PROVINCE / (n / second_s) / 60, 1),
        "targets": {
            "first_full_per_s": TARGET_PER_S,
            "first_full_ratio": TARGET_RATIO,
            "unchanged_per_s": TARGET_UNCHANGED_PER_S,
        },
        "meets_targets": rate >= TARGET_PER_S
        and baseline / first_s >= TARGET_RATIO
        and n / second_s >= TARGET_UNCHANGED_PER_S,
    }
    runtime.stop_audit_writer()
    engine.dispose()
    queue.put(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--subjects",
        type=int,
        default=20_000,
        help="subjects (records: 5 x as many); the issue's size is 1,000,000",
    )
    args = vars(parser.parse_args())
    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        url = make_database(args["db"], Path(tmp), DB_NAME)
        try:
            loaded = run_child(_load_child, url, tmp, args)
            out = {**loaded, **run_child(_child, url, tmp, args)}
        finally:
            drop_database(args["db"], DB_NAME)
    first, unchanged = out["first_full"], out["unchanged_full"]
    print(
        f"{args['subjects']:,} subjects, {5 * args['subjects']:,} records loaded in "
        f"{out['load_seconds']} s (states {out['state_rebuild_seconds']} s); first full "
        f"{first['seconds']} s = {first['subjects_per_s']:,} subjects/s, "
        f"{first['ratio_to_bare_read']} x the bare read "
        f"({out['baseline_bare_read']['subjects_per_s']:,}/s); unchanged "
        f"{unchanged['subjects_per_s']:,}/s (written {unchanged['written']}); "
        f"peak RSS {out['peak_rss_mb']} MB"
    )
    chunked = out["first_full_chunked"]
    print(
        f"in chunks: {chunked['seconds']} s ({chunked['subjects_per_s']:,}/s), "
        f"{chunked['chunks']} chunks, each held p50 {chunked['chunk_p50_ms']} ms / max "
        f"{chunked['chunk_max_ms']} ms; province: "
        f"{out['province']['full_recompute_minutes_extrapolated']} min"
    )
    print(
        json.dumps(
            {
                "bench": "scoring",
                "db": args["db"],
                "subjects": args["subjects"],
                "records": 5 * args["subjects"],
                **out,
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
