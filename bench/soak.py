"""Soak and faults (issue 18 part 6): mixed load against real processes while they are killed,
PostgreSQL is restarted and its standby promoted; then every acknowledged write is reconciled.

1. A throw-away PostgreSQL primary and hot standby of this script's own (tests/pgcluster.py), or
   a SQLite file (``--db sqlite``: no replica, no PostgreSQL faults). In a spawned child: the
   schema migrated, the shipped catalog, a tax department and a consumer organization (API
   tokens, a permission-list line), ``--subjects`` registered persons with 1 % on a black and 1 %
   on a red list (as bench/check.py loads them), and ``--citizens`` persons signed in (the real
   code path: a code to the registered phone, read back from the outbox as the demo does).
2. Real processes, as a supervisor runs them: ``--servers`` × ``chengxin serve --workers
   N`` on their own ports behind this script's round-robin (a load balancer: a refused
   connection takes the backend out for 2 s and the request goes to the next one) and
   ``--job-workers`` × ``chengxin worker``. CHENGXIN_DATABASE_URL is the multi-host URL (primary,
   standby; target_session_attrs=read-write), CHENGXIN_REPLICA_URLS the standby.
3. Mixed load from asyncio httpx clients, each a loop with a pause: department pushes of
   ``--push-size`` records (the same body sent again until a receipt comes back, as a
   department's system does), single checks, government reports (JSON), citizen pages (``/me/``
   signed in) and the public lists.
4. Faults on a schedule (fractions of the run): kill -9 of a server's worker process (its server
   exits and is started again), kill -9 of a job worker (started again), a restart of the
   primary (``pg_ctl restart -m fast``), kill -9 of the primary and promotion of the standby.
5. Every interval (a minute; a sixth of the run when it is shorter than three minutes): requests
   and errors by kind, p50/p99 per kind, RSS per process. At the end: every acknowledged
   receipt's records are in the store exactly once, every acknowledged check has its audit
   entry, ``chengxin audit verify`` passes. The last line is one JSON object: the figures and
   the done-when checks of issue 18, each a boolean beside what was measured.

    python bench/soak.py --minutes 0.5 --db sqlite
    python bench/soak.py --minutes 10 --db postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from check import load_lists, load_subjects, person
from common import children, rss_kib, run_child, wait_for_server, window_world
from sqlalchemy import func, select, text

from chengxin import migrate
from chengxin.access.scenes import Scene
from chengxin.accounts import service as accounts_service
from chengxin.audit.models import AuditEntry
from chengxin.checks.models import Check
from chengxin.citizens import service as citizens_service
from chengxin.db import make_engine, utcnow
from chengxin.demo.records import sample_value
from chengxin.identity import service as identity_service
from chengxin.jobs.models import Job
from chengxin.organizations import service as organization_service
from chengxin.records.models import CreditRecord
from chengxin.runtime import build_runtime
from chengxin.security.actor import system_actor
from chengxin.security.guards import SESSION_COOKIE
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from chengxin.state import service as state_service
from chengxin.workdays.days import day_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root: tests.*
from tests import pgcluster

SYSTEM = system_actor("soak")
DB_NAME = "chengxin_soak"
CHENGXIN = str(Path(sys.executable).parent / "chengxin")
SCENE = Scene.ADMINISTRATIVE_LICENSING.value
# Seconds before a fault starts and after it is over (the process answers again, the database
# accepts connections) in which server errors are expected and not counted against the run.
FAULT_LEAD = 1.0


# -- data (in a spawned child) ---------------------------------------------------------------------


def _world(runtime: Any) -> dict[str, Any]:
    """Catalog, a tax department (pushes), a consumer (checks, reports) with its permission
    line, their tokens, and record field values of the kind the department pushes."""
    with runtime.scope() as session:
        provider, consumer, document = window_world(session, SYSTEM)
        push_token = organization_service.issue_token(
            session,
            provider.id,
            name="soak push",
            permissions=[Permission.INGESTION_BATCH_SUBMIT, Permission.INGESTION_BATCH_READ],
            valid_days=1,
            actor=SYSTEM,
        ).secret
        query_token = organization_service.issue_token(
            session,
            consumer.id,
            name="soak window",
            permissions=[
                Permission.CHECKS_CHECK_RUN,
                Permission.CHECKS_CHECK_READ,
                Permission.ACCESS_QUERY_SUBMIT,
            ],
            valid_days=1,
            actor=SYSTEM,
        ).secret
        kind = next(
            k for k in document.kinds if k.severity is not None and "tax" in k.providers.departments
        )
        rng = random.Random(7)
        act = day_of(utcnow()) - timedelta(days=60)
        fields = [{f.name: sample_value(f, rng, act) for f in kind.fields} for _ in range(500)]
    return {
        "provider_id": str(provider.id),
        "push_token": push_token,
        "query_token": query_token,
        "kind": kind.code,
        "fields": json.loads(json.dumps(fields, default=str)),
    }


def _citizens(runtime: Any, n: int) -> list[str]:
    """``n`` persons with a phone, registered and signed in: their session tokens."""
    people = [person(10_000_000 + i) for i in range(n)]
    with runtime.scope() as session:
        identity_service.bulk_register(
            session,
            [
                identity_service.prepare_person(num, name, f"139{i:08d}")
                for i, (num, name) in enumerate(people)
            ],
            actor=SYSTEM,
            source="bench",
        )
    settings = runtime.settings
    code_policy = citizens_service.CitizenPolicy.from_settings(settings)
    session_policy = accounts_service.Policy.from_settings(settings)
    tokens = []
    for num, name in people:
        challenge = citizens_service.request_code(
            runtime.scope, id_number=num, name=name, client_ip=None, policy=code_policy
        )
        with runtime.scope() as session:
            code = citizens_service.latest_code(session)
        issued = citizens_service.verify_code(
            runtime.scope,
            challenge_id=challenge.challenge_id,
            code=code or "",
            client_ip=None,
            session_policy=session_policy,
        )
        tokens.append(issued.token)
    return tokens


def _prepare(url: str, workdir: str, args: dict[str, Any], queue: Any) -> None:
    settings = Settings(
        env="development",
        data_dir=Path(workdir),
        database_url=url,  # type: ignore[arg-type]
        log_json=True,
        log_level="WARNING",
        jobs_in_process=False,
    )
    runtime = build_runtime(settings)  # writes the key file the processes read
    migrate.upgrade(runtime.engine)
    started = time.perf_counter()
    out = _world(runtime)
    _, subjects = load_subjects(runtime, args["subjects"])
    load_lists(runtime, subjects, uuid.UUID(out["provider_id"]))
    out["citizens"] = _citizens(runtime, args["citizens"])
    with runtime.scope() as session:  # the listed rows were written raw, as bench/check.py
        state_service.rebuild(session)
    with runtime.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    runtime.engine.dispose()
    out["load_seconds"] = round(time.perf_counter() - started, 1)
    queue.put(out)


# -- processes -------------------------------------------------------------------------------------


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _workers_of(pid: int) -> list[int]:
    """A server's worker processes (granian spawns them; multiprocessing's resource tracker,
    also a child, is left out)."""
    return [c for c in children(pid) if "spawn_main" in _cmdline(c)]


@dataclass
class Proc:
    """One supervised process: started in its own session (its group is its pid), restarted
    by the script after a fault, as systemd would."""

    label: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    generation: int = 0
    started_at: float = 0.0

    def start(self) -> None:
        self.generation += 1
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603  # our own program, fixed arguments
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic()
        if self.port is not None:
            wait_for_server(self.popen, self.port, self.log)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def pids(self) -> dict[str, int]:
        """This process and its server workers, by series name (label, start, worker)."""
        if not self.alive() or self.popen is None:
            return {}
        out = {f"{self.label}#{self.generation}": self.popen.pid}
        for i, pid in enumerate(_workers_of(self.popen.pid)):
            out[f"{self.label}#{self.generation}/w{i}"] = pid
        return out

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL after 20 s."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):  # workers left behind by a killed parent
            os.killpg(self.popen.pid, signal.SIGKILL)


def kill_server(proc: Proc) -> str:
    """kill -9 of the server's worker (the process answering requests); its server exits, or
    is stopped, and is started again."""
    assert proc.popen is not None  # noqa: S101
    victims = _workers_of(proc.popen.pid) or [proc.popen.pid]
    os.kill(victims[0], signal.SIGKILL)
    deadline = time.monotonic() + 5
    while proc.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    how = "server exited" if not proc.alive() else "server stopped"
    proc.stop()
    proc.start()
    return f"worker pid {victims[0]} killed; {how}; started again"


def kill_worker(proc: Proc) -> str:
    assert proc.popen is not None  # noqa: S101
    pid = proc.popen.pid
    os.kill(pid, signal.SIGKILL)
    proc.popen.wait(timeout=30)
    proc.stop()  # anything it left in its group
    proc.start()
    return f"job worker pid {pid} killed; started again"


@dataclass
class Cluster:
    """This script's primary and standby; ``current`` is the one accepting writes."""

    root: Path
    primary: pgcluster.PgServer
    standby: pgcluster.PgServer | None = None
    promoted: bool = False

    @property
    def current(self) -> pgcluster.PgServer:
        return self.standby if self.promoted and self.standby else self.primary

    def restart_primary(self) -> str:
        self.primary.restart()
        return f"primary on port {self.primary.port} restarted (fast)"

    def promote(self) -> str:
        assert self.standby is not None  # noqa: S101
        self.primary.kill()
        self.standby.promote()
        self.promoted = True
        return f"primary killed (-9); standby on port {self.standby.port} promoted"

    def remove(self) -> None:
        for server in (self.standby, self.primary):
            if server is not None:
                server.remove()
        shutil.rmtree(self.root, ignore_errors=True)  # the killed primary's socket too


# -- load ------------------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the load began, when the request was sent
    kind: str
    ms: float
    outcome: str  # "ok", "<status> <problem code>" or "transport <exception>"

    @property
    def server_error(self) -> bool:
        return self.outcome.startswith(("5", "transport"))


def outcome_of(response: httpx.Response) -> str:
    if response.status_code < 400:
        return "ok"
    code = ""
    with contextlib.suppress(ValueError, AttributeError):
        code = str(response.json().get("type", "")).rsplit("/", 1)[-1]
    return f"{response.status_code} {code}".strip()


def _request_id(response: httpx.Response) -> str | None:
    """The request id a problem answer carries (the servers' log lines have it)."""
    with contextlib.suppress(ValueError, AttributeError):
        return str(response.json().get("request_id"))
    return response.headers.get("x-request-id")


class Balancer:
    """Round-robin over the servers; a refused connection takes a server out for 2 s and the
    request goes to the next (what a load balancer in front of them does)."""

    def __init__(self, bases: list[str]) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
        self.clients = [httpx.AsyncClient(base_url=b, timeout=60, limits=limits) for b in bases]
        self.down_until = [0.0] * len(bases)
        self.turn = 0
        self.redirected = 0

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        error: httpx.ConnectError | None = None
        for _ in range(2 * len(self.clients)):
            now = time.monotonic()
            self.turn = turn = (self.turn + 1) % len(self.clients)
            if self.down_until[turn] > now and any(d <= now for d in self.down_until):
                continue
            try:
                return await self.clients[turn].request(method, url, **kwargs)
            except httpx.ConnectError as exc:
                self.down_until[turn] = time.monotonic() + 2
                self.redirected += 1
                error = exc
        assert error is not None  # noqa: S101
        raise error

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


@dataclass
class Push:
    number: int
    source_ids: list[str]
    attempts: int = 0
    receipt: dict[str, Any] | None = None
    refused: str | None = None


@dataclass
class Load:
    """The clients' shared state: what was sent, what was acknowledged."""

    balancer: Balancer
    world: dict[str, Any]
    subjects: int
    push_size: int
    started: float = field(default_factory=time.monotonic)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    samples: list[Sample] = field(default_factory=list)
    pushes: list[Push] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    unclean: list[dict[str, Any]] = field(default_factory=list)  # 5xx other than 503
    stopped_at: float = float("inf")  # when the load ended (pushes are still sent after it)

    def now(self) -> float:
        return time.monotonic() - self.started

    async def send(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        at = self.now()
        response: httpx.Response | None = None
        try:
            response = await self.balancer.request(method, url, **kwargs)
            outcome = outcome_of(response)
            if response.status_code >= 500 and response.status_code != 503:
                self.unclean.append(
                    {
                        "at_s": round(at, 1),
                        "kind": kind,
                        "outcome": outcome,
                        "request_id": _request_id(response),
                    }
                )
        except httpx.HTTPError as exc:
            outcome = f"transport {type(exc).__name__}"
        self.samples.append(Sample(at, kind, (self.now() - at) * 1000, outcome))
        return response

    def records(self, number: int) -> list[dict[str, Any]]:
        rng = random.Random(number)
        today = day_of(utcnow())
        out = []
        for j in range(self.push_size):
            num, name = person(rng.randrange(self.subjects))
            finding = today - timedelta(days=rng.randint(10, 300))
            out.append(
                {
                    "source_id": f"SOAK-{number:06d}-{j:03d}",
                    "kind": self.world["kind"],
                    "id_number": num,
                    "name": name,
                    "document_no": f"鄂税稽罚〔2026〕{number}-{j}号",
                    "finding_date": finding.isoformat(),
                    "act_date": (finding - timedelta(days=20)).isoformat(),
                    "notified_date": (finding + timedelta(days=3)).isoformat(),
                    "fields": rng.choice(self.world["fields"]),
                }
            )
        return out


async def pusher(load: Load, think: float, drain: float) -> None:
    """A department's system: a push, sent again (same body) until a receipt comes back; a
    4xx other than 408/409/429 is a refusal (not sent again)."""
    headers = {
        "Authorization": f"Bearer {load.world['push_token']}",
        "Content-Type": "application/json",
    }
    while not load.stop.is_set():
        number = len(load.pushes)
        records = load.records(number)
        push = Push(number, [r["source_id"] for r in records])
        load.pushes.append(push)
        body = json.dumps({"records": records}, ensure_ascii=False).encode()
        while push.receipt is None and push.refused is None:
            if load.stop.is_set() and load.now() > load.stopped_at + drain:
                break
            push.attempts += 1
            response = await load.send(
                "push", "POST", "/api/v1/ingestion/batches", content=body, headers=headers
            )
            status = response.status_code if response is not None else 0
            if status == 201:
                push.receipt = response.json()  # type: ignore[union-attr]
            elif 400 <= status < 500 and status not in {408, 409, 429}:
                push.refused = outcome_of(response)  # type: ignore[arg-type]
            else:
                wait = 1.0
                if response is not None:
                    with contextlib.suppress(ValueError):
                        wait = min(5.0, float(response.headers.get("Retry-After", 1)))
                await asyncio.sleep(wait)
        await _pause(load, think)


def _person_body(load: Load, rng: random.Random) -> tuple[str, str]:
    return person(rng.randrange(load.subjects))


async def checker(load: Load, think: float, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {load.world['query_token']}"}
    while not load.stop.is_set():
        num, name = _person_body(load, rng)
        body = {
            "scene": SCENE,
            "purpose": "行政许可前的联合奖惩核查",
            "persons": [{"id_number": num, "name": name}],
        }
        response = await load.send("check", "POST", "/api/v1/checks", json=body, headers=headers)
        if response is not None and response.status_code == 200:
            load.checks.append(response.json()["check_id"])
        await _pause(load, think)


async def reporter(load: Load, think: float, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {load.world['query_token']}"}
    while not load.stop.is_set():
        num, name = _person_body(load, rng)
        body = {"id_number": num, "name": name, "scene": SCENE, "purpose": "行政许可审查"}
        response = await load.send("report", "POST", "/api/v1/reports", json=body, headers=headers)
        if response is not None and response.status_code == 200:
            load.reports.append(str(response.json()["report"].get("number", "")))
        await _pause(load, think)


async def citizen(load: Load, think: float, token: str) -> None:
    """A signed-in person's overview page, then the public lists, in turn."""
    cookies = {"Cookie": f"{SESSION_COOKIE}={token}"}
    turn = 0
    while not load.stop.is_set():
        if turn % 2 == 0:
            await load.send("citizen", "GET", "/me/", headers=cookies)
        else:
            await load.send("public", "GET", "/api/v1/public/lists/entries?limit=20")
        turn += 1
        await _pause(load, think)


async def _pause(load: Load, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(load.stop.wait(), seconds)


# -- figures ---------------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


@dataclass
class Fault:
    name: str
    at: float
    done: float = 0.0
    detail: str = ""

    def covers(self, t: float, grace: float) -> bool:
        return self.at - FAULT_LEAD <= t <= (self.done or self.at) + grace


def interval_figures(
    samples: list[Sample],
    start: float,
    end: float,
    *,
    faults: list[Fault],
    grace: float,
    warmup: float,
) -> dict[str, Any]:
    """Requests, errors by kind and p50/p99 per kind of the requests sent in [start, end); the
    steady p99 leaves out requests sent around a fault or in the warm-up."""
    window = [s for s in samples if start <= s.at < end]
    steady_all = [
        s.ms for s in window if s.at >= warmup and not any(f.covers(s.at, grace) for f in faults)
    ]
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in window:
        by_kind[s.kind].append(s)
    kinds = {}
    for kind, got in sorted(by_kind.items()):
        ms = [s.ms for s in got]
        steady = [
            s.ms for s in got if s.at >= warmup and not any(f.covers(s.at, grace) for f in faults)
        ]
        errors = Counter(s.outcome for s in got if s.outcome != "ok")
        kinds[kind] = {
            "requests": len(got),
            "errors": dict(errors),
            "p50_ms": _pct(ms, 0.5),
            "p99_ms": _pct(ms, 0.99),
            "steady_requests": len(steady),
            "steady_p99_ms": _pct(steady, 0.99) if steady else None,
        }
    return {
        "from_s": round(start, 1),
        "to_s": round(end, 1),
        "requests": len(window),
        "steady_requests": len(steady_all),
        "steady_p99_ms": _pct(steady_all, 0.99) if steady_all else None,
        "kinds": kinds,
    }


def print_interval(index: int, figures: dict[str, Any], rss: dict[str, int]) -> None:
    parts = []
    for kind, k in figures["kinds"].items():
        errors = ", ".join(f"{n} × {o}" for o, n in k["errors"].items()) or "no errors"
        parts.append(f"{kind} {k['requests']} ({errors}) p50 {k['p50_ms']} p99 {k['p99_ms']} ms")
    memory = ", ".join(f"{label} {kib // 1024}" for label, kib in sorted(rss.items()))
    print(
        f"[{index}] {figures['from_s']}–{figures['to_s']} s: {figures['requests']} requests "
        f"(p99 away from faults {figures['steady_p99_ms']} ms); "
        + "; ".join(parts)
        + f"; RSS MB: {memory}",
        flush=True,
    )


class RssLog:
    """Resident memory of every process, sampled; one series per process (a restarted one is
    a new series)."""

    def __init__(self) -> None:
        self.series: dict[str, list[tuple[float, int]]] = defaultdict(list)

    def sample(self, at: float, procs: list[Proc]) -> None:
        for proc in procs:
            for name, pid in proc.pids().items():
                kib = rss_kib(pid)
                if kib:
                    self.series[name].append((at, kib))

    def latest(self, until: float) -> dict[str, int]:
        out = {}
        for name, points in self.series.items():
            before = [kib for at, kib in points if at <= until]
            if before and points[-1][0] >= until - 10:
                out[name] = before[-1]
        return out

    def growth(self, interval: float) -> dict[str, float]:
        """Per series alive for two intervals or more: growth from the end of its first
        interval to its last sample (0.1 = 10 %)."""
        out = {}
        for name, points in self.series.items():
            first = points[0][0]
            base = [kib for at, kib in points if at >= first + interval]
            if base and points[-1][0] >= first + 2 * interval:
                out[name] = round((points[-1][1] - base[0]) / base[0], 3)
        return out


# -- the run ---------------------------------------------------------------------------------------


def _pg_url_ok(url: str) -> bool:
    """Whether the platform's settings and engine accept ``url`` (a multi-host URL needs the
    replicas work of issue 18)."""
    try:
        Settings(database_url=url)  # type: ignore[arg-type]
        make_engine(url).dispose()
    except ValueError:
        return False
    return True


def start_database(args: dict[str, Any], tmp: Path) -> tuple[str, Cluster | None]:
    if args["db"] == "sqlite":
        return f"sqlite:///{tmp / 'soak.db'}", None
    root = pgcluster.scratch_dir("chengxin-soak-")
    primary = pgcluster.PgServer.primary(root).start()
    primary.psql(f"CREATE DATABASE {DB_NAME}")
    return primary.url(DB_NAME), Cluster(root, primary)


def _env(tmp: Path, url: str, replicas: str) -> dict[str, str]:
    return {
        **os.environ,
        "CHENGXIN_DATABASE_URL": url,
        "CHENGXIN_REPLICA_URLS": replicas,
        "CHENGXIN_DATA_DIR": str(tmp),
        "CHENGXIN_ENV": "development",
        "CHENGXIN_LOG_LEVEL": "WARNING",
        "CHENGXIN_JOBS_IN_PROCESS": "false",
        "CHENGXIN_ACCESS_REVIEW_NEW_SCENE": "false",
        "CHENGXIN_JOBS_LEASE_SECONDS": "30",
        "CHENGXIN_LOG_QUIET": json.dumps(["chengxin.notifications"]),
    }


class Run:
    """The load, the faults on their schedule, the supervisor and the interval lines."""

    def __init__(
        self,
        args: dict[str, Any],
        world: dict[str, Any],
        procs: list[Proc],
        cluster: Cluster | None,
    ) -> None:
        self.args = args
        self.duration = args["minutes"] * 60
        self.interval = 60.0 if self.duration >= 180 else self.duration / 6
        self.warmup = min(args["warmup"], self.interval / 2)
        self.procs = procs
        self.servers = [p for p in procs if p.port is not None]
        self.workers = [p for p in procs if p.port is None]
        self.load = Load(
            Balancer([f"http://127.0.0.1:{s.port}" for s in self.servers]),
            world,
            args["subjects"],
            args["push_size"],
        )
        self.faults: list[Fault] = []
        self.rss = RssLog()
        self.intervals: list[dict[str, Any]] = []
        self.actions: dict[str, Callable[[], str]] = {
            "kill-server": lambda: kill_server(self.servers[0]),
            "kill-worker": lambda: kill_worker(self.workers[0]),
        }
        self.schedule = [(0.3, "kill-server"), (0.6, "kill-worker")]
        if cluster is not None and cluster.standby is not None:
            self.actions["restart-primary"] = cluster.restart_primary
            self.actions["promote-standby"] = cluster.promote
            self.schedule = [
                (0.2, "kill-server"),
                (0.35, "kill-worker"),
                (0.5, "restart-primary"),
                (0.7, "promote-standby"),
            ]

    async def inject(self) -> None:
        load = self.load
        for fraction, name in self.schedule:
            await _pause_until(load, fraction * self.duration)
            if load.stop.is_set():
                return
            fault = Fault(name, load.now())
            self.faults.append(fault)
            print(f"fault at {fault.at:.1f} s: {name}", flush=True)
            fault.detail = await asyncio.to_thread(self.actions[name])
            fault.done = load.now()
            print(f"  over at {fault.done:.1f} s: {fault.detail}", flush=True)

    async def supervise(self) -> None:
        """RSS every 2 s; a process that exited on its own is started again and noted (a
        fault's own processes are its business while it lasts)."""
        load = self.load
        while not load.stop.is_set():
            self.rss.sample(load.now(), self.procs)
            if all(f.done for f in self.faults):
                for proc in self.procs:
                    if not proc.alive():
                        fault = Fault(f"exited-{proc.label}", load.now())
                        self.faults.append(fault)
                        await asyncio.to_thread(proc.start)
                        fault.done = load.now()
            await _pause(load, 2)

    async def report(self) -> None:
        index = 0
        while (index + 1) * self.interval <= self.duration + 0.5:
            start, end = index * self.interval, (index + 1) * self.interval
            await _pause_until(self.load, end)
            figures = interval_figures(
                self.load.samples,
                start,
                end,
                faults=self.faults,
                grace=self.args["fault_grace"],
                warmup=self.warmup,
            )
            figures["rss_kib"] = self.rss.latest(end)
            self.intervals.append(figures)
            print_interval(index + 1, figures, figures["rss_kib"])
            index += 1

    async def run(self) -> None:
        args, load = self.args, self.load
        users: list[Awaitable[None]] = []
        users += [pusher(load, args["push_think"], args["drain"]) for _ in range(args["pushers"])]
        users += [checker(load, args["check_think"], i) for i in range(args["checkers"])]
        users += [reporter(load, args["report_think"], 100 + i) for i in range(args["reporters"])]
        users += [citizen(load, args["citizen_think"], t) for t in load.world["citizens"]]
        tasks = [asyncio.ensure_future(u) for u in users]
        helpers = [asyncio.ensure_future(c) for c in (self.inject(), self.supervise())]
        await self.report()
        load.stopped_at = load.now()
        load.stop.set()
        await asyncio.gather(*tasks, *helpers)
        await load.balancer.close()


async def _pause_until(load: Load, at: float) -> None:
    await asyncio.sleep(max(0.0, at - load.now()))


def reconcile(url: str, world: dict[str, Any], load: Load) -> dict[str, Any]:
    """Every acknowledged receipt's records in the store once; every acknowledged check with
    its audit entry."""
    engine = make_engine(url)
    acked = [p for p in load.pushes if p.receipt is not None]
    record, check, entry = CreditRecord, Check, AuditEntry
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                select(record.source_id, func.count())
                .where(
                    record.provider_id == uuid.UUID(world["provider_id"]),
                    record.source_id.like("SOAK-%"),
                )
                .group_by(record.source_id)
            ).all()
        )
        check_ids = [uuid.UUID(c) for c in load.checks]
        found: dict[str, Any] = {}
        for start in range(0, len(check_ids), 500):
            rows = conn.execute(
                select(check.id, entry.seq, entry.action, entry.object_id)
                .outerjoin(entry, entry.seq == check.audit_seq)
                .where(check.id.in_(check_ids[start : start + 500]))
            ).all()
            found.update({str(r[0]): r for r in rows})
        jobs = dict(conn.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        attempted = conn.execute(select(func.count()).where(Job.attempts > 1)).scalar_one()
    engine.dispose()
    expected = [s for p in acked for s in p.source_ids]
    lost = [s for s in expected if counts.get(s, 0) == 0]
    duplicated = [s for s, n in counts.items() if n > 1]
    audited = [
        c for c, r in found.items() if r[1] is not None and r[2] == "checks:check:run" and r[3] == c
    ]
    return {
        "pushes": {
            "sent": len(load.pushes),
            "acknowledged": len(acked),
            "records_acknowledged": len(expected),
            "receipts_rejected_rows": sum(p.receipt["rejected"] for p in acked if p.receipt),
            "receipts_duplicate_rows": sum(p.receipt["duplicates"] for p in acked if p.receipt),
            "sent_more_than_once": sum(1 for p in load.pushes if p.attempts > 1),
            "refused": dict(Counter(p.refused for p in load.pushes if p.refused)),
            "unacknowledged": sum(
                1 for p in load.pushes if p.receipt is None and p.refused is None
            ),
            "records_stored": sum(counts.values()),
            "lost": len(lost),
            "duplicated": len(duplicated),
            "lost_examples": lost[:5],
        },
        "checks": {
            "acknowledged": len(check_ids),
            "stored": len(found),
            "missing": len(check_ids) - len(found),
            "without_audit_entry": len(check_ids) - len(audited),
        },
        "reports": {"acknowledged": len(load.reports)},
        # Jobs by status at the end, and how many were claimed more than once (a retry after a
        # failure, or a job whose worker was killed, claimed again when its lease ran out).
        "jobs": {**jobs, "claimed_more_than_once": attempted},
    }


def audit_verify(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603  # our own program
        [CHENGXIN, "audit", "verify"], env=env, capture_output=True, text=True, check=False
    )
    try:
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        report = {"output": (done.stdout + done.stderr)[-500:]}
    return {"exit": done.returncode, **report}


def verdict(run: Run, checked: dict[str, Any], verified: dict[str, Any]) -> dict[str, Any]:
    """The done-when checks of issue 18 and the figures they rest on."""
    load, faults, intervals = run.load, run.faults, run.intervals
    grace = run.args["fault_grace"]
    around = [
        s for s in load.samples if s.server_error and any(f.covers(s.at, grace) for f in faults)
    ]
    outside = [
        s for s in load.samples if s.server_error and not any(f.covers(s.at, grace) for f in faults)
    ]
    # p99 of every request per interval against the first interval's, leaving out the warm-up
    # and the seconds around faults (the mix of kinds is the same in every interval); per kind
    # too, as figures (a kind has a few hundred requests a minute: its p99 is a few of them).
    ratios: list[float | None] = []
    by_kind: dict[str, list[float | None]] = {}
    if intervals:
        base = intervals[0]["steady_p99_ms"]
        ratios = [
            round(i["steady_p99_ms"] / base, 2) if base and i["steady_p99_ms"] else None
            for i in intervals[1:]
        ]
        for kind, k in intervals[0]["kinds"].items():
            first = k["steady_p99_ms"]
            by_kind[kind] = [
                round(i["kinds"][kind]["steady_p99_ms"] / first, 2)
                if first and kind in i["kinds"] and i["kinds"][kind]["steady_p99_ms"]
                else None
                for i in intervals[1:]
            ]
    worst = max((r for r in ratios if r is not None), default=0.0)
    growth = run.rss.growth(run.interval)
    done_when = {
        "no_lost": checked["pushes"]["lost"] == 0,
        "no_duplicated": checked["pushes"]["duplicated"] == 0,
        "checks_audited": checked["checks"]["without_audit_entry"] == 0,
        "audit_verify": verified["exit"] == 0,
        "no_server_errors_outside_faults": not outside,
        "p99_within_1_5x": worst <= 1.5,
        "rss_growth_within_10pct": max(growth.values(), default=0.0) <= 0.10,
    }
    return {
        "server_errors": {
            "total": len(outside) + len(around),
            "around_faults": len(around),
            "around_by_kind": dict(Counter(f"{s.kind} {s.outcome}" for s in around)),
            "outside_faults": len(outside),
            "outside_by_kind": dict(Counter(f"{s.kind} {s.outcome}" for s in outside)),
            "outside_at_s": [round(s.at, 1) for s in outside[:20]],
        },
        "p99_ratio_to_first": ratios,
        "p99_ratio_max": worst,
        "p99_ratio_to_first_by_kind": by_kind,
        "rss_growth": growth,
        "rss_growth_max": max(growth.values(), default=0.0),
        "done_when": done_when,
        "ok": all(done_when.values()),
    }


def main() -> None:  # noqa: PLR0915  # the run, in order
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=0.5)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--servers", type=int, default=2, help="serve processes (ports)")
    parser.add_argument("--server-workers", type=int, default=1, help="--workers of each")
    parser.add_argument("--job-workers", type=int, default=2, help="`chengxin worker` processes")
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--citizens", type=int, default=2)
    parser.add_argument("--pushers", type=int, default=2)
    parser.add_argument("--push-size", type=int, default=20)
    parser.add_argument("--push-think", type=float, default=1.0)
    parser.add_argument("--checkers", type=int, default=4)
    parser.add_argument("--check-think", type=float, default=0.1)
    parser.add_argument("--reporters", type=int, default=1)
    parser.add_argument("--report-think", type=float, default=0.5)
    parser.add_argument("--citizen-think", type=float, default=0.3)
    parser.add_argument(
        "--warmup",
        type=float,
        default=20.0,
        help="seconds of the first interval left out of its p99",
    )
    parser.add_argument(
        "--fault-grace",
        type=float,
        default=10.0,
        help="seconds after a fault is over in which server errors are expected",
    )
    parser.add_argument(
        "--logs",
        type=Path,
        default=None,
        help="copy the processes' logs here at the end (a new directory)",
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=60.0,
        help="seconds after the end in which unanswered pushes are sent again",
    )
    args = vars(parser.parse_args())
    if args["db"] == "postgresql" and not pgcluster.available():
        raise SystemExit("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    tmp = Path(tempfile.mkdtemp(prefix="chengxin-soak-"))
    cluster: Cluster | None = None
    procs: list[Proc] = []
    try:
        url, cluster = start_database(args, tmp)
        print(f"database ready ({args['db']}); loading data", flush=True)
        world = run_child(_prepare, url, str(tmp), args)
        replicas, multi_host = "", False
        if cluster is not None:
            cluster.standby = pgcluster.PgServer.standby_of(cluster.primary.port, cluster.root)
            cluster.standby.start()
            replicas = cluster.standby.url(DB_NAME)
            both = pgcluster.multi_host_url([cluster.primary, cluster.standby], DB_NAME)
            multi_host = _pg_url_ok(both)
            url = both if multi_host else url
        env = _env(tmp, url, replicas)
        for i in range(args["servers"]):
            port = pgcluster.free_port()
            procs.append(
                Proc(
                    f"serve-{chr(97 + i)}",
                    [
                        CHENGXIN,
                        "serve",
                        "--port",
                        str(port),
                        "--workers",
                        str(args["server_workers"]),
                    ],
                    env,
                    tmp / f"serve-{i}.log",
                    port,
                )
            )
        procs += [
            Proc(
                f"worker-{i + 1}",
                [CHENGXIN, "worker", "--poll", "0.5"],
                env,
                tmp / f"worker-{i}.log",
            )
            for i in range(args["job_workers"])
        ]
        for proc in procs:
            proc.start()
        servers = [p for p in procs if p.port is not None]
        workers = [p for p in procs if p.port is None]
        print(
            f"{len(servers)} servers × {args['server_workers']} workers, {len(workers)} job "
            f"workers; data loaded in {world['load_seconds']} s; load for {args['minutes']} "
            f"min (multi-host URL: {multi_host}, replica: {bool(replicas)})",
            flush=True,
        )
        run = Run(args, world, procs, cluster)
        asyncio.run(run.run())
        load, faults = run.load, run.faults
        final_url = cluster.current.url(DB_NAME) if cluster else url
        checked = reconcile(final_url, world, load)
        verified = audit_verify(
            {**env, "CHENGXIN_DATABASE_URL": final_url, "CHENGXIN_REPLICA_URLS": ""}
        )
        figures = verdict(run, checked, verified)
    finally:
        for proc in procs:
            proc.stop()
        if cluster is not None:
            cluster.remove()
        if args["logs"] is not None:
            shutil.copytree(tmp, args["logs"], ignore=shutil.ignore_patterns("*.db*", "keys*"))
        shutil.rmtree(tmp, ignore_errors=True)
    totals = interval_figures(
        load.samples, 0, float("inf"), faults=faults, grace=args["fault_grace"], warmup=0
    )
    print(
        f"pushes: {checked['pushes']['acknowledged']} acknowledged "
        f"({checked['pushes']['records_acknowledged']} records), lost "
        f"{checked['pushes']['lost']}, duplicated {checked['pushes']['duplicated']}; checks "
        f"{checked['checks']['acknowledged']}, without audit entry "
        f"{checked['checks']['without_audit_entry']}; audit verify exit {verified['exit']}; "
        f"server errors outside faults {figures['server_errors']['outside_faults']}; "
        f"ok {figures['ok']}",
        flush=True,
    )
    print(
        json.dumps(
            {
                "bench": "soak",
                "db": args["db"],
                "minutes": args["minutes"],
                "interval_s": run.interval,
                "processes": {
                    "servers": args["servers"],
                    "server_workers": args["server_workers"],
                    "job_workers": args["job_workers"],
                },
                "multi_host_url": multi_host,
                "replica": bool(replicas),
                "faults": [
                    {
                        "fault": f.name,
                        "at_s": round(f.at, 1),
                        "over_s": round(f.done, 1),
                        "detail": f.detail,
                    }
                    for f in faults
                ],
                "requests": {k: v["requests"] for k, v in totals["kinds"].items()},
                "errors": {k: v["errors"] for k, v in totals["kinds"].items()},
                "p50_ms": {k: v["p50_ms"] for k, v in totals["kinds"].items()},
                "p99_ms": {k: v["p99_ms"] for k, v in totals["kinds"].items()},
                "balancer_redirects": load.balancer.redirected,
                "unclean_5xx": load.unclean[:20],
                "intervals": [
                    {
                        "from_s": i["from_s"],
                        "requests": i["requests"],
                        "steady_p99_ms": i["steady_p99_ms"],
                        "steady_p99_ms_by_kind": {
                            k: v["steady_p99_ms"] for k, v in i["kinds"].items()
                        },
                        "rss_mb": {n: round(v / 1024) for n, v in i["rss_kib"].items()},
                    }
                    for i in run.intervals
                ],
                **checked,
                "audit_verify": verified,
                **figures,
                "cpu_count": os.cpu_count(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
