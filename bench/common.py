"""What the benchmarks share: a scratch database on SQLite or PostgreSQL, created and dropped."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
from pathlib import Path
from queue import Empty
from typing import Any

from chengxin import wiring
from chengxin.db import make_engine

wiring.install()  # a benchmark is a composition root, like the app and the CLI (ADR 0038)

PG_ADMIN = os.environ.get(
    "CHENGXIN_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def make_database(db: str, workdir: Path, name: str) -> str:
    """A fresh database's URL: a SQLite file in ``workdir``, or PostgreSQL database ``name``."""
    if db == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_database(db: str, name: str) -> None:
    """Drop the PostgreSQL scratch database (SQLite files go with the temporary directory)."""
    if db != "postgresql":
        return
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def run_child(target: Any, url: str, workdir: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``target(url, workdir, args, queue)`` in a spawned process; return what it puts."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(url, workdir, args, queue))
    process.start()
    while True:
        try:
            out: dict[str, Any] = queue.get(timeout=1)
            break
        except Empty:
            if not process.is_alive():
                raise SystemExit(
                    f"the benchmark process failed (exit {process.exitcode})"
                ) from None
    process.join()
    return out


def wait_for_server(process: subprocess.Popen[bytes], port: int, log: Path) -> str:
    """The base URL of a server started on ``port`` once its /health answers 200 (60 s at most;
    otherwise it is killed and the end of its ``log`` shown)."""
    import httpx  # only the HTTP benches need it

    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start:\n" + log.read_text(errors="replace")[-3000:])


def window_world(session: Any, actor: Any) -> tuple[Any, Any, Any]:
    """What a service-window bench stands on: the shipped catalog active, a tax department (the
    provider) and a market regulator (the consumer) in Wuhan, and the consumer's permission line
    for licensing over every sharing level. Returns (provider, consumer, catalog document)."""
    import random
    from datetime import date

    from chengxin.access import policy
    from chengxin.access.scenes import Scene
    from chengxin.catalog import service as catalog_service
    from chengxin.catalog.schema import Sharing
    from chengxin.demo import generator
    from chengxin.organizations import service as organization_service
    from chengxin.organizations.models import OrganizationKind

    catalog_service.load(session, catalog_service.shipped_content(), actor=actor, activate=True)
    codes = [
        generator.credit_code(random.Random(i), registration="11", region_code="420100")
        for i in (1, 2)
    ]
    provider = organization_service.create(
        session,
        credit_code=codes[0],
        name="演示税务局",
        kind=OrganizationKind.GOVERNMENT,
        region_code="420100",
        department="tax",
        actor=actor,
    )
    consumer = organization_service.create(
        session,
        credit_code=codes[1],
        name="演示市场监督管理局",
        kind=OrganizationKind.GOVERNMENT,
        region_code="420100",
        department="market",
        actor=actor,
    )
    _, document = catalog_service.active_document(session)
    policy.add_rule(
        session,
        document,
        organization_id=consumer.id,
        scene=Scene.ADMINISTRATIVE_LICENSING,
        kinds=[],
        sharing=[Sharing.PUBLIC, Sharing.AUTHORIZED, Sharing.GOVERNMENT],
        basis="《湖北省社会信用信息管理条例》第二十四条",
        valid_from_on=date(2026, 1, 1),
        valid_until_on=None,
        actor=actor,
    )
    return provider, consumer, document


def rss_kib(pid: int) -> int:
    """A process's resident set in KiB (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    """The pids of a process's direct children, in order."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return sorted(out)
