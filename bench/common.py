"""What the benchmarks share: a scratch database on SQLite or PostgreSQL, created and dropped."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
from pathlib import Path
from queue import Empty
from typing import Any

from chengxin.db import make_engine

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
