"""The running platform's parts, built once from settings: engine, keyring, session factory."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.audit.writer import AuditWriter
from chengxin.db import SQLITE_BEGIN, make_engine, make_session_factory, read_only
from chengxin.errors import DomainError
from chengxin.jobs.worker import WorkerThread
from chengxin.keys.keyring import Keyring, KeyringError, load_or_create
from chengxin.replicas import ReplicaSet, read_floor
from chengxin.settings import Environment, Settings

log = structlog.get_logger(__name__)

if TYPE_CHECKING:
    from chengxin.changes.watcher import ChangeWatcher


class UnsafeConfiguration(DomainError):
    status = 500
    code = "unsafe-configuration"
    title = "A setting would be unsafe or wrong in production"


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_memory_url(url: str) -> bool:
    """An in-memory SQLite database (one process only)."""
    return url.startswith("sqlite") and (
        url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:")
        or ":memory:" in url
        or "mode=memory" in url
    )


@dataclass
class Runtime:
    """What a process (server, CLI command, test) needs to talk to the platform's data."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    session_factory: sessionmaker[Session]
    audit_writer: AuditWriter | None = None
    job_worker: WorkerThread | None = None
    # Threads that commit or roll back requests' transactions (app.provide_session): a limiter
    # of their own, so a commit never queues behind the handlers waiting for what it releases.
    # Set by the app's startup, inside its event loop.
    finish_limiter: anyio.CapacityLimiter | None = None
    auth_limiter: anyio.CapacityLimiter | None = None
    # Threads that do hot read paths' reads (checks): as many as handler threads, so reads never
    # hold more pooled connections than the pool keeps open (opening one costs more than a read).
    read_limiter: anyio.CapacityLimiter | None = None
    # This process's short-lived copies of what the runtime's database holds (the lockdown gate's
    # flag): kept with the runtime, not the app, as they belong to its database.
    caches: dict[str, Any] = field(default_factory=dict)
    # PostgreSQL hot standbys serving read-only work (settings.replica_urls; ADR 0033).
    replicas: ReplicaSet | None = None
    # Reads the platform_change versions and makes this process forget what other processes
    # changed (ADR 0034); started by the server and `chengxin worker`.
    change_watcher: ChangeWatcher | None = None

    @contextmanager
    def scope(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on error."""
        with self.session_factory() as session, session.begin():
            yield session

    def read_only_session(self) -> Session:
        """A session whose transaction cannot write, on a replica that replayed past this
        request's floor (``replicas.read_floor``: its caller's last write) or else the primary
        (ADR 0033)."""
        replica = self.replicas.pick(read_floor()) if self.replicas is not None else None
        return self.session_factory(bind=read_only(replica.engine if replica else self.engine))

    @contextmanager
    def read_scope(self, *, replica: bool = False) -> Iterator[Session]:
        """A unit of work that only reads (authentication): on SQLite it begins DEFERRED, so it
        never queues for the single write lock; a write it makes in passing (a session's
        last-seen touch) is best effort there and dropped if the lock is busy. On PostgreSQL the
        same as ``scope()``. With ``replica`` (the check's reads), a read-only transaction that
        a replica may serve (``read_only_session``): nothing in it may write, not in passing."""
        if replica:
            with self.read_only_session() as session, session.begin():
                yield session
            return
        if self.engine.dialect.name != "sqlite":
            with self.scope() as session:
                yield session
            return
        bind = self.engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
        with self.session_factory(bind=bind) as session:
            session.begin()
            yield session
            try:
                session.commit()
            except OperationalError:
                session.rollback()
                log.info("read_scope_write_skipped")

    def start_audit_writer(self) -> AuditWriter:
        """Start the group-commit audit writer; sessions made from now on hand it their reads'
        audit entries (``session.info["audit_writer"]``)."""
        if self.audit_writer is None:
            self.audit_writer = AuditWriter(
                self.session_factory,
                keyring=self.keyring,
                max_batch=self.settings.audit_writer_batch,
                tree_head_seconds=self.settings.audit_tree_head_seconds,
            )
            self.audit_writer.start()
            self.session_factory.kw["info"]["audit_writer"] = self.audit_writer
        return self.audit_writer

    def stop_audit_writer(self) -> None:
        """Stop the writer after it committed, integrated and signed what was queued."""
        writer, self.audit_writer = self.audit_writer, None
        self.session_factory.kw["info"].pop("audit_writer", None)
        if writer is not None:
            writer.stop()

    def start_job_worker(self) -> WorkerThread:
        """Run a job worker in a daemon thread of this process (``jobs_in_process``: the demo's
        server; production may run ``chengxin worker`` instead)."""
        if self.job_worker is None:
            self.job_worker = WorkerThread(self, poll_seconds=self.settings.jobs_poll_seconds)
            self.job_worker.start()
        return self.job_worker

    def stop_job_worker(self) -> None:
        """Stop the worker thread after the job it is running."""
        worker, self.job_worker = self.job_worker, None
        if worker is not None:
            worker.stop()

    def start_change_watcher(self) -> ChangeWatcher | None:
        """Poll the topics' versions every ``change_poll_seconds`` in a daemon thread (none when
        it is 0, or for an in-memory database no other process can open)."""
        from chengxin.changes.watcher import ChangeWatcher, watcher_engine  # noqa: PLC0415

        url = self.settings.resolved_database_url
        seconds = self.settings.change_poll_seconds
        if self.change_watcher is None and seconds > 0 and not is_memory_url(url):
            self.change_watcher = ChangeWatcher(watcher_engine(url), interval=seconds)
            self.change_watcher.start()
        return self.change_watcher

    def stop_change_watcher(self) -> None:
        """Stop polling and close the watcher's connection."""
        watcher, self.change_watcher = self.change_watcher, None
        if watcher is not None:
            watcher.stop()

    def check_production_safety(self) -> None:
        """Refuse to serve production with keys made for a demo, or with a loopback
        ``public_base_url`` (every report would point at the server's own machine)."""
        if self.settings.env is not Environment.PRODUCTION:
            return
        if self.keyring.demo:
            raise KeyringError(
                "demo keys in production: run `chengxin keys init` on a fresh data directory "
                "or supply CHENGXIN_KEYS from the secret store"
            )
        if is_loopback_url(self.settings.public_base_url):
            # Every report's QR code and printed verification address are built on it.
            raise UnsafeConfiguration(
                "public_base_url is a loopback address: set CHENGXIN_PUBLIC_BASE_URL to the "
                "address citizens reach the platform at (reports print it and encode it)"
            )


def load_keyring(settings: Settings, *, demo: bool | None = None) -> Keyring:
    """The keyring from CHENGXIN_KEYS or the key file; made on first start (demo outside prod)."""
    create_demo = settings.env is not Environment.PRODUCTION if demo is None else demo
    return load_or_create(settings.key_file, settings.keys, create_demo=create_demo)


def build_runtime(
    settings: Settings, *, keyring: Keyring | None = None, engine: Engine | None = None
) -> Runtime:
    """Wire engine, keyring and sessions; sessions carry the keyring in ``info``."""
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = engine or make_engine(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        lock_wait_seconds=settings.db_lock_wait_seconds,
    )
    ring = keyring or load_keyring(settings)
    factory = make_session_factory(engine, keyring=ring)
    runtime = Runtime(settings=settings, engine=engine, keyring=ring, session_factory=factory)
    if settings.replica_urls:
        runtime.replicas = _replicas(settings, engine)
    return runtime


def _replicas(settings: Settings, primary: Engine) -> ReplicaSet:
    if primary.dialect.name == "sqlite":
        raise UnsafeConfiguration(
            "CHENGXIN_REPLICA_URLS is set but the database is SQLite, which has no replicas: "
            "unset it, or use PostgreSQL with hot standbys (docs/operations.md)"
        )
    return ReplicaSet(
        settings.replica_urls,
        primary=primary,
        max_lag_seconds=settings.replica_max_lag_seconds,
        engine_options={
            "pool_size": settings.db_pool_size,
            "max_overflow": settings.db_max_overflow,
            "lock_wait_seconds": settings.db_lock_wait_seconds,
        },
    )
