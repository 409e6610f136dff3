"""Each process's change watcher: reads the topics' versions every ``change_poll_seconds`` and
makes the process forget what it cached about a topic whose version moved (ADR 0034).

One tiny SELECT on the primary (the URL the process writes to), over a connection of its own:
the watcher never queues for the request handlers' pool, and a version written by a commit is
seen by the next poll. A version that went down (a restore, the tests' truncation) is a change
too: only equality means "nothing happened". A poll that fails (the database restarting, a
failover) is logged and retried; what was missed is seen by the first poll that succeeds, since
versions are compared, not events counted. Until then the caches' own time limits hold
(``auth_cache_seconds``, ``lockdown_cache_seconds``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from chengxin.changes import service as changes_service
from chengxin.changes.models import PlatformChange
from chengxin.db import SQLITE_BEGIN, make_engine

log = structlog.get_logger(__name__)


def watcher_engine(url: str) -> Engine:
    """A one-connection engine for the polls (SQLite: reads begin DEFERRED, never taking the
    write turn)."""
    if url.startswith("sqlite"):
        return make_engine(url, pool_size=1, max_overflow=0)
    return make_engine(url, pool_size=1, max_overflow=0, pool_recycle=300)


class ChangeWatcher:
    """Polls the versions in a daemon thread; ``poll`` once by hand (tests, start-up)."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float,
        forget: Callable[[set[str]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self._forget = forget or changes_service.forget
        self._seen: dict[str, int] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False
        self.polls = 0  # successful polls so far (operations' health, tests)

    def _read(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            connection.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
            rows = connection.execute(select(PlatformChange.topic, PlatformChange.version)).all()
            connection.rollback()
        return {topic: int(version) for topic, version in rows}

    def poll(self) -> set[str]:
        """Read the versions once; forget the topics that moved since the last reading (none on
        the first). Returns them."""
        current = self._read()
        seen, self._seen = self._seen, current
        self.polls += 1
        if seen is None:
            return set()
        moved = {t for t in seen.keys() | current.keys() if seen.get(t) != current.get(t)}
        if moved:
            log.debug("changes.moved", topics=sorted(moved))
            self._forget(moved)
        return moved

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except SQLAlchemyError as exc:
                if not self._failing:  # once per outage, not twice a second
                    log.warning("changes.poll-failed", error=type(exc).__name__)
                self._failing = True
                continue
            if self._failing:
                log.info("changes.poll-recovered")
                self._failing = False

    def start(self) -> None:
        """Take the first reading (what is cached from now on is measured against it), then
        poll in a daemon thread."""
        if self._thread is not None:
            return
        try:
            self.poll()
        except SQLAlchemyError as exc:
            log.warning("changes.poll-failed", error=type(exc).__name__)
            self._failing = True
            # Nothing to measure against: the first poll that succeeds forgets every topic.
            self._seen = {}
        self._thread = threading.Thread(target=self._run, name="change-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and close the connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.engine.dispose()
