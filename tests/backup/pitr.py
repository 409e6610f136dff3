"""PostgreSQL's point-in-time recovery, the steps of docs/operations.md ("Backups and restore")
on servers of tests/pgcluster.py: base backup, WAL archived, a new data directory replayed to a
moment. Used by tests/backup/test_pitr.py and bench/restore_drill.py."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from tests import pgcluster


def as_server_user(argv: list[str]) -> None:
    """Run a command as the server's user (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", pgcluster.PG_USER, "--", *argv]
    subprocess.run(argv, check=True, capture_output=True, text=True)  # noqa: S603


def base_backup(server: pgcluster.PgServer, into: Path) -> None:
    """``pg_basebackup`` of the running server (WAL streamed alongside: the copy is whole)."""
    as_server_user(
        [
            str(pgcluster.bindir() / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            pgcluster.PG_USER,
            "-D",
            str(into),
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        ]
    )


def archive_all(server: pgcluster.PgServer, *, timeout: float = 60) -> str:
    """Close the current WAL segment and wait until ``archive_command`` copied it; its name."""
    segment = server.psql("SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + timeout
    while server.psql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") < segment:
        if time.monotonic() > deadline:
            raise TimeoutError(f"WAL segment {segment} was not archived in {timeout} s")
        time.sleep(0.1)
    return segment


def recover(
    base: Path, archive: Path, moment: datetime, data: Path, *, timeout: float = 300
) -> pgcluster.PgServer:
    """A server on a copy of the base backup in ``data``, replayed from the archive up to
    ``moment`` (``recovery_target_time``) and promoted; started, accepting writes."""
    as_server_user(["cp", "-a", str(base), str(data)])
    as_server_user(["touch", str(data / "recovery.signal")])
    server = pgcluster.PgServer(data, pgcluster.free_port())
    server.configure(
        [
            f"restore_command = 'cp {archive}/%f %p'",
            f"recovery_target_time = '{moment.astimezone(UTC).isoformat()}'",
            "recovery_target_action = 'promote'",
            "archive_mode = off",  # a new timeline; a deployment archives it too (operations.md)
        ]
    )
    server.start(timeout=timeout)
    deadline = time.monotonic() + timeout
    while server.psql("SELECT pg_is_in_recovery()") != "f":
        if time.monotonic() > deadline:
            raise TimeoutError("the restored server did not finish its recovery")
        time.sleep(0.1)
    return server
