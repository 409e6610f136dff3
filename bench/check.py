"""Benchmark: the service-window check over HTTP against the real server (granian, one worker).

1. Load ``--subjects`` registered persons (sealed, blind-indexed; COPY on PostgreSQL) and
   ``--records-per-subject`` × as many credit records (COPY on PostgreSQL, executemany on
   SQLite), about 1 % of the persons on a published black list and 1 % on a red list.
2. Start ``granian`` with one worker on 127.0.0.1 (the ``chengxin serve`` wiring: the app
   factory, ASGI) over that database and key file.
3. A bounded async httpx load at ``--concurrency`` (64) connections, each for ``--seconds``:
   the trivial endpoint (``GET /health``) req/s, beside the same endpoint of a bare Litestar app
   (no middleware) started by the same granian line (``health_vs_bare``); single checks (one random
   person per request): req/s, p50, p99; then batch checks of ``--batch`` persons per request
   at ``--batch-concurrency`` connections: subjects/s. Ratio single / trivial.
4. ``--workers N`` (N > 1) or ``--replica``: before the measured server, the single checks
   against one worker without a replica, same load, same run (``single_process``); the measured
   rate over it is ``check_rate_vs_single_process`` (issue 18). ``--replica`` (PostgreSQL): the
   bench database is on a throw-away primary with a hot standby of the bench's own
   (tests/pgcluster.py) instead of the shared server, and the measured server reads from the
   standby (CHENGXIN_REPLICA_URLS) once it has replayed the load.
The last line printed is one JSON object of figures.

    python bench/check.py --db sqlite
    python bench/check.py --db postgresql --subjects 1000000        # the issue's large size
    python bench/check.py --db postgresql --workers 2               # against one process
    python bench/check.py --db postgresql --replica                 # reads from a standby
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import drop_database, make_database, run_child, wait_for_server, window_world
from sqlalchemy import insert, text

from chengxin import migrate
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import Category
from chengxin.db import make_engine
from chengxin.identity import idnumber
from chengxin.identity import service as identity_service
from chengxin.lists import types as list_types
from chengxin.lists.models import ListEntry
from chengxin.organizations import service as organization_service
from chengxin.records.models import CreditRecord
from chengxin.records.window import display_window
from chengxin.runtime import build_runtime
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from chengxin.state import service as state_service

DB_NAME = "chengxin_bench_check"
SYSTEM = system_actor("bench")
RECORD_COLUMNS = [c.name for c in CreditRecord.__table__.columns]
TODAY = date(2026, 11, 28)
ADDRESS_CODES = [
    "420102",
    "420103",
    "420106",
    "420111",
    "420202",
    "420302",
    "420502",
    "420602",
    "420702",
    "420802",
    "420902",
    "421002",
    "421102",
    "421202",
    "421302",
    "422801",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红鹏辉斌波宇浩凯晨欣怡婷雪琳"
CHUNK = 50_000


def person(i: int) -> tuple[str, str]:
    """The i-th synthetic person: a valid ID number (distinct by construction) and a name."""
    seq, rest = i % 1000, i // 1000
    born = date(1960, 1, 1) + timedelta(days=rest % 14_600)
    address = ADDRESS_CODES[(rest // 14_600) % len(ADDRESS_CODES)]
    rng = random.Random(i)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return idnumber.make(address, born, seq), name


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _copy_rows(conn: Any, table: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    raw = conn.connection.driver_connection
    json_cols = {"fields", "record_ids"}
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_cols else row[c] for c in columns])


def load_subjects(runtime: Any, n: int) -> tuple[float, list[uuid.UUID]]:
    """Register n persons in batches (sealed, blind-indexed); their subject keys."""
    started = time.perf_counter()
    ids: list[uuid.UUID] = []
    for start in range(0, n, CHUNK):
        persons = [
            identity_service.prepare_person(*person(i)) for i in range(start, min(n, start + CHUNK))
        ]
        with runtime.scope() as session:
            identity_service.bulk_register(session, persons, actor=SYSTEM, source="bench")
        ids += [runtime.keyring.subject_id(p.parsed.number) for p in persons]
    return time.perf_counter() - started, ids


def load_records(
    runtime: Any, subjects: list[uuid.UUID], per_subject: int, provider_id: uuid.UUID
) -> float:
    """per_subject × len(subjects) records of the shipped catalog's kinds, mostly current."""
    with runtime.scope() as session:
        _, document = catalog_service.active_document(session)
    kinds = [k for k in document.kinds if k.category is not Category.BASIC]
    rng = random.Random(5)
    batch_id = uuid.uuid4()
    received = datetime(2026, 11, 1, tzinfo=UTC)
    total = len(subjects) * per_subject
    started = time.perf_counter()
    n = 0
    while n < total:
        rows = []
        for _ in range(min(CHUNK, total - n)):
            kind = rng.choice(kinds)
            finding = TODAY - timedelta(days=rng.randint(0, 4 * 365))
            window = display_window(
                document.period_of(kind), kind.category, finding_on=finding, act_on=None
            )
            status = rng.choices(["active", "superseded", "revoked", "repaired"], [90, 5, 3, 2])[0]
            n += 1
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "subject_id": subjects[n % len(subjects)],
                    "provider_id": provider_id,
                    "source_id": f"B{n}",
                    "version": 1,
                    "kind_code": kind.code,
                    "domain": kind.domain,
                    "category": kind.category.value,
                    "severity": kind.severity.value if kind.severity else None,
                    "catalog_version": document.version,
                    "document_no": f"鄂演示〔2026〕{n}号",
                    "finding_on": finding,
                    "act_on": None,
                    "notified_on": None,
                    "display_months": window.months,
                    "display_from_on": window.from_on,
                    "display_until_on": window.until_on,
                    "repair_from_on": window.repair_from_on,
                    "status": status,
                    "fields": {"amount": "1000"},
                    "sealed_fields": None,
                    "key_id": None,
                    "content_digest": os.urandom(32),
                    "batch_id": batch_id,
                    "row_no": n,
                    "received_at": received,
                    "ended_at": received if status != "active" else None,
                    "revoke_reason": None,
                }
            )
        with runtime.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                _copy_rows(conn, "credit_record", RECORD_COLUMNS, rows)
            else:
                conn.execute(insert(CreditRecord.__table__), rows)
    return time.perf_counter() - started


def load_lists(runtime: Any, subjects: list[uuid.UUID], provider_id: uuid.UUID) -> int:
    """About 1 % of the persons on a published black list, 1 % on a red list (bench data:
    published rows written directly, as if the lifecycle had run)."""
    black, red = (
        list_types.get_or_raise("black-judgment-defaulter"),
        list_types.get_or_raise("red-moral-exemplar"),
    )
    published = datetime(2026, 10, 1, tzinfo=UTC)
    rows = []
    for i, sid in enumerate(subjects[::50]):
        chosen = black if i % 2 == 0 else red
        rows.append(
            {
                "id": uuid.uuid4(),
                "reference": f"BM-{i:08d}",
                "list_type": chosen.code,
                "kind": chosen.kind.value,
                "domain": chosen.domain,
                "subject_id": sid,
                "organization_id": None,
                "provider_id": provider_id,
                "record_ids": [],
                "document_no": f"鄂演示〔2026〕{i}号",
                "status": "published",
                "basis": chosen.basis_text,
                "sealed": b"",
                "key_id": runtime.keyring.active,
                "automatic": False,
                "proposed_at": published - timedelta(days=30),
                "proposed_by": "bench",
                "notified_at": published - timedelta(days=30),
                "objection_due_at": published - timedelta(days=20),
                "published_at": published,
                "term_ends_at": published + timedelta(days=730),
                "exited_at": None,
                "exit_reason": None,
                "shown_name": "张*",
                "shown_id": "4201**********0000",
                "name_index": os.urandom(32),
            }
        )
    with runtime.engine.begin() as conn:
        conn.execute(insert(ListEntry.__table__), rows)
        conn.execute(text("ANALYZE"))
    return len(rows)


def _world(runtime: Any) -> tuple[uuid.UUID, str]:
    with runtime.scope() as session:
        provider, consumer, _ = window_world(session, SYSTEM)
        token = organization_service.issue_token(
            session,
            consumer.id,
            name="bench",
            permissions=[Permission.CHECKS_CHECK_RUN, Permission.CHECKS_CHECK_READ],
            valid_days=1,
            actor=SYSTEM,
        ).secret
        return provider.id, token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER = """
from granian import Granian
from granian.constants import Interfaces
Granian("{target}", factory=True, address="127.0.0.1", port={port},
        interface=Interfaces.ASGI, workers={workers}, log_access=False).serve()
"""
# The baseline: a bare Litestar app with the same /health answer and no middleware, started by
# the same granian line (one worker, same threads and loop) in the same run.
BARE_APP = """
from litestar import Litestar, get


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok", "version": "0.0.0"}


def create_app() -> Litestar:
    return Litestar([health], debug=False)
"""


def start_server(
    url: str, workdir: str, *, bare: bool = False, workers: int = 1, replicas: str = ""
) -> tuple[subprocess.Popen[bytes], str]:
    """granian with ``workers`` processes over the bench database and key file (or, ``bare``,
    the bare Litestar app), reading from ``replicas`` when given; waits until it answers."""

    port = _free_port()
    env = {
        **os.environ,
        "CHENGXIN_DATABASE_URL": url,
        "CHENGXIN_DATA_DIR": workdir,
        "CHENGXIN_ENV": "development",
        "CHENGXIN_LOG_LEVEL": "WARNING",
        "CHENGXIN_JOBS_IN_PROCESS": "false",
        "CHENGXIN_REPLICA_URLS": replicas,
    }
    target = "chengxin.app:create_app"
    if bare:
        (Path(workdir) / "bare_health.py").write_text(BARE_APP, encoding="utf-8")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [workdir, env.get("PYTHONPATH")]))
        target = "bare_health:create_app"
    log = Path(workdir) / ("bare.log" if bare else "server.log")
    process = subprocess.Popen(  # noqa: S603  # our own interpreter, fixed arguments
        [sys.executable, "-c", SERVER.format(target=target, port=port, workers=workers)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process, wait_for_server(process, port, log)


async def _load(base: str, make: Any, concurrency: int, seconds: float) -> dict[str, Any]:
    """``concurrency`` connections, each sending requests back to back for ``seconds``."""
    import httpx

    latencies: list[float] = []
    errors: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        # Warm-up: open the connections, fill the caches.
        await asyncio.gather(*(client.request(**make(i)) for i in range(concurrency)))
        stop = time.perf_counter() + seconds

        async def worker(w: int) -> None:
            i = w
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.request(**make(i))
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors[response.status_code] = errors.get(response.status_code, 0) + 1
                i += concurrency

        started = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(_pct(latencies, 0.99), 2) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "errors": errors,
    }


def _lua_string(text: str) -> str:
    level = "="
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


def _wrk_load(
    base: str, requests: list[dict[str, Any]], concurrency: int, seconds: float, workdir: str
) -> dict[str, Any]:
    """The same load with Debian's ``wrk`` (one thread, C, ``--latency``): an asyncio httpx client
    on these 2 cores spends more CPU per request than the server and measures itself. Requests
    cycle through ``requests`` (method, url, headers, json)."""
    lines = ["local reqs = {"]
    for r in requests:
        body = json.dumps(r["json"], ensure_ascii=False) if "json" in r else ""
        headers = {**r.get("headers", {}), **({"Content-Type": "application/json"} if body else {})}
        lua_headers = ", ".join(
            f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()
        )
        lines.append(
            f"  wrk.format({_lua_string(r['method'])}, {_lua_string(r['url'])}, {{{lua_headers}}}, "
            f"{_lua_string(body) if body else 'nil'}),"
        )
    lines += [
        "}",
        "local i = 0",
        "request = function()",
        "  i = i % #reqs + 1",
        "  return reqs[i]",
        "end",
        # wrk counts non-2xx answers but says nothing of bodies: name the first of each.
        "local seen = {}",
        "response = function(status, headers, body)",
        "  if not seen[status] then seen[status] = true",
        "    io.write('status ', status, ' bytes ', #body, '\\n') end",
        "end",
    ]
    script = Path(workdir) / "load.lua"
    script.write_text("\n".join(lines), encoding="utf-8")
    # Warm-up (connections, caches), then the measured run.
    warm = ["wrk", "-t1", f"-c{concurrency}", "-d2s", "-s", str(script), base]
    subprocess.run(warm, capture_output=True, check=True)  # noqa: S603
    run = [
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{int(seconds)}s",
        "--latency",
        "--timeout",
        "60s",
        "-s",
        str(script),
        base,
    ]
    done = subprocess.run(run, capture_output=True, text=True, check=True)  # noqa: S603
    if done.stderr.strip():  # a script error makes wrk fall back to GET / and carry on
        raise SystemExit(f"wrk: {done.stderr.strip()}")
    out = done.stdout
    figures = _parse_wrk(out)
    # wrk does not read answers: send the first request once more and look at it.
    import httpx

    first = requests[0]
    probe = httpx.request(
        first["method"],
        base + first["url"],
        headers=first.get("headers"),
        json=first.get("json"),
        timeout=120,
    )
    figures["probe"] = {"status": probe.status_code, "bytes": len(probe.content)}
    return figures


def _ms(value: str) -> float:
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
    for unit in ("us", "ms", "s", "m"):
        if value.endswith(unit):
            return round(float(value[: -len(unit)]) * units[unit], 2)
    return float(value)


def _parse_wrk(out: str) -> dict[str, Any]:
    figures: dict[str, Any] = {"tool": "wrk", "errors": {}}
    for line in out.splitlines():
        words = line.split()
        if line.strip().startswith(("50%", "99%")) and len(words) == 2:
            figures[f"p{words[0].rstrip('%')}_ms"] = _ms(words[1])
        elif line.startswith("Requests/sec:"):
            figures["req_per_s"] = float(words[1])
        elif "requests in" in line:
            figures["requests"] = int(words[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            figures["errors"]["non_2xx"] = int(words[-1])
        elif line.startswith("status ") and len(words) == 4:
            figures.setdefault("statuses", {})[words[1]] = int(words[3])
        elif line.strip().startswith("Socket errors:"):
            figures["errors"]["socket"] = line.split(":", 1)[1].strip()
    return figures


def bare_health(url: str, workdir: str, args: dict[str, Any]) -> dict[str, Any]:
    """The baseline: ``GET /health`` of the bare Litestar app, under the same load."""
    process, base = start_server(url, workdir, bare=True, workers=args["workers"])
    request = {"method": "GET", "url": "/health"}
    try:
        if args["loader"] == "wrk":
            return _wrk_load(base, [request], args["concurrency"], args["seconds"], workdir)
        return asyncio.run(_load(base, lambda _: request, args["concurrency"], args["seconds"]))
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_replayed(primary_url: str, replica_url: str, timeout: float = 300.0) -> float:
    """Seconds until the standby replayed everything the primary wrote so far (the load)."""
    started = time.perf_counter()
    primary = make_engine(primary_url)
    with primary.connect() as conn:
        lsn = conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
    primary.dispose()
    replica = make_engine(replica_url)
    try:
        while time.perf_counter() - started < timeout:
            with replica.connect() as conn:
                if conn.execute(
                    text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"), {"lsn": lsn}
                ).scalar_one():
                    return round(time.perf_counter() - started, 1)
            time.sleep(0.2)
    finally:
        replica.dispose()
    raise SystemExit(f"the standby did not replay past {lsn} in {timeout:.0f} s")


def _prepare(url: str, workdir: str, args: dict[str, Any], out: dict[str, Any]) -> str:
    """The schema, the world and the data (load times into ``out``); the consumer's token."""
    settings = Settings(
        env="development",
        data_dir=Path(workdir),
        database_url=url,  # type: ignore[arg-type]
        log_json=True,
        log_level="WARNING",
        jobs_in_process=False,
    )
    runtime = build_runtime(settings)  # writes the key file the server reads
    migrate.upgrade(runtime.engine)
    provider_id, token = _world(runtime)
    n = args["subjects"]
    subjects_s, subjects = load_subjects(runtime, n)
    records_s = load_records(runtime, subjects, args["records_per_subject"], provider_id)
    out["listed"] = load_lists(runtime, subjects, provider_id)
    # The rows above were written raw: build their credit states as `chengxin state rebuild`.
    started = time.perf_counter()
    with runtime.scope() as session:
        out["states"] = state_service.rebuild(session).written
    with runtime.engine.begin() as conn:  # statistics of the new rows, as autovacuum would
        conn.execute(text("ANALYZE"))
    state_s = time.perf_counter() - started
    out["load_seconds"] = {
        "subjects": round(subjects_s, 1),
        "records": round(records_s, 1),
        "states": round(state_s, 1),
    }
    runtime.engine.dispose()
    return token


def _measure(
    base: str, make: Any, concurrency: int, count: int, *, args: dict[str, Any], workdir: str
) -> dict[str, Any]:
    """One load phase with the chosen loader: ``make(i)`` gives the i-th request."""
    if args["loader"] == "wrk":
        requests = [make(i) for i in range(count)]
        return _wrk_load(base, requests, concurrency, args["seconds"], workdir)
    return asyncio.run(_load(base, make, concurrency, args["seconds"]))


def _single_process(url: str, workdir: str, args: dict[str, Any], single: Any) -> dict[str, Any]:
    """The single-process figure of the same run: one worker, no replica, the same checks."""
    process, base = start_server(url, workdir, workers=1)
    try:
        return _measure(base, single, args["concurrency"], 5000, args=args, workdir=workdir)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _child(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:
    n = args["subjects"]
    out: dict[str, Any] = {}
    token = _prepare(url, workdir, args, out)
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(11)
    pick = [rng.randrange(n) for _ in range(200_000)]

    def body(people: list[tuple[str, str]]) -> dict[str, Any]:
        return {
            "scene": "administrative_licensing",
            "purpose": "行政许可前的联合奖惩核查",
            "persons": [{"id_number": i, "name": nm} for i, nm in people],
        }

    def trivial(_: int) -> dict[str, Any]:
        return {"method": "GET", "url": "/health"}

    def single(i: int) -> dict[str, Any]:
        return {
            "method": "POST",
            "url": "/api/v1/checks",
            "headers": headers,
            "json": body([person(pick[i % len(pick)])]),
        }

    size = min(args["batch"], n)

    def batch(i: int) -> dict[str, Any]:
        start = (i * size) % max(1, n - size)
        return {
            "method": "POST",
            "url": "/api/v1/checks",
            "headers": headers,
            "json": body([person(j) for j in range(start, start + size)]),
        }

    replicas = args["replica_url"] or ""
    if args["workers"] > 1 or replicas:
        out["single_process"] = _single_process(url, workdir, args, single)
    if replicas:
        out["replica_caught_up_s"] = _wait_replayed(url, replicas)
    process, base = start_server(url, workdir, workers=args["workers"], replicas=replicas)

    def load(make: Any, concurrency: int, count: int) -> dict[str, Any]:
        return _measure(base, make, concurrency, count, args=args, workdir=workdir)

    try:
        c = args["concurrency"]
        out["loader"] = args["loader"]
        out["bare_trivial"] = bare_health(url, workdir, args)
        out["trivial"] = load(trivial, c, 1)
        out["single"] = load(single, c, 5000)
        batches = load(batch, args["batch_concurrency"], 20)
        batches["subjects_per_s"] = round(batches["req_per_s"] * size, 1)
        batches["batch_size"] = size
        out["batch"] = batches
        out["single_to_trivial"] = round(
            out["single"]["req_per_s"] / max(out["trivial"]["req_per_s"], 1e-9), 3
        )
        out["bare_health_rps"] = out["bare_trivial"]["req_per_s"]
        out["health_rps"] = out["trivial"]["req_per_s"]
        out["health_vs_bare"] = round(out["health_rps"] / max(out["bare_health_rps"], 1e-9), 3)
        if "single_process" in out:
            out["check_rate_vs_single_process"] = round(
                out["single"]["req_per_s"] / max(out["single_process"]["req_per_s"], 1e-9), 3
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    queue.put(out)


@contextlib.contextmanager
def replica_pair() -> Iterator[tuple[str, str]]:
    """The bench database on a throw-away primary with a hot standby (tests/pgcluster.py, the
    project root put on the path): their URLs; both removed afterwards."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests import pgcluster

    root = pgcluster.scratch_dir("chengxin-bench-")
    primary = pgcluster.PgServer.primary(root).start()
    standby = None
    try:
        primary.psql(f"CREATE DATABASE {DB_NAME}")
        standby = pgcluster.PgServer.standby_of(primary.port, root).start()
        yield primary.url(DB_NAME), standby.url(DB_NAME)
    finally:
        for server in (standby, primary):
            if server is not None:
                server.remove()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--subjects", type=int, default=20_000, help="registered persons")
    parser.add_argument("--records-per-subject", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="granian worker processes (ours and the bare baseline alike)",
    )
    parser.add_argument("--batch", type=int, default=1000, help="persons per batch check")
    parser.add_argument("--batch-concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each load phase")
    parser.add_argument(
        "--loader",
        choices=("wrk", "httpx"),
        default="wrk" if shutil.which("wrk") else "httpx",
        help="load generator: Debian's wrk (default when installed) or the asyncio httpx script",
    )
    parser.add_argument(
        "--replica",
        action="store_true",
        help="PostgreSQL: a throw-away primary and hot standby of the bench's own; the measured "
        "server reads from the standby (CHENGXIN_REPLICA_URLS)",
    )
    args = vars(parser.parse_args())
    if args["replica"] and args["db"] != "postgresql":
        parser.error("--replica needs --db postgresql")
    args["replica_url"] = None
    with tempfile.TemporaryDirectory(prefix="chengxin-bench-") as tmp:
        if args["replica"]:
            with replica_pair() as (url, args["replica_url"]):
                out = run_child(_child, url, tmp, args)
        else:
            url = make_database(args["db"], Path(tmp), DB_NAME)
            try:
                out = run_child(_child, url, tmp, args)
            finally:
                drop_database(args["db"], DB_NAME)
    single, batch = out["single"], out["batch"]
    print(
        f"{args['subjects']:,} subjects, {args['subjects'] * args['records_per_subject']:,} "
        f"records: single check {single['req_per_s']} req/s p50 {single['p50_ms']} ms p99 "
        f"{single['p99_ms']} ms ({out['single_to_trivial']} × trivial "
        f"{out['trivial']['req_per_s']} req/s); batch {batch['subjects_per_s']} subjects/s; "
        f"/health {out['health_vs_bare']} × bare Litestar {out['bare_health_rps']} req/s"
    )
    if "single_process" in out:
        print(
            f"{args['workers']} worker(s){' reading from a standby' if args['replica'] else ''}: "
            f"{out['check_rate_vs_single_process']} × the single process's "
            f"{out['single_process']['req_per_s']} checks/s in this run"
        )
    print(
        json.dumps(
            {
                "bench": "check",
                "db": args["db"],
                "subjects": args["subjects"],
                "workers": args["workers"],
                "replica": args["replica"],
                "records": args["subjects"] * args["records_per_subject"],
                **out,
                "targets": {
                    "single_p99_ms": 15,
                    "single_to_trivial": 0.4,
                    "batch_subjects_per_s": 100_000,
                    "health_vs_bare": 0.5,
                },
                "cpu_count": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
