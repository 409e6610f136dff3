"""What jobs exist: handlers by kind, and periodic schedules, declared in code.

``chengxin.tasks.install()`` (called by ``chengxin.wiring.install()``) registers every handler
and schedule of the platform on the default registry; the jobs package imports no domain and no
runtime (ADR 0038). Tests build their own ``Registry`` so their handlers and schedules stay out
of the platform's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from chengxin.settings import Settings


class Platform(Protocol):
    """What the worker and the handlers use of the running platform (``chengxin.runtime.Runtime``
    is one, passed in by whoever starts the worker): its settings, its session factory (sessions
    carry the keyring) and a unit of work."""

    @property
    def settings(self) -> Settings: ...

    @property
    def session_factory(self) -> sessionmaker[Session]: ...

    def scope(self) -> AbstractContextManager[Session]:
        """One unit of work: commit on success, roll back on error."""
        ...


class NotInstalled(RuntimeError):
    """A worker of the platform's registry in a process that never called
    ``chengxin.wiring.install()``: it knows no handler, and would fail every job it claims."""


@dataclass(frozen=True)
class JobContext:
    """What a handler knows about its run besides the payload."""

    runtime: Platform
    job_id: uuid.UUID
    kind: str
    attempt: int  # 1 for the first run
    max_attempts: int
    now: datetime  # the worker's clock for this run (tests pass their own)
    worker: str
    # The bound of one chunk of a chunked job (``jobs_chunk_rows``, ``jobs_chunk_seconds``).
    chunk_rows: int = 1000
    chunk_seconds: float = 0.25


@dataclass(frozen=True)
class Step:
    """What one chunk of a chunked job did: its ``progress`` so far (cursor and counts, a small
    JSON object), and the job's ``result`` once nothing is left (None: more chunks to come)."""

    progress: dict[str, Any]
    result: dict[str, Any] | None = None


# A handler runs inside one transaction that also marks the job done; what it returns (a small
# JSON object of counts and ids, no personal data) is kept as the job's result.
Handler = Callable[[Session, dict[str, Any], JobContext], dict[str, Any] | None]
# One chunk of a chunked job: it runs in a transaction of its own that also saves the progress it
# returns (and completes the job with its result); it gets the progress saved by the chunk before
# (``{}`` at first), and takes at most ``ctx.chunk_rows`` items in about ``ctx.chunk_seconds``.
ChunkHandler = Callable[[Session, dict[str, Any], dict[str, Any], JobContext], Step]


@dataclass(frozen=True)
class Chunked:
    """A handler that works in chunks, each its own short transaction (ADR 0026)."""

    step: ChunkHandler


# A schedule's interval: fixed, or read from the settings of the running platform.
Interval = timedelta | Callable[[Settings], timedelta]


@dataclass(frozen=True)
class Schedule:
    """A job of ``kind`` enqueued every ``every`` with ``payload`` (synced to ``job_schedule``)."""

    name: str
    kind: str
    every: Interval
    payload: dict[str, Any] = field(default_factory=dict)

    def interval(self, settings: Settings) -> timedelta:
        """The interval in force with these settings (at least one second)."""
        every = self.every if isinstance(self.every, timedelta) else self.every(settings)
        if every < timedelta(seconds=1):
            raise ValueError(f"schedule {self.name}: the interval must be at least one second")
        return every


class Registry:
    """Handlers by job kind and schedules by name."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler | Chunked] = {}
        self.schedules: dict[str, Schedule] = {}
        # Set by whoever registered the platform's jobs (``chengxin.tasks.install()``).
        self.installed = False

    def register(self, kind: str, fn: Handler) -> Handler:
        """Make ``fn`` the handler of ``kind``; a kind has one handler."""
        known = self.handlers.get(kind)
        if known is not None and known is not fn:
            raise ValueError(f"job kind {kind!r} already has a handler")
        self.handlers[kind] = fn
        return fn

    def task(self, kind: str) -> Callable[[Handler], Handler]:
        """Decorator form of ``register``."""

        def decorate(fn: Handler) -> Handler:
            return self.register(kind, fn)

        return decorate

    def chunked(self, kind: str) -> Callable[[ChunkHandler], ChunkHandler]:
        """Register a chunked handler for ``kind`` (a job over an unbounded set of items)."""

        def decorate(fn: ChunkHandler) -> ChunkHandler:
            known = self.handlers.get(kind)
            if known is not None and known != Chunked(fn):
                raise ValueError(f"job kind {kind!r} already has a handler")
            self.handlers[kind] = Chunked(fn)
            return fn

        return decorate

    def schedule(
        self, name: str, kind: str, *, every: Interval, payload: dict[str, Any] | None = None
    ) -> Schedule:
        """Declare a periodic job; the scheduler keeps one ``job_schedule`` row per name."""
        declared = Schedule(name, kind, every, dict(payload or {}))
        known = self.schedules.get(name)
        if known is not None and known != declared:
            raise ValueError(f"schedule {name!r} is already declared differently")
        self.schedules[name] = declared
        return declared

    def handler_for(self, kind: str) -> Handler | Chunked | None:
        """The handler of a kind, or None when this process knows no such kind."""
        return self.handlers.get(kind)


REGISTRY = Registry()
register = REGISTRY.register
task = REGISTRY.task
chunked = REGISTRY.chunked
schedule = REGISTRY.schedule
