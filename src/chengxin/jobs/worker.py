"""The worker: ticks the schedules, claims due jobs and runs their handlers.

Runs as ``chengxin worker`` in production (any number of them, on any hosts sharing the
database) and in a daemon thread of the server for the demo (``CHENGXIN_JOBS_IN_PROCESS``).
Tests call ``run_once`` with their own clock.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog

from chengxin.db import utcnow
from chengxin.jobs import service as jobs_service
from chengxin.jobs.errors import LeaseLost
from chengxin.jobs.models import Job, JobStatus
from chengxin.jobs.registry import (
    REGISTRY,
    Chunked,
    Handler,
    JobContext,
    NotInstalled,
    Platform,
    Registry,
)

log = structlog.get_logger(__name__)


class UnknownJobKind(LookupError):
    """No handler is registered for the job's kind in this process (a newer worker may know it:
    the job is retried with backoff like any failure)."""


def default_name() -> str:
    """``host:pid:random``: unique per worker, readable in ``chengxin jobs list``."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def default_registry() -> Registry:
    """The platform's registry with every handler and schedule of ``chengxin.tasks``, which
    ``chengxin.wiring.install()`` registers; refused before that, so no job is claimed by a
    worker that knows none of them."""
    if not REGISTRY.installed:
        raise NotInstalled("the job registry is empty: call chengxin.wiring.install() first")
    return REGISTRY


class Worker:
    """One worker: ``run_once`` for a pass, ``run_forever`` until told to stop."""

    def __init__(
        self, runtime: Platform, *, name: str | None = None, registry: Registry | None = None
    ) -> None:
        self.runtime = runtime
        self.name = (name or default_name())[:100]
        self.registry = registry if registry is not None else default_registry()
        settings = runtime.settings
        self.lease = timedelta(seconds=settings.jobs_lease_seconds)
        self.batch = settings.jobs_batch
        self.chunk_rows = settings.jobs_chunk_rows
        self.chunk_seconds = settings.jobs_chunk_seconds
        self.chunk_pause = settings.jobs_chunk_pause_seconds
        self.stopping = threading.Event()  # set by run_forever's caller: stop between chunks
        self._synced = False

    def run_once(self, now: datetime | None = None) -> int:
        """Tick the schedules, then claim and run due jobs one by one (at most ``jobs_batch``);
        returns how many ran. ``now`` fixes the clock (tests); otherwise the wall clock."""
        clock = now or utcnow()
        if not self._synced:
            with self.runtime.scope() as session:
                jobs_service.sync_schedules(
                    session,
                    self.registry.schedules.values(),
                    settings=self.runtime.settings,
                    now=clock,
                )
            self._synced = True
        if self.registry.schedules:
            with self.runtime.scope() as session:
                jobs_service.tick(session, self.registry.schedules, now=clock)
        ran = 0
        while ran < self.batch and not self.stopping.is_set():
            at = now or utcnow()
            with self.runtime.scope() as session:
                claimed = jobs_service.claim(session, worker=self.name, now=at, lease=self.lease)
            if not claimed:
                break
            for job in claimed:
                self._run(job, now)
                ran += 1
        return ran

    def _handler(self, kind: str) -> Handler | Chunked:
        handler = self.registry.handler_for(kind)
        if handler is None:
            raise UnknownJobKind(f"no handler for job kind {kind!r}")
        return handler

    def _run(self, job: Job, now: datetime | None) -> None:
        """Run one claimed job: the handler and the job's completion share one transaction; a
        failure rolls it back and is recorded in a transaction of its own."""
        started = time.perf_counter()
        ctx = JobContext(
            runtime=self.runtime,
            job_id=job.id,
            kind=job.kind,
            attempt=job.attempts,
            max_attempts=job.max_attempts,
            now=now or utcnow(),
            worker=self.name,
            chunk_rows=self.chunk_rows,
            chunk_seconds=self.chunk_seconds,
        )
        ids = {"job_id": str(job.id), "kind": job.kind, "attempt": job.attempts}
        try:
            handler = self._handler(job.kind)
            if isinstance(handler, Chunked):
                self._run_chunks(job, handler, ctx, now)
            else:
                with self.runtime.session_factory() as session, session.begin():
                    if session.get_bind().dialect.name == "postgresql":
                        # On SQLite this would open the write transaction before the handler,
                        # and a handler using its own units of work (ctx.runtime) would wait.
                        jobs_service.hold(session, job.id, worker=self.name, attempt=job.attempts)
                    result = handler(session, dict(job.payload), ctx)
                    jobs_service.complete(
                        session,
                        job.id,
                        worker=self.name,
                        attempt=job.attempts,
                        now=now or utcnow(),
                        result=result,
                    )
        except LeaseLost:
            log.warning("jobs.lease-lost", worker=self.name, **ids)
            return
        except Exception as exc:  # noqa: BLE001  # any failure of a handler is the job's failure
            self._record_failure(job, exc, now, ids)
            return
        log.debug("jobs.job-done", ms=round((time.perf_counter() - started) * 1000, 1), **ids)

    def _run_chunks(
        self, job: Job, handler: Chunked, ctx: JobContext, now: datetime | None
    ) -> None:
        """Run a chunked job chunk by chunk from its saved progress: each chunk is one short
        transaction with the progress past it (the last also completes the job), so the write
        lock is free between chunks and a crash loses at most the chunk in flight."""
        progress = dict(job.progress or {})
        payload = dict(job.payload)
        while True:
            started = time.perf_counter()
            with self.runtime.session_factory() as session, session.begin():
                if session.get_bind().dialect.name == "postgresql":
                    jobs_service.hold(session, job.id, worker=self.name, attempt=job.attempts)
                step = handler.step(session, payload, progress, ctx)
                at = now or utcnow()
                if step.result is not None:
                    jobs_service.complete(
                        session,
                        job.id,
                        worker=self.name,
                        attempt=job.attempts,
                        now=at,
                        result=step.result,
                        progress=step.progress,
                    )
                else:
                    jobs_service.advance(
                        session,
                        job.id,
                        worker=self.name,
                        attempt=job.attempts,
                        progress=step.progress,
                        lease_until=at + self.lease,
                    )
            log.debug(
                "jobs.chunk-done",
                job_id=str(job.id),
                kind=job.kind,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
            if step.result is not None:
                return
            progress = step.progress
            if self.stopping.is_set():  # shutting down: the job goes back, its progress kept
                with self.runtime.scope() as session:
                    jobs_service.release(session, job.id, worker=self.name, attempt=job.attempts)
                log.info("jobs.job-released", job_id=str(job.id), kind=job.kind)
                return
            if self.chunk_pause:
                time.sleep(self.chunk_pause)

    def _record_failure(
        self, job: Job, exc: Exception, now: datetime | None, ids: dict[str, Any]
    ) -> None:
        settings = self.runtime.settings
        delay = jobs_service.backoff_delay(
            job.attempts,
            base_seconds=settings.jobs_backoff_base_seconds,
            max_seconds=settings.jobs_backoff_max_seconds,
        )
        with self.runtime.scope() as session:
            failed = jobs_service.fail(
                session,
                job.id,
                worker=self.name,
                attempt=job.attempts,
                error=exc,
                now=now or utcnow(),
                delay=delay,
            )
        if failed is None:
            log.warning("jobs.lease-lost", worker=self.name, **ids)
        elif failed.status == JobStatus.DEAD.value:
            log.error("jobs.job-dead", error=type(exc).__name__, **ids)
        else:
            log.warning(
                "jobs.job-failed",
                error=type(exc).__name__,
                retry_at=failed.run_at.isoformat(),
                **ids,
            )

    def run_forever(self, stop: threading.Event, *, poll_seconds: float | None = None) -> None:
        """Run passes until ``stop`` is set; sleep ``poll_seconds`` after a pass that found
        nothing. An error of a pass (database down) is logged and the next pass tries again."""
        poll = poll_seconds if poll_seconds is not None else self.runtime.settings.jobs_poll_seconds
        self.stopping = stop
        log.info("jobs.worker-started", worker=self.name, poll_seconds=poll)
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                log.exception("jobs.pass-failed", worker=self.name)
                ran = 0
            if ran == 0:
                stop.wait(poll)
        log.info("jobs.worker-stopped", worker=self.name)


class WorkerThread:
    """A worker in a daemon thread of this process (the demo's server)."""

    def __init__(self, runtime: Platform, *, poll_seconds: float | None = None) -> None:
        self.worker = Worker(runtime)
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (idempotent)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self.worker.run_forever,
                args=(self._stop,),
                kwargs={"poll_seconds": self.poll_seconds},
                name="job-worker",
                daemon=True,
            )
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the worker to stop after the job it is running, and wait for it."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()
