"""Benchmark: the expiry sweep (``records.expiry.sweep``) over a store of N credit records.

1. Load ``--records`` synthetic ``credit_record`` rows fast (COPY of prepared text on PostgreSQL,
   its secondary indexes built after the load; executemany on SQLite): until-days spread uniformly
   over 1,100 days centred on TODAY (so a day's sweep expires about N/1,100 of them), a tenth
   superseded or revoked, kinds of the shipped catalog. No personal data: subject ids are random
   keys and sealed fields are NULL.
2. The first sweep on TODAY: the one-off catch-up of a deployment (about half the store).
3. ``--days`` daily sweeps on the following days, each its own transaction (as the job runs it).
   Before each, outside the timing, a day's arrivals are stored: N/1,100 new versions with their
   ``created`` events, 2 % of them backdated past the watermark, so the late pass has work.
   Beside each sweep, in alternating order, the baselines on the same day: the bare
   ``INSERT INTO record_event ... SELECT ... WHERE display_until_on = day`` statement (its own
   committed transaction; the duplicate events it leaves do not change the sweep's work) and a
   bare ``SELECT count(*)`` of the same rows. Figures are medians; the ratio to the bare statement
   is the figure that travels across machines.
4. Two catch-up sweeps of 30 days each (a job down for a month), with the bare statement over the
   same range, once before and once after the sweep.
Province figure: a daily sweep's work grows with the day's expiries (about N/1,100) and arrivals,
so 50,000,000 records take (50,000,000 / N) x the median daily sweep; the target is 10 minutes,
i.e. at least 83,334 store records covered per second. The last line printed is one JSON object.

    python bench/expiry.py --db sqlite
    python bench/expiry.py --db postgresql --records 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import drop_database, make_database, run_child
from sqlalchemy import Date, Engine, bindparam, insert, text

from chengxin import migrate
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument, Category
from chengxin.db import UTCDateTime
from chengxin.keys.keyring import Keyring
from chengxin.records import expiry
from chengxin.records.models import CreditRecord, RecordEvent
from chengxin.runtime import build_runtime
from chengxin.settings import Settings
from chengxin.workdays.days import CHINA

DB_NAME = "chengxin_bench_expiry"
TODAY = date(2026, 11, 28)
SPREAD = 1100  # days over which until-days are spread, centred on TODAY
PROVINCE = 50_000_000
TARGET_SECONDS = 600
RECORD_COLUMNS = [c.name for c in CreditRecord.__table__.columns]
EVENT_COLUMNS = ("at", "action", "record_id", "subject_id", "provider_id", "kind_code", "batch_id")
DIGEST = "\\\\x" + "00" * 32  # bytea in COPY text: the backslash itself is escaped
RECEIVED = datetime(2026, 11, 1, tzinfo=UTC)


def _moment(day: date) -> datetime:
    """01:00 in China on ``day``, as the UTC moment the job passes."""
    return datetime(day.year, day.month, day.day, 1, tzinfo=CHINA).astimezone(UTC)


class Synth:
    """Synthetic versions of the shipped catalog's kinds, as COPY lines or row dicts."""

    def __init__(self) -> None:
        document = CatalogDocument.model_validate(catalog_service.shipped_content())
        kinds = [k for k in document.kinds if k.category is not Category.BASIC]
        self.kinds = [
            (k.code, k.domain, k.category.value, k.severity.value if k.severity else "\\N")
            for k in kinds
        ]
        self.catalog_version = document.version
        self.providers = [uuid.uuid4().hex for _ in range(40)]
        self.batch = uuid.uuid4().hex
        self.rng = random.Random(20261128)
        self.n = 0

    def lines(self, count: int, until: Callable[[random.Random], date]) -> tuple[str, list[str]]:
        """``count`` COPY lines (RECORD_COLUMNS order) and the matching ``created`` event lines."""
        rng, ids = self.rng, os.urandom(32 * count).hex()
        out, events = [], []
        received = RECEIVED.isoformat()
        for i in range(count):
            self.n += 1
            code, domain, category, severity = rng.choice(self.kinds)
            end = until(rng)
            start = end - timedelta(days=365)
            status = rng.choices(("active", "superseded", "revoked"), (90, 6, 4))[0]
            ended = received if status != "active" else "\\N"
            record_id, subject_id = ids[64 * i : 64 * i + 32], ids[64 * i + 32 : 64 * i + 64]
            provider = rng.choice(self.providers)
            out.append(
                f"{record_id}\t{subject_id}\t{provider}\tE{self.n}\t1\t{code}\t{domain}\t"
                f"{category}\t{severity}\t{self.catalog_version}\t鄂演示〔2026〕{self.n}号\t"
                f"{start}\t\\N\t\\N\t12\t{start}\t{end}\t\\N\t{status}\t{{}}\t\\N\t\\N\t{DIGEST}\t"
                f"{self.batch}\t{self.n}\t{received}\t{ended}\t\\N\n"
            )
            events.append(
                f"{received}\tcreated\t{record_id}\t{subject_id}\t{provider}\t{code}\t{self.batch}\n"
            )
        return "".join(out), events

    def rows(self, count: int, until: Callable[[random.Random], date]) -> list[dict[str, Any]]:
        """The same versions as dicts for SQLite's executemany."""
        text_, _ = self.lines(count, until)
        rows = []
        for line in text_.splitlines():
            values = line.split("\t")
            row: dict[str, Any] = dict(zip(RECORD_COLUMNS, values, strict=True))
            for key, value in row.items():
                if value == "\\N":
                    row[key] = None
            for key in ("id", "subject_id", "provider_id", "batch_id"):
                row[key] = uuid.UUID(row[key])
            for key in ("finding_on", "display_from_on", "display_until_on"):
                row[key] = date.fromisoformat(row[key])
            row["version"], row["display_months"], row["row_no"] = 1, 12, int(row["row_no"])
            row["fields"], row["content_digest"] = {}, b"\0" * 32
            row["received_at"] = RECEIVED
            row["ended_at"] = RECEIVED if row["ended_at"] else None
            rows.append(row)
        return rows


def _uniform(rng: random.Random) -> date:
    return TODAY + timedelta(days=rng.randint(-SPREAD // 2, SPREAD // 2 - 1))


def _copy(engine: Engine, table: str, columns: Any, data: str) -> None:
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            copy.write(data.encode("utf-8"))


def load(engine: Engine, synth: Synth, total: int) -> float:
    """Seconds to load ``total`` versions (and build the indexes on PostgreSQL)."""
    started = time.perf_counter()
    chunk = 250_000
    if engine.dialect.name == "sqlite":
        for done in range(0, total, chunk):
            with engine.begin() as conn:
                conn.execute(
                    insert(CreditRecord.__table__), synth.rows(min(chunk, total - done), _uniform)
                )
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return time.perf_counter() - started
    with engine.begin() as conn:
        indexes = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'credit_record' "
                "AND indexname <> 'pk_credit_record'"
            )
        ).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        # (id) on a plain table, (id, subject_id) on the partitioned one (ADR 0035).
        primary = conn.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pk_credit_record'"
            )
        ).scalar_one()
        conn.execute(text("ALTER TABLE credit_record DROP CONSTRAINT pk_credit_record"))
    for done in range(0, total, chunk):
        lines, _ = synth.lines(min(chunk, total - done), _uniform)
        _copy(engine, "credit_record", RECORD_COLUMNS, lines)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        conn.execute(text(f"ALTER TABLE credit_record ADD CONSTRAINT pk_credit_record {primary}"))
        for _, definition in indexes:
            # A partitioned table's index reads "ON ONLY": as such it would skip the partitions.
            conn.execute(text(definition.replace(" ON ONLY ", " ON ", 1)))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE credit_record"))
    return time.perf_counter() - started


def arrive(engine: Engine, synth: Synth, count: int, day: date) -> None:
    """A day's new versions with their ``created`` events, 2 % backdated past ``day``."""
    late = max(1, count // 50)

    def until(rng: random.Random) -> date:
        if rng.random() < late / count:
            return day - timedelta(days=rng.randint(1, 400))  # a finding whose period is over
        return day + timedelta(days=rng.randint(1, SPREAD // 2))

    if engine.dialect.name == "sqlite":
        rows = synth.rows(count, until)
        events = [
            {
                "at": RECEIVED,
                "action": "created",
                "record_id": r["id"],
                "subject_id": r["subject_id"],
                "provider_id": r["provider_id"],
                "kind_code": r["kind_code"],
                "batch_id": r["batch_id"],
            }
            for r in rows
        ]
        with engine.begin() as conn:
            conn.execute(insert(CreditRecord.__table__), rows)
            conn.execute(insert(RecordEvent.__table__), events)
        return
    lines, events = synth.lines(count, until)
    _copy(engine, "credit_record", RECORD_COLUMNS, lines)
    _copy(engine, "record_event", EVENT_COLUMNS, "".join(events))


BARE_INSERT = (
    "INSERT INTO record_event (at, action, record_id, subject_id, provider_id, kind_code, batch_id) "
    "SELECT :at, 'expired', id, subject_id, provider_id, kind_code, batch_id FROM credit_record "
    "WHERE status = 'active' AND display_until_on > :after AND display_until_on <= :upto"
)
BARE_COUNT = (
    "SELECT count(*) FROM credit_record "
    "WHERE status = 'active' AND display_until_on > :after AND display_until_on <= :upto"
)


def bare(engine: Engine, sql: str, after: date, upto: date) -> tuple[float, int]:
    """Seconds and rows of one bare statement over (after, upto], committed."""
    params: dict[str, Any] = {"after": after, "upto": upto}
    binds = [bindparam("after", type_=Date()), bindparam("upto", type_=Date())]
    if sql is BARE_INSERT:
        params["at"] = _moment(upto)
        binds.append(bindparam("at", type_=UTCDateTime()))
    statement = text(sql).bindparams(*binds).execution_options(preserve_rowcount=True)
    started = time.perf_counter()
    with engine.begin() as conn:
        result = conn.execute(statement, params)
        rows = result.scalar_one() if sql is BARE_COUNT else result.rowcount
    return time.perf_counter() - started, int(rows)


def swept(runtime: Any, day: date) -> tuple[float, expiry.SweepResult]:
    """Seconds of one sweep on ``day`` in its own transaction (commit included)."""
    started = time.perf_counter()
    with runtime.scope() as session:
        result = expiry.sweep(session, now=_moment(day))
    return time.perf_counter() - started, result


def plan_uses_index(engine: Engine, day: date) -> bool:
    """The range statement reads the partial index (EXPLAIN of the bare count)."""
    params = {"after": day - timedelta(days=1), "upto": day}
    with engine.connect() as conn:
        prefix = "EXPLAIN " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        plan = " ".join(str(r) for r in conn.execute(text(prefix + BARE_COUNT), params).all())
    # A partition's copy of the index is named by PostgreSQL: credit_record_hNN_display_until_on_idx.
    return "ix_credit_record_display_until_on" in plan or "_display_until_on_idx" in plan


def _child(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:  # noqa: PLR0915
    settings = Settings(
        env="test", data_dir=Path(workdir), database_url=url, log_json=True, log_level="WARNING"
    )  # type: ignore[arg-type]
    runtime = build_runtime(settings, keyring=Keyring.generate(demo=True))
    migrate.upgrade(runtime.engine)
    engine, n = runtime.engine, args["records"]
    synth = Synth()
    out: dict[str, Any] = {"load_seconds": round(load(engine, synth, n), 1)}

    seconds, first = swept(runtime, TODAY)
    out["first_sweep"] = {
        "seconds": round(seconds, 3),
        "expired": first.expired,
        "from_on": str(first.from_on),
        "expired_rows_per_s": round(first.expired / seconds),
    }
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))

    arrivals = max(1, n // SPREAD)
    daily: dict[str, list[float]] = {
        "sweep": [],
        "insert": [],
        "count": [],
        "expired": [],
        "late": [],
        "ratio": [],
    }
    for i in range(1, args["days"] + 1):
        day = TODAY + timedelta(days=i)
        arrive(engine, synth, arrivals, day)
        after = day - timedelta(days=1)
        if i % 2:
            sweep_s, result = swept(runtime, day)
            insert_s, inserted = bare(engine, BARE_INSERT, after, day)
        else:
            insert_s, inserted = bare(engine, BARE_INSERT, after, day)
            sweep_s, result = swept(runtime, day)
        count_s, counted = bare(engine, BARE_COUNT, after, day)
        if not result.expired - result.late == inserted == counted:
            raise SystemExit(f"day {day}: sweep {result}, bare insert {inserted}, count {counted}")
        daily["sweep"].append(sweep_s)
        daily["insert"].append(insert_s)
        daily["count"].append(count_s)
        daily["expired"].append(result.expired)
        daily["late"].append(result.late)
        daily["ratio"].append(sweep_s / insert_s)
        print(
            f"day {day}: sweep {sweep_s * 1000:.1f} ms ({result.expired} expired, "
            f"{result.late} late), bare insert {insert_s * 1000:.1f} ms, count {count_s * 1000:.1f} ms"
        )
    med = {key: statistics.median(values) for key, values in daily.items()}
    out["daily"] = {
        "days": args["days"],
        "arrivals_per_day": arrivals,
        "sweep_ms_median": round(med["sweep"] * 1000, 2),
        "expired_median": round(med["expired"]),
        "late_median": round(med["late"]),
        "bare_insert_ms_median": round(med["insert"] * 1000, 2),
        "bare_count_ms_median": round(med["count"] * 1000, 2),
        "ratio_sweep_to_bare_insert_median": round(med["ratio"], 2),
        "store_records_per_s": round(n / med["sweep"]),
        "expired_rows_per_s": round(med["expired"] / med["sweep"]),
    }

    catch_up = []
    last = TODAY + timedelta(days=args["days"])
    for k in (1, 2):
        upto = last + timedelta(days=30)
        if k == 1:
            sweep_s, result = swept(runtime, upto)
            insert_s, inserted = bare(engine, BARE_INSERT, last, upto)
        else:
            insert_s, inserted = bare(engine, BARE_INSERT, last, upto)
            sweep_s, result = swept(runtime, upto)
        if result.expired != inserted:
            raise SystemExit(f"catch-up to {upto}: sweep {result}, bare insert {inserted}")
        catch_up.append((sweep_s, insert_s, result.expired))
        print(
            f"catch-up to {upto}: sweep {sweep_s:.3f} s ({result.expired} expired), "
            f"bare insert {insert_s:.3f} s"
        )
        last = upto
    sweep_s = statistics.mean(c[0] for c in catch_up)
    insert_s = statistics.mean(c[1] for c in catch_up)
    expired = statistics.mean(c[2] for c in catch_up)
    out["catch_up_30_days"] = {
        "runs": len(catch_up),
        "sweep_seconds_mean": round(sweep_s, 3),
        "expired_mean": round(expired),
        "bare_insert_seconds_mean": round(insert_s, 3),
        "ratio_sweep_to_bare_insert": round(sweep_s / insert_s, 2),
        "expired_rows_per_s": round(expired / sweep_s),
    }
    out["plan_uses_partial_index"] = plan_uses_index(engine, last)
    province_s = med["sweep"] * PROVINCE / n
    out["province"] = {
        "records": PROVINCE,
        "daily_sweep_seconds_extrapolated": round(province_s, 2),
        "target_seconds": TARGET_SECONDS,
        "required_store_records_per_s": -(-PROVINCE // TARGET_SECONDS),
        "meets_target": province_s <= TARGET_SECONDS,
    }
    runtime.stop_audit_writer()
    engine.dispose()
    queue.put(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--records",
        type=int,
        default=None,
        help="credit records in the store (default 500,000 on PostgreSQL, 200,000 on SQLite)",
    )
    parser.add_argument("--days", type=int, default=7, help="daily sweeps timed")
    args = vars(parser.parse_args())
    if args["records"] is None:
        args["records"] = 500_000 if args["db"] == "postgresql" else 200_000
    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        url = make_database(args["db"], Path(tmp), DB_NAME)
        try:
            out = run_child(_child, url, tmp, args)
        finally:
            drop_database(args["db"], DB_NAME)
    daily = out["daily"]
    print(
        f"{args['records']:,} records loaded in {out['load_seconds']} s; daily sweep "
        f"{daily['sweep_ms_median']} ms for {daily['expired_median']:,} expiries "
        f"(bare INSERT ... SELECT {daily['bare_insert_ms_median']} ms): "
        f"{daily['store_records_per_s']:,} store records/s; 50,000,000 records: "
        f"{out['province']['daily_sweep_seconds_extrapolated']} s (target {TARGET_SECONDS} s)"
    )
    print(
        json.dumps(
            {
                "bench": "expiry",
                "db": args["db"],
                "records": args["records"],
                **out,
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
