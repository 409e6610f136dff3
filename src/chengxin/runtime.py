"""The running platform's parts, built once from settings: engine, keyring, session factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chengxin.db import make_engine, make_session_factory
from chengxin.keys.keyring import Keyring, KeyringError, load_or_create
from chengxin.settings import Environment, Settings

if TYPE_CHECKING:
    from chengxin.audit.writer import AuditWriter
    from chengxin.jobs.worker import WorkerThread


@dataclass
class Runtime:
    """What a process (server, CLI command, test) needs to talk to the platform's data."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    session_factory: sessionmaker[Session]
    audit_writer: AuditWriter | None = None
    job_worker: WorkerThread | None = None

    @contextmanager
    def scope(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on error."""
        with self.session_factory() as session, session.begin():
            yield session

    def start_audit_writer(self) -> AuditWriter:
        """Start the group-commit audit writer; sessions made from now on hand it their reads'
        audit entries (``session.info["audit_writer"]``)."""
        from chengxin.audit.writer import AuditWriter  # noqa: PLC0415  # audit imports runtime's parts

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
        from chengxin.jobs.worker import WorkerThread  # noqa: PLC0415  # jobs import the domains

        if self.job_worker is None:
            self.job_worker = WorkerThread(self, poll_seconds=self.settings.jobs_poll_seconds)
            self.job_worker.start()
        return self.job_worker

    def stop_job_worker(self) -> None:
        """Stop the worker thread after the job it is running."""
        worker, self.job_worker = self.job_worker, None
        if worker is not None:
            worker.stop()

    def check_production_safety(self) -> None:
        """Refuse to serve production with keys made for a demo."""
        if self.settings.env is Environment.PRODUCTION and self.keyring.demo:
            raise KeyringError(
                "demo keys in production: run `chengxin keys init` on a fresh data directory "
                "or supply CHENGXIN_KEYS from the secret store"
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
    engine = engine or make_engine(settings.resolved_database_url)
    ring = keyring or load_keyring(settings)
    factory = make_session_factory(engine, keyring=ring)
    return Runtime(settings=settings, engine=engine, keyring=ring, session_factory=factory)
