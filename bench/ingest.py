"""Benchmark: N credit records through the full ingestion path vs. a raw load of equivalent rows.

Full path = ``ingestion.service.ingest_file`` on a CSV written before timing: read and parse →
validate against the active (shipped) catalog → ID number, name, dates, fields, 18+ rule →
blind index → registry lookup and name check (decrypting the registered name) → current-version
lookup → AES-GCM of personal fields → COPY (PostgreSQL) / executemany (SQLite) of records and
events → rejections, counters, receipt, audit entry. It runs in a child process whose resident
memory (alone, and with its validating workers) is sampled from /proc: memory must not grow with
the file.
Baseline = the same number of credit_record rows of the same shape, precomputed per chunk outside
the timing and loaded raw into a twin table: COPY (write_row) on PostgreSQL, executemany on SQLite.
Figures are medians of alternating runs on emptied tables; compare the ratio across machines.

    python bench/ingest.py --db sqlite
    python bench/ingest.py --db postgresql --rows 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import drop_database, make_database
from sqlalchemy import Engine, MetaData, insert, text

from chengxin import migrate
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument, RecordKind
from chengxin.db import utcnow
from chengxin.demo import generator
from chengxin.demo.records import sample_value
from chengxin.identity import idnumber
from chengxin.identity import service as identity_service
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.validation import COPY_COLUMNS
from chengxin.keys.keyring import Keyring
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.records.models import CreditRecord
from chengxin.runtime import build_runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.settings import Settings

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆欣怡佳琪雪梅婷晶晨"
COUNTIES = ["420102", "420103", "420106", "420111", "420202", "420302", "420502", "420602",
            "420802", "420902", "421002", "421102", "421202", "421303", "422801", "429004"]  # fmt: skip
TODAY = date(2026, 11, 28)
HEADER = ["源记录编号", "信息事项代码", "身份证号码", "姓名", "决定文书号", "认定日期", "行为日期",
          "告知日期"]  # fmt: skip


def people(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out = []
    while len(out) < n:
        number = idnumber.make(
            rng.choice(COUNTIES),
            TODAY - timedelta(days=rng.randint(8000, 30000)),
            rng.randrange(1000),
        )
        if number not in seen:
            seen.add(number)
            out.append((number, rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)))
    return out


def pick_kind(document: CatalogDocument) -> RecordKind:
    """A dishonest kind a tax department may push (the commonest bulk feed)."""
    for kind in document.kinds:
        if kind.severity is not None and "tax" in kind.providers.departments:
            return kind
    msg = "the catalog has no dishonest kind for the tax department"
    raise SystemExit(msg)


def write_csv(path: Path, n: int, persons: list[tuple[str, str]], kind: RecordKind) -> None:
    rng = random.Random(7)
    fields = kind.fields
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER + [f.name for f in fields])
        for i in range(n):
            number, name = persons[i % len(persons)]
            finding = TODAY - timedelta(days=30 + i % 300)
            writer.writerow([
                f"B-{i:09d}", kind.code, number, name, f"鄂税稽罚〔2026〕{i}号", finding.isoformat(),
                (finding - timedelta(days=20)).isoformat(), (finding + timedelta(days=3)).isoformat(),
                *[str(sample_value(f, rng, finding)) for f in fields],
            ])  # fmt: skip


def create_twin(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE credit_record_raw (LIKE credit_record INCLUDING ALL)"
            )
        return
    twin = CreditRecord.__table__.to_metadata(MetaData(), name="credit_record_raw")
    for index in twin.indexes:
        index.name = (index.name or "").replace("credit_record", "credit_record_raw")
    twin.create(engine)


def empty_tables(engine: Engine) -> None:
    tables = (
        "credit_record",
        "credit_record_raw",
        "record_event",
        "ingest_rejection",
        "ingest_batch",
    )
    with engine.begin() as conn:
        for table in tables:
            conn.exec_driver_sql(f"DELETE FROM {table}")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables:
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")


def _child(  # noqa: PLR0917  # a Process target
    url: str, keys: str, path: str, provider: str, chunk: int, workers: int | None, queue: Any
) -> None:
    """The full path, alone in its process: elapsed seconds and the receipt's counts."""
    ring = Keyring.from_json(keys)
    settings = Settings(
        env="test", data_dir=Path(path).parent, database_url=url, log_json=True, log_level="WARNING"
    )  # type: ignore[arg-type]
    runtime = build_runtime(settings, keyring=ring)
    actor = Actor(ActorKind.SYSTEM, "bench", "system:bench", uuid.UUID(provider), frozenset())
    options = ingestion_service.Options.from_settings(settings)
    options = ingestion_service.Options(
        chunk, options.max_field_chars, options.stale_after,
        options.workers_for if workers is None else (lambda _size: workers),
    )  # fmt: skip
    started = time.perf_counter()
    batch = ingestion_service.ingest_file(
        runtime.scope, Path(path), "csv", provider_id=uuid.UUID(provider), actor=actor,
        channel="cli", filename="bench.csv", options=options, today=TODAY,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    queue.put((elapsed, batch.submitted, batch.created, batch.rejected, batch.balanced))
    runtime.engine.dispose()


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


class RssSampler(threading.Thread):
    """Samples the resident memory of a process and of its worker processes every 0.2 s.

    Measured from /proc rather than ``getrusage``: a spawned child's ``ru_maxrss`` includes the
    parent's pages for the instant between fork and exec, so it would report this (large)
    benchmark process, not the ingestion."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_main = self.peak_total = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            main = _rss_kib(self.pid)
            total = main + sum(_rss_kib(child) for child in _children(self.pid))
            self.peak_main = max(self.peak_main, main)
            self.peak_total = max(self.peak_total, total)


def run_full(  # noqa: PLR0917
    url: str,
    ring: Keyring,
    path: Path,
    provider: uuid.UUID,
    chunk: int,
    n: int,
    workers: int | None,
) -> tuple[float, int, int]:
    """Seconds, and peak RSS (KiB) of the ingesting process and of it with its workers."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_child,
        args=(url, ring.to_json(), str(path), str(provider), chunk, workers, queue),
    )
    process.start()
    assert process.pid is not None  # noqa: S101
    sampler = RssSampler(process.pid)
    sampler.start()
    elapsed, submitted, created, rejected, balanced = queue.get()
    sampler.done.set()
    sampler.join()
    process.join()
    counts = (submitted, created, rejected, balanced)
    if counts != (n, n, 0, True):
        raise SystemExit(f"full path did not store every row: {counts}")
    return elapsed, sampler.peak_main, sampler.peak_total


def baseline_chunks(  # noqa: PLR0917
    n: int,
    chunk: int,
    persons: list[tuple[str, str]],
    ring: Keyring,
    kind: RecordKind,
    provider: uuid.UUID,
) -> Iterator[list[tuple[Any, ...]]]:
    """Equivalent rows, precomputed chunk by chunk outside the timing: same types and sizes."""
    now = utcnow()
    batch = uuid.uuid4()
    fields = {f.name: "1000" for f in kind.fields if not f.personal}
    for start in range(0, n, chunk):
        rows = []
        for i in range(start, min(start + chunk, n)):
            number, _ = persons[i % len(persons)]
            finding = TODAY - timedelta(days=30 + i % 300)
            rows.append((  # validation.COPY_COLUMNS order: version last
                uuid.uuid4(), ring.subject_id(number), f"B-{i:09d}", kind.code, kind.domain,
                kind.category.value, kind.severity.value if kind.severity else None, "2026.1",
                f"鄂税稽罚〔2026〕{i}号", finding, finding - timedelta(days=20), finding + timedelta(days=3),
                36, finding, finding + timedelta(days=1095), finding + timedelta(days=365), "active",
                json.dumps(fields), os.urandom(80) if any(f.personal for f in kind.fields) else None,
                "k1", os.urandom(32), i + 2, provider, batch, now, 1,
            ))  # fmt: skip
        yield rows


def run_raw(engine: Engine, chunks: Iterator[list[tuple[Any, ...]]]) -> float:
    columns = COPY_COLUMNS
    twin = CreditRecord.__table__.to_metadata(MetaData(), name="credit_record_raw")
    elapsed = 0.0
    for rows in chunks:
        started = time.perf_counter()
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                identity_service.copy_rows(
                    conn.connection.driver_connection, "credit_record_raw", columns, rows
                )
            else:
                params = [dict(zip(columns, row, strict=True)) for row in rows]
                for p in params:
                    p["fields"] = json.loads(p["fields"])
                conn.execute(insert(twin), params)
        elapsed += time.perf_counter() - started
    return elapsed


def main() -> None:  # one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=30_000, help="records per run")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each path")
    parser.add_argument("--chunk", type=int, default=2000, help="rows per transaction (both paths)")
    parser.add_argument(
        "--people", type=int, default=None, help="registered persons (default rows/4)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="validating processes (default: as configured)"
    )
    args = parser.parse_args()
    n_people = args.people or max(args.rows // 4, 1)

    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        workdir = Path(tmp)
        url = make_database(args.db, workdir, "chengxin_bench_ingest")
        ring = Keyring.generate(demo=True)
        settings = Settings(
            env="test", data_dir=workdir, database_url=url, log_json=True, log_level="WARNING"
        )  # type: ignore[arg-type]
        runtime = build_runtime(settings, keyring=ring)
        migrate.upgrade(runtime.engine)
        create_twin(runtime.engine)
        actor = system_actor("bench")
        persons = people(n_people, seed=42)
        with runtime.scope() as session:
            catalog_service.ensure_active(session, actor=actor)
            _, document = catalog_service.active_document(session)
            provider = organization_service.create(
                session, credit_code=generator.credit_code(random.Random(1), registration="11", region_code="420100"),
                name="基准测试税务局", kind=OrganizationKind.GOVERNMENT, region_code="420100",
                department="tax", actor=actor,
            ).id  # fmt: skip
        kind = pick_kind(document)
        for start in range(0, len(persons), 20_000):
            with runtime.scope() as session:
                identity_service.bulk_register(
                    session, [identity_service.prepare_person(num, name) for num, name in persons[start : start + 20_000]],
                    actor=actor, source="bench",
                )  # fmt: skip
        csv_path = workdir / "records.csv"
        write_csv(csv_path, args.rows, persons, kind)
        full_times, raw_times, peaks, totals = [], [], [], []
        for run in range(args.runs):
            empty_tables(runtime.engine)
            chunks = baseline_chunks(args.rows, args.chunk, persons, ring, kind, provider)
            if run % 2 == 0:
                raw_times.append(run_raw(runtime.engine, chunks))
                elapsed, peak, total = run_full(
                    url, ring, csv_path, provider, args.chunk, args.rows, args.workers
                )
            else:
                elapsed, peak, total = run_full(
                    url, ring, csv_path, provider, args.chunk, args.rows, args.workers
                )
                raw_times.append(run_raw(runtime.engine, chunks))
            full_times.append(elapsed)
            peaks.append(peak)
            totals.append(total)
            print(
                f"run {run + 1}: full {args.rows / full_times[-1]:,.0f} records/s, "
                f"raw {args.rows / raw_times[-1]:,.0f} rows/s, peak RSS {peak / 1024:,.0f} MiB "
                f"(with workers {total / 1024:,.0f} MiB)"
            )
        with runtime.engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM credit_record")).scalar_one()
        assert stored == args.rows, stored  # noqa: S101
        runtime.engine.dispose()
        drop_database(args.db, "chengxin_bench_ingest")

    full_median, raw_median = statistics.median(full_times), statistics.median(raw_times)
    print(json.dumps({
        "bench": "ingest", "db": args.db, "rows": args.rows, "people": n_people, "runs": args.runs,
        "chunk": args.chunk, "kind": kind.code,
        "full_path_seconds_median": round(full_median, 3),
        "raw_load_seconds_median": round(raw_median, 3),
        "full_path_records_per_s": round(args.rows / full_median),
        "raw_load_rows_per_s": round(args.rows / raw_median),
        "ratio_full_to_raw": round(raw_median / full_median, 3),
        "baseline": "COPY write_row" if args.db == "postgresql" else "executemany",
        "peak_rss_mib_max": round(max(peaks) / 1024, 1),
        "peak_rss_with_workers_mib_max": round(max(totals) / 1024, 1),
        "workers": "as configured" if args.workers is None else args.workers,
        "cpu_count": os.cpu_count(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
