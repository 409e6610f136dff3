"""Real processes on one database: ``chengxin serve`` and ``chengxin worker`` subprocesses
started on the test's database (SQLite file or PostgreSQL), with the test's keys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from chengxin.keys.keyring import Keyring
from chengxin.runtime import Runtime
from tests.web.conftest import _free_port

CHENGXIN = str(Path(sys.executable).parent / "chengxin")
START_SECONDS = 60.0  # a loaded two-core machine starts granian and the app in a few seconds
# Longer than the test could wait: only the change watcher can make a server forget in time.
TRUSTED_SECONDS = 600


def environment(runtime: Runtime, keyring: Keyring, data_dir: Path, **extra: str) -> dict[str, str]:
    """The variables a child process of this test runs with: the test's database and keys."""
    settings = runtime.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGXIN_")}
    env |= {
        "CHENGXIN_ENV": "test",
        "CHENGXIN_DATA_DIR": str(data_dir),
        "CHENGXIN_DATABASE_URL": settings.resolved_database_url,
        "CHENGXIN_KEYS": keyring.to_json(),
        "CHENGXIN_JOBS_IN_PROCESS": "false",
        "CHENGXIN_LOG_LEVEL": "WARNING",
        "CHENGXIN_PASSWORD_HASH_MEMORY_KIB": "1024",
        "CHENGXIN_PASSWORD_HASH_TIME_COST": "1",
        "CHENGXIN_SERVER_THREADS": "4",
        "CHENGXIN_DB_POOL_SIZE": "4",
        "CHENGXIN_DB_MAX_OVERFLOW": "4",
    }
    return env | extra


@dataclass
class Children:
    """Child processes of a test, stopped (SIGTERM, then SIGKILL) when it ends."""

    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{name}.out").open("wb")
        process = subprocess.Popen(  # noqa: S603  # our own program and arguments
            [CHENGXIN, *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        out.close()
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)

    def output(self, name: str) -> str:
        return (self.logs / f"{name}.out").read_text("utf-8", errors="replace")[-4000:]


@pytest.fixture
def children(tmp_path: Path) -> Iterator[Children]:
    logs = tmp_path / "children"
    logs.mkdir()
    kids = Children(logs)
    yield kids
    for process in kids.processes:
        kids.stop(process)


@dataclass
class Server:
    name: str
    url: str
    client: httpx.Client


@pytest.fixture
def serve(
    runtime: Runtime, keyring: Keyring, children: Children, tmp_path: Path
) -> Iterator[Callable[..., Server]]:
    """Start a ``chengxin serve`` on the test's database; returns once it answers /ready."""
    clients: list[httpx.Client] = []

    def start(name: str, **extra: str) -> Server:
        port = _free_port()
        env = environment(runtime, keyring, tmp_path / name, **extra)
        process = children.start(name, ["serve", "--port", str(port)], env)
        url = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=url, timeout=30)
        clients.append(client)
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"{name} exited {process.returncode}: {children.output(name)}")
            try:
                if client.get("/ready").status_code == 200:
                    return Server(name, url, client)
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} did not answer in {START_SECONDS} s: {children.output(name)}")
            time.sleep(0.1)

    yield start
    for client in clients:
        client.close()


def until(probe: Callable[[], bool], *, seconds: float = 20.0, every: float = 0.02) -> float:
    """Ask ``probe`` until it holds; returns the seconds it took, fails past ``seconds`` (a
    deadline, not a measurement: the time is printed, never asserted)."""
    started = time.monotonic()
    while not probe():
        if time.monotonic() - started > seconds:
            pytest.fail(f"still not so after {seconds} s")
        time.sleep(every)
    took = time.monotonic() - started
    print(f"seen after {took:.3f} s", file=sys.stderr)  # noqa: T201
    return took
