"""Benchmark: N synthetic people through the full identity path vs. a raw insert of equivalent rows.

Full path = the population registry import of a CSV file (written before timing): read and parse
→ validate (GB 11643, names, phones, regions) → blind index (HMAC-SHA256) → AES-256-GCM of ID
number, name and phone → classify against the store → COPY on PostgreSQL / executemany on SQLite
→ audit entries, import report. Validation and sealing run in worker processes as the platform
does for large files (``--workers``, default as configured: all cores over 8 MiB).
Baseline = the same number of rows of the same shape (column types, ciphertext sizes, primary
key) inserted raw into a twin table from precomputed Python tuples: psycopg COPY (write_row) on
PostgreSQL, executemany on SQLite. On PostgreSQL the run also reports the server's floor: COPY
of preformatted text, with no client-side work at all. Runs alternate, each on emptied tables;
figures are medians; the ratio (full ÷ raw throughput) is what to compare across machines.

    python bench/identity.py --db sqlite --n 100000
    python bench/identity.py --db postgresql --n 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import drop_database, make_database
from sqlalchemy import Engine, MetaData, insert, text

from chengxin import migrate
from chengxin.db import utcnow
from chengxin.identity import idnumber, population
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.keys.keyring import Keyring
from chengxin.runtime import build_runtime
from chengxin.security.actor import system_actor
from chengxin.settings import Settings

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆欣怡佳琪雪梅婷晶晨"
COUNTIES = [
    "420102",
    "420103",
    "420104",
    "420105",
    "420106",
    "420111",
    "420112",
    "420113",
    "420202",
    "420302",
    "420502",
    "420602",
    "420703",
    "420802",
    "420902",
    "421002",
    "421102",
    "421202",
    "421303",
    "422801",
    "429004",
    "429005",
    "429006",
    "429021",
]


def synthetic_rows(n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """n distinct (id_number, name, phone, region) rows; generation is not timed."""
    rng = random.Random(seed)
    today = date(2026, 11, 28)
    seen: set[str] = set()
    rows = []
    while len(rows) < n:
        number = idnumber.make(
            rng.choice(COUNTIES),
            today - timedelta(days=rng.randint(6600, 31000)),
            rng.randrange(1000),
        )
        if number in seen:
            continue
        seen.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = "1" + str(rng.choice((3, 5, 7, 8, 9))) + f"{rng.randrange(10**9):09d}"
        rows.append((number, name, phone, number[:6]))
    return rows


def create_twin(engine: Engine) -> None:
    """subject_raw: the subject table's columns, key and indexes, for the baseline."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE subject_raw (LIKE subject INCLUDING ALL)")
        return
    twin = Subject.__table__.to_metadata(MetaData(), name="subject_raw")
    for index in twin.indexes:
        index.name = index.name.replace("subject", "subject_raw") if index.name else None
    twin.create(engine)


def empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE subject, subject_raw CASCADE")
        else:
            conn.exec_driver_sql("DELETE FROM subject")
            conn.exec_driver_sql("DELETE FROM subject_raw")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE subject")
            conn.exec_driver_sql("VACUUM ANALYZE subject_raw")


def write_csv(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["公民身份号码", "姓名", "手机号码", "户籍地区划代码"])
        writer.writerows(rows)


def run_full(runtime: Any, path: Path, n: int, batch: int, workers: int) -> float:
    started = time.perf_counter()
    report = population.import_file(
        runtime.scope,
        path,
        "csv",
        actor=system_actor("bench"),
        filename=path.name,
        batch_rows=batch,
        workers=workers,
    )
    elapsed = time.perf_counter() - started
    assert report.balanced and report.inserted == n, report  # noqa: S101, PT018
    return elapsed


def run_copy_text(engine: Engine, rows: list[tuple[Any, ...]], batch: int) -> float:
    """The server's floor: COPY of rows already in text format (formatting not timed)."""
    from chengxin.identity.sealing import copy_line

    blobs = [
        b"".join(copy_line(r) for r in rows[i : i + batch]) for i in range(0, len(rows), batch)
    ]
    started = time.perf_counter()
    for blob in blobs:
        with engine.begin() as conn:
            identity_service.copy_text(
                conn.connection.driver_connection, "subject_raw", identity_service.COLUMNS, blob
            )
    return time.perf_counter() - started


def raw_rows(rows: list[tuple[str, str, str, str]], ring: Keyring) -> list[tuple[Any, ...]]:
    """Equivalent rows, precomputed outside the timing: same types and sizes, no crypto."""
    now = utcnow()
    out = []
    for i, (number, name, _phone, region) in enumerate(rows):
        out.append(
            {
                "id": ring.subject_id(number),
                "id_number_ct": os.urandom(12 + 18 + 16),
                "name_ct": os.urandom(12 + len(name.encode()) + 16),
                "phone_ct": os.urandom(12 + 11 + 16),
                "key_id": "k1",
                "birth_on": date(1980, 1, 1 + i % 28),
                "sex": "M",
                "address_code": region,
                "region_code": region,
                "prefecture_code": region[:4] + "00",
                "in_registry": True,
                "registry_digest": os.urandom(32),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    return [tuple(row[c] for c in identity_service.COLUMNS) for row in out]


def run_raw(engine: Engine, rows: list[tuple[Any, ...]], batch: int) -> float:
    columns = identity_service.COLUMNS
    twin = Subject.__table__.to_metadata(MetaData(), name="subject_raw")
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                identity_service.copy_rows(
                    conn.connection.driver_connection, "subject_raw", columns, chunk
                )
            else:
                conn.execute(insert(twin), [dict(zip(columns, row, strict=True)) for row in chunk])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--n", type=int, default=100_000, help="people per run")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each path")
    parser.add_argument("--batch", type=int, default=5000, help="rows per transaction (both paths)")
    parser.add_argument(
        "--workers", type=int, default=None, help="sealing processes (default: as configured)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        workdir = Path(tmp)
        url = make_database(args.db, workdir, "chengxin_bench")
        ring = Keyring.generate(demo=True)
        runtime = build_runtime(
            Settings(env="test", data_dir=workdir, database_url=url, log_json=True),  # type: ignore[arg-type]
            keyring=ring,
        )
        migrate.upgrade(runtime.engine)
        create_twin(runtime.engine)
        rows = synthetic_rows(args.n, seed=42)
        baseline_rows = raw_rows(rows, ring)
        csv_path = workdir / "population.csv"
        write_csv(csv_path, rows)
        workers = (
            args.workers
            if args.workers is not None
            else runtime.settings.workers_for(csv_path.stat().st_size)
        )
        full_times, raw_times, floor_times = [], [], []
        for run in range(args.runs):
            empty_tables(runtime.engine)
            # Alternate which goes first so drift on a shared machine hits both alike.
            if run % 2 == 0:
                raw_times.append(run_raw(runtime.engine, baseline_rows, args.batch))
                full_times.append(run_full(runtime, csv_path, args.n, args.batch, workers))
            else:
                full_times.append(run_full(runtime, csv_path, args.n, args.batch, workers))
                raw_times.append(run_raw(runtime.engine, baseline_rows, args.batch))
            if args.db == "postgresql":
                with runtime.engine.begin() as conn:
                    conn.exec_driver_sql("TRUNCATE subject_raw")
                floor_times.append(run_copy_text(runtime.engine, baseline_rows, args.batch))
            print(
                f"run {run + 1}: full {args.n / full_times[-1]:,.0f} rows/s, "
                f"raw {args.n / raw_times[-1]:,.0f} rows/s"
            )
        with runtime.engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM subject")).scalar_one()
        assert stored == args.n, f"expected {args.n} subjects, found {stored}"  # noqa: S101
        runtime.engine.dispose()
        drop_database(args.db, "chengxin_bench")

    full_median, raw_median = statistics.median(full_times), statistics.median(raw_times)
    print(
        json.dumps(
            {
                "bench": "identity",
                "db": args.db,
                "n": args.n,
                "runs": args.runs,
                "batch": args.batch,
                "full_path_seconds_median": round(full_median, 3),
                "raw_insert_seconds_median": round(raw_median, 3),
                "full_path_rows_per_s": round(args.n / full_median),
                "raw_insert_rows_per_s": round(args.n / raw_median),
                "ratio_full_to_raw": round(raw_median / full_median, 3),
                "baseline": "COPY write_row" if args.db == "postgresql" else "executemany",
                "workers": workers,
                "server_floor_copy_text_rows_per_s": round(args.n / statistics.median(floor_times))
                if floor_times
                else None,
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
