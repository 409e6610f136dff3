"""The group-commit audit writer: one thread appends read-path entries in batches.

Read paths (queries, checks, disclosures) log every access; one transaction per entry would
serialise them on the ``audit_head`` lock and pay a commit each. The writer takes whatever is
queued (up to ``max_batch`` entries), locks the head once, inserts all in one executemany,
commits, then wakes every waiter with its seq (or the error). Between batches, outside the
waiters' latency, it integrates new entries into the tiles and signs a tree head when due.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from typing import Any, TypeAlias

import structlog
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session, sessionmaker

from chengxin.audit import hooks as audit_hooks
from chengxin.audit import service as audit_service
from chengxin.audit import tree as audit_tree
from chengxin.audit.errors import AuditWriterUnavailable
from chengxin.audit.service import Registration
from chengxin.keys.keyring import Keyring

log = structlog.get_logger(__name__)

_STOP = object()
_Item: TypeAlias = tuple[dict[str, Any], Future[int], Registration | None]


class AuditWriter:
    """A daemon thread owning the batched appends of one process (see module docstring)."""

    def __init__(  # tuning knobs, all keyword-only
        self,
        session_factory: sessionmaker[Session],
        *,
        keyring: Keyring,
        max_batch: int = 1000,
        tree_head_seconds: float = 10.0,
        integrate_seconds: float = 0.5,
        wait_seconds: float = 30.0,
    ) -> None:
        self.session_factory = session_factory
        self.keyring = keyring
        self.max_batch = max_batch
        self.tree_head_seconds = tree_head_seconds
        self.integrate_seconds = integrate_seconds
        self.wait_seconds = wait_seconds
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._last_integrate = self._last_sign = 0.0

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the thread (idempotent). Refused before ``audit.hooks.install()``: without its
        Session listeners a transaction holding SQLite's write lock would wait on the writer."""
        if not audit_hooks.installed():
            raise RuntimeError(
                "the audit log's Session listeners are not attached: "
                "call chengxin.wiring.install() first"
            )
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Drain the queue, integrate and sign a last head, and stop."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        """True while the thread accepts entries."""
        return self._thread is not None and self._thread.is_alive()

    # -- API -------------------------------------------------------------------------------------
    def submit(self, row: dict[str, Any], registration: Registration | None = None) -> Future[int]:
        """Queue a prepared entry; the future resolves to its seq after the batch commits.

        ``registration(seq)`` gives the rows that register what the entry logs (a check and its
        persons): they are inserted in the batch's transaction, one statement per table for
        the whole batch, and commit with the entry in the same fsync; a caller waits for
        nothing but that commit."""
        future: Future[int] = Future()
        if not self.running:
            future.set_exception(AuditWriterUnavailable("the audit writer is not running"))
            return future
        self._queue.put((row, future, registration))
        return future

    def append(self, row: dict[str, Any]) -> int:
        """Queue a prepared entry and block until it is committed; returns its seq."""
        return self.wait(self.submit(row))

    def wait(self, future: Future[int]) -> int:
        """Block until a submitted entry is committed; returns its seq."""
        try:
            return future.result(timeout=self.wait_seconds)
        except TimeoutError as exc:
            raise AuditWriterUnavailable("the audit log did not commit the entry in time") from exc

    # -- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        stopping = False
        while not stopping:
            timeout = min(self.integrate_seconds, self.tree_head_seconds)
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            batch: list[_Item] = []
            while item is not None:
                if item is _STOP:
                    stopping = True
                else:
                    batch.append(item)
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            if batch:
                self._commit(batch)
            # Tree maintenance only when nobody is waiting (or when stopping).
            if stopping or self._queue.empty():
                self._maintain(force=stopping)

    def _commit(self, batch: list[_Item]) -> None:
        try:
            with self.session_factory() as session, session.begin():
                first = audit_service.append_rows(session, [row for row, _, _ in batch])
                tables: dict[Table, list[dict[str, Any]]] = {}  # in first-seen order
                for i, (_, _, registration) in enumerate(batch):
                    for table, values in registration(first + i) if registration else ():
                        tables.setdefault(table, []).append(values)
                connection = session.connection()
                for table, rows in tables.items():
                    connection.execute(insert(table), rows)
        except Exception as exc:  # noqa: BLE001  # every waiter gets the failure
            for _, future, _ in batch:
                future.set_exception(exc)
            return
        for i, (_, future, _) in enumerate(batch):
            future.set_result(first + i)

    def _maintain(self, *, force: bool = False) -> None:
        now = time.monotonic()
        try:
            if force or now - self._last_integrate >= self.integrate_seconds:
                with self.session_factory() as session, session.begin():
                    audit_tree.integrate(session)
                self._last_integrate = now
            if force or now - self._last_sign >= self.tree_head_seconds:
                with self.session_factory() as session, session.begin():
                    audit_tree.sign_tree_head(session, keyring=self.keyring)
                self._last_sign = now
        except Exception:  # the next round retries; appends go on meanwhile
            log.exception("audit tree maintenance failed")
