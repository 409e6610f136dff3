"""Throw-away PostgreSQL servers for the replica, failover, restore and soak work (issue 18).

A ``PgServer`` is a real ``postgres`` process on its own data directory and port: a primary made by
``initdb`` (``PgServer.primary``) or a hot standby made by ``pg_basebackup -R`` from any server
that accepts replication connections (``PgServer.standby_of``). They can be stopped, killed
(``kill -9`` of the postmaster), restarted and promoted, which the machine's shared PostgreSQL
must never be. Used by the tests (``tests/replicas``…) and by ``bench/soak.py`` (which puts the
project root on ``sys.path``).

PostgreSQL refuses to run as root: when the caller is root, the server's commands run as the
``postgres`` user (``runuser``) and its directories belong to that user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_USER = "postgres"


def bindir() -> Path:
    """Where the server's programs are (``pg_config --bindir``; Debian keeps them off PATH)."""
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def available() -> bool:
    """Whether this machine can make servers of its own (``initdb`` and ``pg_ctl`` present)."""
    try:
        return (bindir() / "initdb").exists() and (bindir() / "pg_ctl").exists()
    except (OSError, subprocess.CalledProcessError):
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_USER, "--", *argv]
    return argv


def _own(path: Path) -> None:
    """Give ``path`` to the server's user (when root) with the mode PostgreSQL insists on."""
    if os.geteuid() == 0:
        shutil.chown(path, PG_USER, PG_USER)
    path.chmod(0o700)


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _as_server_user(argv), capture_output=True, text=True, check=True, **kwargs
    )


def scratch_dir(prefix: str = "chengxin-pg-") -> Path:
    """A temporary directory the server's user may write in (pass it as ``root``)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    _own(root)
    return root


@dataclass
class PgServer:
    """One PostgreSQL server of the caller's own: data directory, port, and its lifecycle."""

    data: Path
    port: int
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data.parent / f"{self.data.name}.log"

    # -- making servers --------------------------------------------------------------------

    @classmethod
    def primary(cls, root: Path, *, name: str = "primary", archive: Path | None = None) -> PgServer:
        """A new primary (``initdb``, trust auth on 127.0.0.1, replication allowed). With
        ``archive``, every finished WAL segment is copied there (point-in-time recovery)."""
        data = root / name
        data.mkdir()
        _own(data)
        _run(
            [
                str(bindir() / "initdb"),
                "-D",
                str(data),
                "-U",
                PG_USER,
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        server = cls(data, free_port())
        lines = [
            "wal_level = replica",
            "max_wal_senders = 10",
            "hot_standby = on",
            "wal_keep_size = '256MB'",
            "fsync = off",  # throw-away servers: durability is the real server's business
            "full_page_writes = on",
            "max_connections = 200",
        ]
        if archive is not None:
            archive.mkdir(exist_ok=True)
            _own(archive)
            lines += [
                "archive_mode = on",
                f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'",
                "archive_timeout = 1",
            ]
        server.configure(lines)
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        return server

    @classmethod
    def standby_of(
        cls, source_port: int, root: Path, *, name: str = "standby", host: str = "127.0.0.1"
    ) -> PgServer:
        """A hot standby streaming from the server on ``source_port`` (``pg_basebackup -R``)."""
        data = root / name
        _run(
            [
                str(bindir() / "pg_basebackup"),
                "-h",
                host,
                "-p",
                str(source_port),
                "-U",
                PG_USER,
                "-D",
                str(data),
                "-R",
                "-X",
                "stream",
                "--no-sync",
                "-c",
                "fast",
            ]
        )
        _own(data)
        server = cls(data, free_port())
        server.configure(["hot_standby = on", "hot_standby_feedback = on"])
        return server

    def configure(self, lines: list[str]) -> None:
        """Settings appended to ``postgresql.auto.conf``; the port and sockets are this server's."""
        base = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.data.parent}'",
        ]
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write("\n".join([*base, *lines]) + "\n")

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, *, timeout: float = 60.0) -> PgServer:
        _run(
            [
                str(bindir() / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                str(int(timeout)),
                "start",
            ]
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _run([str(bindir() / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def restart(self) -> None:
        _run(
            [
                str(bindir() / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-m",
                "fast",
                "-w",
                "restart",
            ]
        )

    def kill(self) -> None:
        """``kill -9`` of the postmaster (its children exit on their own): a crashed server."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while self.accepts() and time.monotonic() < deadline:
                time.sleep(0.1)

    def promote(self, *, timeout: float = 60.0) -> None:
        """Make this standby a primary (``pg_ctl promote``, waiting until it accepts writes)."""
        _run(
            [
                str(bindir() / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-t",
                str(int(timeout)),
                "promote",
            ]
        )

    def pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def accepts(self) -> bool:
        """Whether the server answers on its port (``pg_isready``)."""
        done = subprocess.run(
            [str(bindir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
            check=False,
        )
        return done.returncode == 0

    # -- addresses and queries -------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` with psql and return its unaligned output (for set-up and checks)."""
        done = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                PG_USER,
                "-d",
                database,
                "-AtX",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def wait_replayed(self, lsn: str, *, timeout: float = 30.0) -> None:
        """Wait until this standby replayed past ``lsn`` (from the primary's
        ``pg_current_wal_lsn()``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")
            if done == "t":
                return
            time.sleep(0.05)
        raise TimeoutError(f"standby on port {self.port} did not replay past {lsn}")

    def remove(self) -> None:
        """Stop (immediately) and delete the data directory."""
        self.stop("immediate")
        shutil.rmtree(self.data, ignore_errors=True)
        self.log.unlink(missing_ok=True)


def multi_host_url(servers: list[PgServer], database: str, *, attrs: str = "read-write") -> str:
    """One libpq URL naming several servers: the driver takes the first that matches
    ``target_session_attrs`` (``read-write``: the primary, whichever it is now)."""
    hosts = ",".join(f"127.0.0.1:{s.port}" for s in servers)
    return f"postgresql://{PG_USER}@{hosts}/{database}?target_session_attrs={attrs}"
