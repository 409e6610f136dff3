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

``--with-readers`` (issue 23): the platform's server (granian, one worker, its job worker in
process, as the demo runs) over the bench database, ``--readers`` clients looping
``GET /api/v1/public/lists/entries``, while a child process ingests the file and the server's
worker then sends the batch's notices at creation (两书同达, every subject has a phone) and its
list proposals. The final JSON line gives the readers' p50/p99/max latency during the ingest and
its jobs, and how many answers were not 200. Target: p99 < 1 s (ADR 0026).

    python bench/ingest.py --with-readers                 # 10,000 rows: well under a minute
    python bench/ingest.py --with-readers --rows 200000   # the issue's size
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from common import children, drop_database, make_database, rss_kib, wait_for_server
from sqlalchemy import Engine, MetaData, insert, text

from chengxin import migrate
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument, RecordKind
from chengxin.db import make_engine, utcnow
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
COUNTIES = [
    "420102",
    "420103",
    "420106",
    "420111",
    "420202",
    "420302",
    "420502",
    "420602",
    "420802",
    "420902",
    "421002",
    "421102",
    "421202",
    "421303",
    "422801",
    "429004",
]
TODAY = date(2026, 11, 28)
HEADER = [
    "源记录编号",
    "信息事项代码",
    "身份证号码",
    "姓名",
    "决定文书号",
    "认定日期",
    "行为日期",
    "告知日期",
]


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


def seed_world(
    runtime: Any, n_people: int, *, phones: bool
) -> tuple[uuid.UUID, RecordKind, list[tuple[str, str]]]:
    """The active catalog, a tax department and ``n_people`` registered persons (with phones:
    every record then brings a creation notice). Returns the provider, a kind and the persons."""
    actor = system_actor("bench")
    persons = people(n_people, seed=42)
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=actor)
        _, document = catalog_service.active_document(session)
        provider = organization_service.create(
            session,
            credit_code=generator.credit_code(
                random.Random(1), registration="11", region_code="420100"
            ),
            name="基准测试税务局",
            kind=OrganizationKind.GOVERNMENT,
            region_code="420100",
            department="tax",
            actor=actor,
        ).id
    for start in range(0, len(persons), 20_000):
        with runtime.scope() as session:
            identity_service.bulk_register(
                session,
                [
                    identity_service.prepare_person(num, name, f"139{i:08d}" if phones else None)
                    for i, (num, name) in enumerate(persons[start : start + 20_000], start)
                ],
                actor=actor,
                source="bench",
            )
    return provider, pick_kind(document), persons


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
            writer.writerow(
                [
                    f"B-{i:09d}",
                    kind.code,
                    number,
                    name,
                    f"鄂税稽罚〔2026〕{i}号",
                    finding.isoformat(),
                    (finding - timedelta(days=20)).isoformat(),
                    (finding + timedelta(days=3)).isoformat(),
                    *[str(sample_value(f, rng, finding)) for f in fields],
                ]
            )


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
    options = ingestion_service.Options.from_settings(settings)  # commit parts and pause too
    options = dataclasses.replace(
        options,
        chunk_rows=chunk,
        workers_for=options.workers_for if workers is None else (lambda _size: workers),
    )
    started = time.perf_counter()
    batch = ingestion_service.ingest_file(
        runtime.scope,
        Path(path),
        "csv",
        provider_id=uuid.UUID(provider),
        actor=actor,
        channel="cli",
        filename="bench.csv",
        options=options,
        today=TODAY,
    )
    elapsed = time.perf_counter() - started
    queue.put((elapsed, batch.submitted, batch.created, batch.rejected, batch.balanced))
    runtime.engine.dispose()


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
            main = rss_kib(self.pid)
            total = main + sum(rss_kib(child) for child in children(self.pid))
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
            rows.append(
                (  # validation.COPY_COLUMNS order: version last
                    uuid.uuid4(),
                    ring.subject_id(number),
                    f"B-{i:09d}",
                    kind.code,
                    kind.domain,
                    kind.category.value,
                    kind.severity.value if kind.severity else None,
                    "2026.1",
                    f"鄂税稽罚〔2026〕{i}号",
                    finding,
                    finding - timedelta(days=20),
                    finding + timedelta(days=3),
                    36,
                    finding,
                    finding + timedelta(days=1095),
                    finding + timedelta(days=365),
                    "active",
                    json.dumps(fields),
                    os.urandom(80) if any(f.personal for f in kind.fields) else None,
                    "k1",
                    os.urandom(32),
                    i + 2,
                    provider,
                    batch,
                    now,
                    1,
                )
            )
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER = """
from granian import Granian
from granian.constants import Interfaces
Granian("chengxin.app:create_app", factory=True, address="127.0.0.1", port={port},
        interface=Interfaces.ASGI, workers=1, log_access=False).serve()
"""


def start_server(url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """granian (one worker) over the bench database and key file, its job worker in process;
    waits until it answers."""
    port = _free_port()
    env = {
        **os.environ,
        "CHENGXIN_DATABASE_URL": url,
        "CHENGXIN_DATA_DIR": str(workdir),
        "CHENGXIN_ENV": "development",
        "CHENGXIN_LOG_LEVEL": "WARNING",
        "CHENGXIN_JOBS_IN_PROCESS": "true",
        "CHENGXIN_JOBS_POLL_SECONDS": "0.5",
    }
    log = workdir / "server.log"
    process = subprocess.Popen(  # noqa: S603  # our own interpreter, fixed arguments
        [sys.executable, "-c", SERVER.format(port=port)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process, wait_for_server(process, port, log)


class Readers:
    """``n`` clients, each sending ``GET /api/v1/public/lists/entries`` back to back; every
    answer is kept as (start, seconds, status)."""

    def __init__(self, base: str, n: int) -> None:
        self.base, self.n = base, n
        self.samples: list[tuple[float, float, int]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(n)]

    def _loop(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    status = client.get("/api/v1/public/lists/entries?limit=20").status_code
                except httpx.HTTPError:
                    status = 0
                self.samples.append((started, time.perf_counter() - started, status))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def figures(self, since: float, until: float) -> dict[str, Any]:
        """Latency percentiles (ms) of the requests begun in [since, until)."""
        window = [(lat, st) for at, lat, st in self.samples if since <= at < until]
        if not window:
            return {"requests": 0}
        latencies = sorted(lat for lat, _ in window)

        def pct(q: float) -> float:
            return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1)

        return {
            "requests": len(window),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": round(latencies[-1] * 1000, 1),
            "not_200": sum(1 for _, st in window if st != 200),
        }


def _batch_jobs(engine: Engine) -> list[tuple[str, str, Any, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT kind, status, result, progress FROM job WHERE kind IN "
                "('repair.creation-notices', 'lists.propose-from-batch')"
            )
        ).all()
    return [tuple(row) for row in rows]


def _settle(url: str, longest: float = 300) -> None:
    """Wait until the server's worker ran the jobs its schedules queued at start (the first
    scoring run scores the whole population), so the baseline is the read load alone."""
    engine = make_engine(url)
    deadline = time.monotonic() + longest
    try:
        while time.monotonic() < deadline:
            time.sleep(1)
            with engine.connect() as conn:
                busy = conn.execute(
                    text("SELECT count(*) FROM job WHERE status IN ('queued', 'running')")
                ).scalar_one()
            if not busy:
                return
    finally:
        engine.dispose()


def with_readers(args: argparse.Namespace) -> None:  # one linear script
    """The ingest and its jobs under a light read load (``--with-readers``)."""
    n_people = args.people or max(args.rows // 4, 1)
    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        workdir = Path(tmp)
        url = make_database(args.db, workdir, "chengxin_bench_ingest")
        settings = Settings(
            env="development",
            data_dir=workdir,
            database_url=url,
            log_json=True,
            log_level="WARNING",
            jobs_in_process=False,
        )  # type: ignore[arg-type]
        runtime = build_runtime(settings)  # writes the key file the server reads
        migrate.upgrade(runtime.engine)
        provider, kind, persons = seed_world(runtime, n_people, phones=True)
        csv_path = workdir / "records.csv"
        write_csv(csv_path, args.rows, persons, kind)
        ring = runtime.keyring
        runtime.engine.dispose()
        server, base = start_server(url, workdir)
        readers = Readers(base, args.readers)
        try:
            _settle(url)
            readers.start()
            time.sleep(2)  # the load alone, for the baseline
            began = time.perf_counter()
            ingest_s, _, _ = run_full(
                url, ring, csv_path, provider, args.chunk, args.rows, args.workers
            )
            ingested = time.perf_counter()
            engine = make_engine(url)
            jobs: list[tuple[str, str, Any, Any]] = []
            while time.perf_counter() - ingested < args.jobs_timeout:
                jobs = _batch_jobs(engine)
                if len(jobs) == 2 and all(status == "done" for _, status, _, _ in jobs):
                    break
                time.sleep(0.5)
            finished = time.perf_counter()
            engine.dispose()
        finally:
            readers.finish()
            server.terminate()
            server.wait(timeout=60)
        drop_database(args.db, "chengxin_bench_ingest")
    during = readers.figures(began, finished)
    print(
        json.dumps(
            {
                "bench": "ingest-with-readers",
                "db": args.db,
                "rows": args.rows,
                "people": n_people,
                "chunk": args.chunk,
                "kind": kind.code,
                "readers": args.readers,
                "ingest_seconds": round(ingest_s, 1),
                "jobs_seconds": round(finished - ingested, 1),
                "jobs": {k: {"status": st, "result": res} for k, st, res, _ in jobs},
                "baseline": readers.figures(began - 2, began),
                "during_ingest": readers.figures(began, ingested),
                "during_jobs": readers.figures(ingested, finished),
                "p50_ms": during.get("p50_ms"),
                "p99_ms": during.get("p99_ms"),
                "max_ms": during.get("max_ms"),
                "not_200": during.get("not_200"),
                "target_p99_ms": 1000,
                "cpu_count": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )


def main() -> None:  # one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="records per run (default 30,000; 10,000 with --with-readers)",
    )
    parser.add_argument(
        "--with-readers",
        action="store_true",
        help="the ingest and its notice job under a light read load (issue 23)",
    )
    parser.add_argument("--readers", type=int, default=4, help="reading clients (--with-readers)")
    parser.add_argument(
        "--jobs-timeout",
        type=float,
        default=1800,
        help="longest wait for the batch's jobs (--with-readers), seconds",
    )
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each path")
    parser.add_argument("--chunk", type=int, default=2000, help="rows per transaction (both paths)")
    parser.add_argument(
        "--people", type=int, default=None, help="registered persons (default rows/4)"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="validating processes (default: as configured)"
    )
    args = parser.parse_args()
    if args.rows is None:
        args.rows = 10_000 if args.with_readers else 30_000
    if args.with_readers:
        with_readers(args)
        return
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
        provider, kind, persons = seed_world(runtime, n_people, phones=False)
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
    print(
        json.dumps(
            {
                "bench": "ingest",
                "db": args.db,
                "rows": args.rows,
                "people": n_people,
                "runs": args.runs,
                "chunk": args.chunk,
                "kind": kind.code,
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
            }
        )
    )


if __name__ == "__main__":
    main()
