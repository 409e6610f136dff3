"""A primary and a hot standby for the replica tests (ADR 0033).

With ``CHENGXIN_TEST_STANDBY_PORT`` (``.ci/run`` sets it) the standby is CI's real hot standby
of the machine's PostgreSQL, and the primary is this worker's test database on that machine
(``--db=postgresql``); the tests that pause its replay take a file lock, as every xdist worker
shares it. Otherwise the tests make a pair of their own with ``tests.pgcluster``. Failover tests
always make their own pair (they kill and promote it).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from chengxin import migrate
from chengxin.db import make_engine
from chengxin.models import Base
from tests import pgcluster

STANDBY_PORT = os.environ.get("CHENGXIN_TEST_STANDBY_PORT")
_LOCK = Path(tempfile.gettempdir()) / "chengxin-ci-standby.lock"


@dataclass
class Pair:
    """A database on a primary and the same database on its hot standby."""

    primary_url: str
    replica_url: str
    standby: pgcluster.PgServer  # psql and wait_replayed only (never stopped here)
    engine: Engine  # the primary's, for resets and positions

    def primary_lsn(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(text("SELECT pg_current_wal_insert_lsn()::text")).scalar())

    def catch_up(self) -> None:
        """Wait until the standby replayed everything the primary wrote so far."""
        self.standby.wait_replayed(self.primary_lsn())

    def pause(self) -> None:
        """Stop the standby's replay: from the next WAL record on, nothing more is applied."""
        self.standby.psql("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.standby.psql("SELECT pg_wal_replay_resume()")

    def reset(self) -> None:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with self.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            conn.execute(text("INSERT INTO audit_head (id, seq, tree_size) VALUES (1, 0, 0)"))


def own_pair(root: Path, *, synchronous: bool = False) -> tuple[pgcluster.PgServer, ...]:
    """A migrated database ``chengxin`` on a new primary with a hot standby, both started.
    ``synchronous``: a commit returns once the standby has it (what failover needs to lose
    nothing acknowledged; the standby itself is made before, so it does not inherit it)."""
    primary = pgcluster.PgServer.primary(root).start()
    primary.psql("CREATE DATABASE chengxin")
    engine = make_engine(primary.url("chengxin"))
    migrate.upgrade(engine)
    engine.dispose()
    standby = pgcluster.PgServer.standby_of(primary.port, root).start()
    if synchronous:
        primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.psql("SELECT pg_reload_conf()")
    return primary, standby


@pytest.fixture(scope="session")
def replica_pair(db_kind: str, _template: str) -> Iterator[Pair]:
    if STANDBY_PORT:
        standby = pgcluster.PgServer(Path(tempfile.gettempdir()) / "ci-standby", int(STANDBY_PORT))
        database = _template.rsplit("/", 1)[1]
        engine = make_engine(_template)
        yield Pair(_template, standby.url(database), standby, engine)
        engine.dispose()
        return
    root = pgcluster.scratch_dir()
    primary, standby = own_pair(root)
    engine = make_engine(primary.url("chengxin"))
    try:
        yield Pair(primary.url("chengxin"), standby.url("chengxin"), standby, engine)
    finally:
        engine.dispose()
        standby.remove()
        primary.remove()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _standby_to_ourselves() -> Iterator[None]:
    # Every xdist worker's replica tests share CI's standby: one pauses its replay at a time.
    with _LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture
def pair(replica_pair: Pair) -> Iterator[Pair]:
    """The pair, reset, with the standby caught up; its replay resumed afterwards."""
    with _standby_to_ourselves() if STANDBY_PORT else _nothing():
        replica_pair.reset()
        replica_pair.catch_up()
        try:
            yield replica_pair
        finally:
            replica_pair.resume()


@contextmanager
def _nothing() -> Iterator[None]:
    yield
