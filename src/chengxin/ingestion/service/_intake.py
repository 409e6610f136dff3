"""Ingestion use cases: take a provider's rows, validate, version, store, and give a receipt.

Flow of a batch (push, upload, CLI, demo — one path):

1. :func:`open_batch` — a batch row for (provider, content digest). If an earlier batch with the
   same digest was interrupted (still ``processing``, and its process died or it went untouched
   for ``ingest_stale_seconds``), it is resumed instead: a resend continues it, never shadows it
   (ADR 0026). A batch nobody resends is closed by :func:`close_interrupted` (a sweep), and
   either way its stored rows get their notices and list proposals.
2. :func:`run` — rows are read one at a time and checked against the catalog in chunks (in
   worker processes for large files, :mod:`~chengxin.ingestion.pipeline`); each chunk is one
   transaction that writes its records, rejections and counters together, and moves the batch's
   ``rows_done`` cursor. A crash loses at most the chunk in flight, which a resend redoes.
3. Completion appends the batch to the collection log (audit) with its counts and digest.

Idempotence: a row whose content equals a version already held for (provider, source id) is a
duplicate and changes nothing; new content is a new version superseding the old (a correction);
a revoke row ends the current version. Nothing is edited in place beyond those status marks,
and each change is a ``record_event``.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

import structlog
from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument
from chengxin.db import probe_many, utcnow
from chengxin.identity import service as identity_service
from chengxin.ingestion import pipeline, reading
from chengxin.ingestion.errors import (
    BatchNotFound,
    BatchNotProcessing,
    BatchTooLarge,
)
from chengxin.ingestion.messages import RowError
from chengxin.ingestion.models import IngestBatch, IngestRejection, rejection_aad
from chengxin.ingestion.pipeline import Chunk
from chengxin.ingestion.reading import SourceRow
from chengxin.ingestion.validation import COPY_COLUMNS, COPY_NULL, Candidate, Context, Revocation
from chengxin.jobs import service as jobs_service
from chengxin.keys import keyring_of
from chengxin.keys.keyring import Keyring
from chengxin.lists import PROPOSE_JOB
from chengxin.lists import service as list_service
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization
from chengxin.records import versioning
from chengxin.records.models import CreditRecord, RecordEvent, RecordStatus
from chengxin.records.versioning import Current, Step
from chengxin.repair import notices as repair_notices
from chengxin.security.actor import Actor
from chengxin.state import service as state_service
from chengxin.tabular import FileFault, RowFault
from chengxin.workdays.days import day_of

log = structlog.get_logger(__name__)

SessionScope = Callable[[], AbstractContextManager[Session]]
RECORD_TABLE = cast("Table", CreditRecord.__table__)
EVENT_TABLE = cast("Table", RecordEvent.__table__)
REJECTION_TABLE = cast("Table", IngestRejection.__table__)
MAX_PUSH_RECORDS = 10_000
# Batches being processed in this process: never resumed by a concurrent resend.
_RUNNING: set[uuid.UUID] = set()
INTERRUPTED = "batch-interrupted"  # failure code of a batch closed by the sweep


def _start_ticks(pid: int) -> str | None:
    """When a process started (clock ticks since boot, Linux), or None when there is no such
    process (or only its zombie); with the pid it names one process for good (a pid is reused,
    this pair is not). "" when it cannot be told (no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in {"Z", "X"} else fields[19]


def owner_token() -> str:
    """This process, as written in ``ingest_batch.owner``: ``host:pid:start``."""
    pid = os.getpid()
    return f"{socket.gethostname()[:60]}:{pid}:{_start_ticks(pid) or ''}"


def owner_alive(owner: str | None) -> bool | None:
    """Whether the process named by ``owner`` still runs: False when it is on this host and gone
    (or its pid now names another process), True when it runs, None when it cannot be told (no
    owner, another host): then only the batch's heartbeat can say it is stale."""
    if not owner:
        return None
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():  # noqa: PLR2004
        return None
    host, pid, start = parts[0], int(parts[1]), parts[2]
    if host != socket.gethostname()[:60]:
        return None
    ticks = _start_ticks(pid)
    if ticks is None:
        return False
    return not start or not ticks or ticks == start


EVENT_COLUMNS = (
    "at",
    "action",
    "record_id",
    "previous_id",
    "subject_id",
    "provider_id",
    "kind_code",
    "batch_id",
)


class RowSource(Protocol):
    """What :func:`run` reads: rows, and the file's encoding and header once reading began."""

    @property
    def encoding(self) -> str | None: ...
    @property
    def header(self) -> list[tuple[str, str | None]]: ...
    def __iter__(self) -> Iterator[SourceRow | RowFault]: ...


@dataclass
class _ChunkResult:
    created: int = 0
    corrected: int = 0
    revoked: int = 0
    duplicates: int = 0
    rejected: int = 0
    lag_sum: int = 0
    lag_max: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    revoked_ids: list[uuid.UUID] = field(default_factory=list)  # versions this chunk revoked


def open_batch(
    scope: SessionScope,
    *,
    provider_id: uuid.UUID,
    actor: Actor,
    channel: str,
    file_format: str,
    filename: str | None,
    digest: str,
    size: int,
    stale_after: timedelta,
) -> uuid.UUID:
    """A new batch, or the interrupted batch of the same provider and content to resume: one
    whose process died (known at once on the same host) or that went untouched ``stale_after``.
    Resumed, it is this process's: a resend racing this one sees it alive."""
    with scope() as session:
        stale = utcnow() - stale_after
        candidates = session.execute(
            select(IngestBatch)
            .where(
                IngestBatch.provider_id == provider_id,
                IngestBatch.content_digest == digest,
                IngestBatch.status == "processing",
                IngestBatch.finished_at.is_(None),
            )
            .order_by(IngestBatch.received_at.desc())
            .with_for_update()
        ).scalars()
        me = owner_token()
        for batch in candidates:
            if batch.id in _RUNNING:
                continue
            alive = owner_alive(batch.owner) if batch.owner != me else False
            if alive is False or (alive is None and batch.updated_at <= stale):
                log.info("ingestion.resume", batch_id=str(batch.id), rows_done=batch.rows_done)
                batch.owner, batch.updated_at = me, utcnow()
                _RUNNING.add(batch.id)
                return batch.id
        catalog_row, _ = catalog_service.active_document(session)
        now = utcnow()
        batch = IngestBatch(
            provider_id=provider_id,
            actor_name=actor.name,
            channel=channel,
            file_format=file_format,
            filename=filename,
            content_digest=digest,
            size_bytes=size,
            catalog_version=catalog_row.version,
            status="processing",
            error_codes={},
            received_at=now,
            updated_at=now,
            owner=me,
        )
        session.add(batch)
        session.flush()
        _RUNNING.add(batch.id)
        return batch.id


def run(
    scope: SessionScope,
    batch_id: uuid.UUID,
    make_source: Callable[[CatalogDocument], RowSource],
    *,
    actor: Actor,
    chunk_rows: int = 2000,
    chunk_bytes: int = pipeline.DEFAULT_CHUNK_BYTES,
    commit_rows: int = 500,
    commit_pause: float = 0.0,
    workers: int = 0,
    today: date | None = None,
    on_progress: Callable[[IngestBatch], None] | None = None,
) -> IngestBatch:
    """Process (or resume) a batch from its source; returns the final batch (its receipt).
    Rows are checked ``chunk_rows`` at a time (a file's also at most ``chunk_bytes`` of raw rows
    at a time; ``workers`` > 0: in that many processes, for large files) and committed
    ``commit_rows`` at a time."""
    _RUNNING.add(batch_id)
    try:
        return _run(
            scope,
            batch_id,
            make_source,
            actor=actor,
            chunk_rows=chunk_rows,
            chunk_bytes=chunk_bytes,
            commit_rows=commit_rows,
            commit_pause=commit_pause,
            workers=workers,
            today=today,
            on_progress=on_progress,
        )
    finally:
        _RUNNING.discard(batch_id)


def _run(
    scope: SessionScope,
    batch_id: uuid.UUID,
    make_source: Callable[[CatalogDocument], RowSource],
    *,
    actor: Actor,
    chunk_rows: int,
    chunk_bytes: int,
    commit_rows: int,
    commit_pause: float,
    workers: int,
    today: date | None,
    on_progress: Callable[[IngestBatch], None] | None,
) -> IngestBatch:
    with scope() as session:
        batch = _get_or_raise(session, batch_id)
        org = organization_service.get_or_raise(session, batch.provider_id)
        catalog_row = catalog_service.get_version_or_raise(session, batch.catalog_version)
        document = catalog_service.document_of(catalog_row)
        ctx = Context.build(
            document,
            organization_kind=org.kind,
            department=org.department,
            today=today or day_of(utcnow()),
            ring=keyring_of(session),
            provider_id=batch.provider_id,
            batch_id=batch.id,
            received_at=utcnow(),
            copy_format=session.get_bind().dialect.name == "postgresql",
        )
        skip, resumed = batch.rows_done, batch.rows_done > 0 or batch.submitted > 0
        pause = commit_pause if session.get_bind().dialect.name == "sqlite" else 0.0
    # A resumed batch keeps the catalog version it started with, so its rows are judged alike.
    source = make_source(document)
    if isinstance(source, reading.FileSource):
        chunks = pipeline.file_chunks(
            source,
            ctx,
            chunk_rows=chunk_rows,
            chunk_bytes=chunk_bytes,
            skip=skip,
            workers=workers,
        )
    else:
        chunks = pipeline.item_chunks(source, ctx, chunk_rows=chunk_rows, skip=skip)
    statistics = _Statistics(scope)
    try:
        for chunk in chunks:
            for part in _parts(chunk, commit_rows):
                _progress(on_progress, _commit_chunk(scope, batch_id, source, part, actor=actor))
                statistics.wrote(len(part.results))
                if pause:
                    # SQLite: writers of other processes nap in their busy handler (up to 0.1 s);
                    # back-to-back parts would leave them no gap to take the lock in.
                    time.sleep(pause)
        return _finish(scope, batch_id, source, actor=actor, resumed=resumed, fault=None)
    except FileFault as fault:
        return _finish(scope, batch_id, source, actor=actor, resumed=resumed, fault=fault)


class _Statistics:
    """Keeps PostgreSQL's statistics of ``credit_record`` abreast of a large load.

    Each chunk looks records up by key (current versions by source id; the credit state's refresh
    at commit, every touched person's facts). With statistics taken while the table was small —
    a first load, or autovacuum off or lagging — the planner filters a whole provider's versions
    or scans the table once per chunk: quadratic, 80 % of an ingest of 100,000 rows (ADR 0032).
    So the load analyzes the table itself whenever it has written as many rows as the table held
    at the last analysis (and at least ``FIRST``): a handful of ANALYZEs per million rows, each a
    sample of 30,000 rows, in a transaction of its own. Not for SQLite (it plans by index)."""

    FIRST = 10_000

    def __init__(self, scope: SessionScope) -> None:
        self.scope = scope
        self.since = 0
        self.base = -1.0  # rows the table held at the last analysis; unknown yet
        with scope() as session:
            self.enabled = session.get_bind().dialect.name == "postgresql"

    def wrote(self, rows: int) -> None:
        if not self.enabled:
            return
        self.since += rows
        if self.since < max(self.FIRST, self.base):  # nothing to do: no transaction either
            return
        if self.base < 0:  # what the planner believes now, read once
            with self.scope() as session:
                self.base = float(session.execute(_RELTUPLES).scalar_one())
            if self.since < self.base:
                return
        with self.scope() as session:
            try:
                with session.begin_nested():
                    session.execute(text("ANALYZE credit_record"))
            except DBAPIError as exc:  # e.g. not the table's owner: plans stay as they are
                log.warning("ingest_analyze_failed", error=type(exc).__name__)
                self.enabled = False
                return
            self.base = float(session.execute(_RELTUPLES).scalar_one())
        self.since = 0


_RELTUPLES = text(
    "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'credit_record'::regclass"
)


@dataclass(frozen=True)
class Options:
    """Ingestion settings a caller passes through (from Settings)."""

    chunk_rows: int = 2000
    max_field_chars: int = 4000
    stale_after: timedelta = timedelta(seconds=60)
    workers_for: Callable[[int], int] = lambda _size: 0  # worker processes for a file size
    commit_rows: int = 500  # rows per transaction (a part of a checked chunk)
    commit_pause: float = 0.0  # seconds between two transactions (SQLite only)
    chunk_bytes: int = pipeline.DEFAULT_CHUNK_BYTES  # raw bytes of a file's chunk at most

    @classmethod
    def from_settings(cls, settings: Any) -> Options:
        return cls(
            settings.ingest_chunk_rows,
            settings.ingest_max_field_chars,
            timedelta(seconds=settings.ingest_stale_seconds),
            settings.workers_for,
            settings.ingest_commit_rows,
            settings.ingest_commit_pause_seconds,
            settings.ingest_chunk_bytes,
        )


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def ingest_file(
    scope: SessionScope,
    path: Path,
    file_format: str,
    *,
    provider_id: uuid.UUID,
    actor: Actor,
    channel: str,
    filename: str | None,
    options: Options,
    digest: str | None = None,
    today: date | None = None,
    on_progress: Callable[[IngestBatch], None] | None = None,
) -> IngestBatch:
    """Ingest a CSV, XLSX or JSONL file (streamed; resumes an interrupted batch of the same
    content); returns the receipt."""
    if file_format not in reading.FILE_FORMATS:
        raise FileFault("file-format-unsupported", "upload CSV, XLSX or JSONL files")
    size = path.stat().st_size
    if digest is None:
        digest, size = file_digest(path)
    batch_id = open_batch(
        scope,
        provider_id=provider_id,
        actor=actor,
        channel=channel,
        file_format=file_format,
        filename=filename,
        digest=digest,
        size=size,
        stale_after=options.stale_after,
    )
    return run(
        scope,
        batch_id,
        lambda catalog: reading.open_source(
            path, file_format, catalog, max_field_chars=options.max_field_chars
        ),
        actor=actor,
        chunk_rows=options.chunk_rows,
        chunk_bytes=options.chunk_bytes,
        commit_rows=options.commit_rows,
        commit_pause=options.commit_pause,
        workers=options.workers_for(size),
        today=today,
        on_progress=on_progress,
    )


def ingest_records(
    scope: SessionScope,
    records: list[Any],
    *,
    provider_id: uuid.UUID,
    actor: Actor,
    digest: str,
    size: int,
    options: Options,
    today: date | None = None,
) -> IngestBatch:
    """Ingest pushed records (a JSON array of at most :data:`MAX_PUSH_RECORDS` objects)."""
    if len(records) > MAX_PUSH_RECORDS:
        raise BatchTooLarge(f"{len(records)} records; at most {MAX_PUSH_RECORDS} per push")
    batch_id = open_batch(
        scope,
        provider_id=provider_id,
        actor=actor,
        channel="push",
        file_format="json",
        filename=None,
        digest=digest,
        size=size,
        stale_after=options.stale_after,
    )
    return run(
        scope,
        batch_id,
        lambda _catalog: reading.ObjectSource(records),
        actor=actor,
        chunk_rows=options.chunk_rows,
        commit_rows=options.commit_rows,
        commit_pause=options.commit_pause,
        today=today,
    )


def _parts(chunk: Chunk, rows: int) -> Iterator[Chunk]:
    """A checked chunk in parts of at most ``rows`` rows, each committed on its own: a part's
    transaction holds SQLite's write lock about 0.1 s for 500 rows (a 2,000-row chunk held it
    up to a second), and its cursor is its last row (the whole chunk's for the last part, which
    also covers rows read and skipped, such as blank lines)."""
    results = chunk.results
    if len(results) <= rows:
        yield chunk
        return
    for start in range(0, len(results), rows):
        part = results[start : start + rows]
        last = chunk.last_row if start + rows >= len(results) else part[-1][0]
        yield Chunk(last, part, chunk.raw_of)


def _progress(callback: Callable[[IngestBatch], None] | None, batch: IngestBatch) -> None:
    if callback is not None:
        callback(batch)


def _finish(
    scope: SessionScope,
    batch_id: uuid.UUID,
    source: RowSource,
    *,
    actor: Actor,
    resumed: bool,
    fault: FileFault | None,
) -> IngestBatch:
    with scope() as session:
        batch = _get_or_raise(session, batch_id, lock=True)
        _still_processing(batch)
        batch.encoding = batch.encoding or source.encoding
        batch.header = batch.header or [list(pair) for pair in source.header] or None
        _close(session, batch, actor=actor, resumed=resumed, fault=fault, now=utcnow())
        return batch


def _close(
    session: Session,
    batch: IngestBatch,
    *,
    actor: Actor,
    resumed: bool,
    fault: FileFault | None,
    now: datetime,
) -> None:
    """End a batch (completed, or failed with the fault): the collection log entry, and the jobs
    that send its records' notices and propose their list entries, all in this transaction."""
    batch.status = "failed" if fault else "completed"
    if fault is not None:
        batch.failure_code, batch.failure_message = fault.code, fault.message[:300]
    batch.finished_at = batch.updated_at = now
    session.flush()
    # The collection log (R3.2): who pushed what, when, how much, and the content digest.
    audit.record(
        session,
        "ingestion:batch:complete" if fault is None else "ingestion:batch:fail",
        actor=actor,
        object_type="ingest_batch",
        object_id=batch.id,
        data={
            "provider_id": str(batch.provider_id),
            "channel": batch.channel,
            "format": batch.file_format,
            "content_digest": batch.content_digest,
            "catalog_version": batch.catalog_version,
            "submitted": batch.submitted,
            "accepted": batch.accepted,
            "created": batch.created,
            "corrected": batch.corrected,
            "revoked": batch.revoked,
            "rejected": batch.rejected,
            "duplicates": batch.duplicates,
            "failure_code": batch.failure_code,
            "resumed": resumed,
        },
    )
    if batch.created or batch.corrected:
        # 两书同达: people with new dishonest records are told how and when to repair them, by
        # a job (one per batch) that works in chunks, each marking its records (ADR 0026).
        jobs_service.enqueue(
            session,
            repair_notices.JOB_KIND,
            {"batch_id": str(batch.id)},
            idempotency_key=repair_notices.job_key(batch.id),
            now=now,
        )
        # Record kinds that propose a red or black list propose their entries (lists).
        jobs_service.enqueue(
            session,
            PROPOSE_JOB,
            {"batch_id": str(batch.id)},
            idempotency_key=f"lists-propose:{batch.id}",
            now=now,
        )
    log.info(
        "ingestion.batch",
        batch_id=str(batch.id),
        status=batch.status,
        submitted=batch.submitted,
        rejected=batch.rejected,
        duplicates=batch.duplicates,
    )


def close_interrupted(
    session: Session, *, stale_after: timedelta, actor: Actor, now: datetime | None = None
) -> list[uuid.UUID]:
    """Close the batches left ``processing`` by a process that died, untouched ``stale_after``
    (a resend in that time resumes them instead): ``failed`` with ``batch-interrupted``, their
    counts as far as they got, and their stored rows' notice and proposal jobs queued. Returns
    the batches closed (the sweep; a batch this process is working on is never closed)."""
    now = now or utcnow()
    batches = session.execute(
        select(IngestBatch)
        .where(IngestBatch.status == "processing", IngestBatch.updated_at <= now - stale_after)
        .order_by(IngestBatch.received_at)
        .with_for_update(skip_locked=True)
    ).scalars()
    closed = []
    me = owner_token()
    for batch in batches:
        if batch.id in _RUNNING or (batch.owner != me and owner_alive(batch.owner)):
            continue  # its process lives: a slow chunk, not an interruption
        fault = FileFault(
            INTERRUPTED, f"processing stopped after row {batch.rows_done}; resend the rest"
        )
        _close(session, batch, actor=actor, resumed=batch.rows_done > 0, fault=fault, now=now)
        closed.append(batch.id)
    return closed


def _still_processing(batch: IngestBatch) -> None:
    """A batch closed by the sweep meanwhile (this process stalled past the stale time) takes
    no more rows: the caller's transaction rolls back and the provider resends."""
    if batch.status != "processing":
        raise BatchNotProcessing


def _commit_chunk(
    scope: SessionScope, batch_id: uuid.UUID, source: RowSource, chunk: Chunk, *, actor: Actor
) -> IngestBatch:
    """One transaction: the chunk's records, events, rejections and counters, and the cursor;
    list entries resting only on records it revoked leave their list in it too (ADR 0025)."""
    with scope() as session:
        batch = _get_or_raise(session, batch_id, lock=True)
        _still_processing(batch)
        # One provider's chunks apply one at a time (two batches may carry the same source id):
        # versions are read and written under this lock. SQLite has a single writer anyway.
        session.execute(
            select(Organization.id).where(Organization.id == batch.provider_id).with_for_update()
        )
        result = _apply(session, batch, chunk)
        if result.revoked_ids:
            list_service.exit_for_records(session, result.revoked_ids, actor=actor, now=utcnow())
        batch.submitted += len(chunk.results)
        batch.created += result.created
        batch.corrected += result.corrected
        batch.revoked += result.revoked
        batch.duplicates += result.duplicates
        batch.rejected += result.rejected
        batch.lag_days_sum += result.lag_sum
        batch.lag_days_max = max(batch.lag_days_max, result.lag_max)
        if result.codes:
            batch.error_codes = dict(Counter(batch.error_codes or {}) + result.codes)
        batch.rows_done = chunk.last_row
        batch.encoding = batch.encoding or source.encoding
        if batch.header is None and source.header:
            batch.header = [list(pair) for pair in source.header]
        batch.updated_at = utcnow()
        session.flush()
        return batch


def _apply(session: Session, batch: IngestBatch, chunk: Chunk) -> _ChunkResult:
    result = _ChunkResult()
    rejects = _Rejects(keyring_of(session), batch.id, result)
    accepted: list[tuple[Candidate | Revocation, Any]] = []
    for row_no, outcome in chunk.results:
        if isinstance(outcome, list):
            raw = chunk.raw_of(row_no)
            source_id = raw.get("source_id") if isinstance(raw, dict) else None
            rejects.add(row_no, source_id, outcome, raw)
        else:
            accepted.append((outcome, row_no))
    checked = _registered(session, accepted, rejects, chunk)
    writes = _versions(session, batch, checked, result=result, rejects=rejects, chunk=chunk)
    writes.flush(session)
    # The persons whose records changed: their credit state is recomputed before this commits.
    state_service.touch(session, {e[4] for e in writes.events})
    if rejects.rows:
        session.execute(insert(REJECTION_TABLE), rejects.rows)
    return result


class _Rejects:
    """A chunk's rejected rows: counted in its result, each stored with the row as sent."""

    def __init__(self, ring: Keyring, batch_id: uuid.UUID, result: _ChunkResult) -> None:
        self.ring, self.batch_id, self.result = ring, batch_id, result
        self.rows: list[dict[str, Any]] = []

    def add(self, row_no: int, source_id: Any, errors: list[RowError], raw: Any) -> None:
        self.result.rejected += 1
        self.result.codes.update({e.code for e in errors})
        sid = source_id if isinstance(source_id, str) and len(source_id) <= 64 else None  # noqa: PLR2004
        self.rows.append(_rejection(self.ring, self.batch_id, row_no, sid, errors, raw))


def _registered(
    session: Session,
    accepted: list[tuple[Candidate | Revocation, Any]],
    rejects: _Rejects,
    chunk: Chunk,
) -> list[tuple[Candidate | Revocation, Any]]:
    """The population registry (R1.2): the person must be there, under the name given."""
    names = identity_service.registry_names(
        session, sorted({c.subject_id for c, _ in accepted if isinstance(c, Candidate)})
    )
    checked: list[tuple[Candidate | Revocation, Any]] = []
    for outcome, row_no in accepted:
        if isinstance(outcome, Candidate):
            registered = names.get(outcome.subject_id)
            if registered is None:
                missing = RowError("subject-not-registered", "id_number")
                rejects.add(row_no, outcome.source_id, [missing], chunk.raw_of(row_no))
                continue
            if registered != outcome.name:
                mismatch = RowError("name-mismatch", "name")
                rejects.add(row_no, outcome.source_id, [mismatch], chunk.raw_of(row_no))
                continue
        checked.append((outcome, row_no))
    return checked


def _versions(
    session: Session,
    batch: IngestBatch,
    checked: list[tuple[Candidate | Revocation, Any]],
    *,
    result: _ChunkResult,
    rejects: _Rejects,
    chunk: Chunk,
) -> _Writes:
    """What the version rules (records.versioning) make of the checked rows, in row order: each
    row sees the current version the rows before it left."""
    current = _current_versions(session, batch.provider_id, {o.source_id for o, _ in checked})
    writes = _Writes(utcnow(), batch)
    for outcome, row_no in checked:
        previous = current.get(outcome.source_id)
        if isinstance(outcome, Revocation):
            decision = versioning.on_revocation(previous)
        else:
            decision = versioning.on_content(
                previous,
                record_id=outcome.record_id,
                subject_id=uuid.UUID(outcome.subject_id),
                kind_code=outcome.kind_code,
                digest=outcome.digest,
            )
        step = decision.step
        if step is Step.DUPLICATE:
            result.duplicates += 1
            continue
        if decision.refusal is not None:
            refused = RowError(decision.refusal.value, "source_id")
            rejects.add(row_no, outcome.source_id, [refused], chunk.raw_of(row_no))
            continue
        after = cast("Current", decision.after)
        current[outcome.source_id] = after
        previous_id = previous.id if previous is not None else None
        if decision.ends is not None and previous_id is not None:
            reason = outcome.reason if isinstance(outcome, Revocation) else None
            writes.end(previous_id, decision.ends, reason)
        writes.event(step, after, previous_id if step is Step.CORRECT else None)
        if isinstance(outcome, Revocation):
            result.revoked += 1
            result.revoked_ids.append(after.id)
            continue
        writes.records.append((outcome, after.version))
        if step is Step.CORRECT:
            result.corrected += 1
        else:
            result.created += 1
        result.lag_sum += outcome.lag_days
        result.lag_max = max(result.lag_max, outcome.lag_days)
    return writes


@dataclass
class _Writes:
    """What a chunk writes to the records store, in bulk: new versions, the status marks of the
    versions they end, and the change events."""

    now: datetime
    batch: IngestBatch
    records: list[tuple[Candidate, int]] = field(default_factory=list)
    ends: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)

    def end(self, record_id: uuid.UUID, status: RecordStatus, reason: str | None) -> None:
        self.ends.append(
            {
                "b_id": record_id,
                "status": status.value,
                "ended_at": self.now,
                "revoke_reason": reason,
            }
        )

    def event(self, step: Step, version: Current, previous_id: uuid.UUID | None) -> None:
        self.events.append(
            _event(
                self.now,
                step.value,
                version.id,
                previous_id,
                version.subject_id,
                self.batch,
                version.kind_code,
            )
        )

    def flush(self, session: Session) -> None:
        _insert_records(session, self.records)
        if self.ends:
            session.execute(_END_VERSIONS, self.ends)
        _insert_events(session, self.events)


# Status marks of ended versions, executemany (built once).
_END_VERSIONS = (
    update(RECORD_TABLE)
    .where(RECORD_TABLE.c.id == bindparam("b_id"))
    .values(
        status=bindparam("status"),
        ended_at=bindparam("ended_at"),
        revoke_reason=bindparam("revoke_reason"),
    )
    .execution_options(synchronize_session=False)
)


def _current_versions(
    session: Session, provider_id: uuid.UUID, source_ids: Iterable[str]
) -> dict[str, Current]:
    """The latest version of each of the provider's source ids, with every version's digest."""
    wanted = sorted(source_ids)
    if not wanted:
        return {}
    t = RECORD_TABLE.c
    columns = (t.source_id, t.id, t.version, t.status, t.subject_id, t.kind_code, t.content_digest)
    query = select(*columns).where(t.provider_id == provider_id).order_by(t.version)
    rows = probe_many(session, query, t.source_id, wanted)  # source ids hold no commas
    latest: dict[str, Current] = {}
    for source_id, record_id, version, status, subject_id, kind_code, digest in rows:
        seen = latest[source_id].digests if source_id in latest else frozenset()
        # Rows come in version order: the last one seen is the latest.
        latest[source_id] = Current(
            record_id, version, status, subject_id, kind_code, seen | {digest}
        )
    return latest


def _insert_records(session: Session, records: list[tuple[Candidate, int]]) -> None:
    """New record versions: COPY of the prepared lines on PostgreSQL, executemany elsewhere;
    the version is the one thing added here."""
    if not records:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        text_ = "".join(f"{c.stored}\t{version}\n" for c, version in records)
        identity_service.copy_text(
            connection.connection.driver_connection,
            "credit_record",
            COPY_COLUMNS,
            text_.encode("utf-8"),
        )
        return
    rows = [{**cast("dict[str, Any]", c.stored), "version": v} for c, v in records]
    session.execute(insert(RECORD_TABLE), rows)


def _insert_events(session: Session, events: list[tuple[Any, ...]]) -> None:
    """Change events in :data:`EVENT_COLUMNS` order; ``seq`` comes from the database."""
    if not events:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Timestamps, codes and ids: nothing to escape.
        lines = "".join(
            f"{at.isoformat()}\t{action}\t{rid}\t{prev or COPY_NULL}\t{sid}\t{pid}\t{kind}\t{bid}\n"
            for at, action, rid, prev, sid, pid, kind, bid in events
        )
        identity_service.copy_text(
            connection.connection.driver_connection,
            "record_event",
            EVENT_COLUMNS,
            lines.encode("utf-8"),
        )
        return
    session.execute(insert(EVENT_TABLE), [dict(zip(EVENT_COLUMNS, e, strict=True)) for e in events])


def _event(  # noqa: PLR0917
    at: datetime,
    action: str,
    record_id: uuid.UUID,
    previous_id: uuid.UUID | None,
    subject_id: uuid.UUID,
    batch: IngestBatch,
    kind_code: str,
) -> tuple[Any, ...]:
    """A record_event row in :data:`EVENT_COLUMNS` order."""
    return (at, action, record_id, previous_id, subject_id, batch.provider_id, kind_code, batch.id)


def _rejection(  # noqa: PLR0917
    ring: Keyring,
    batch_id: uuid.UUID,
    row_no: int,
    source_id: str | None,
    errors: list[RowError],
    raw: Any,
) -> dict[str, Any]:
    """A rejection row; the row as sent is sealed (it holds an ID number and a name)."""
    raw_ct = key_id = None
    if raw is not None:
        key_id = ring.active
        text = json.dumps(raw, ensure_ascii=False, default=str)
        raw_ct = ring.encrypt(text, rejection_aad(batch_id, row_no), key_id)
    return {
        "batch_id": batch_id,
        "row_no": row_no,
        "source_id": source_id,
        "errors": [e.as_dict() for e in errors],
        "raw_ct": raw_ct,
        "key_id": key_id,
    }


def _get_or_raise(session: Session, batch_id: uuid.UUID, *, lock: bool = False) -> IngestBatch:
    query = select(IngestBatch).where(IngestBatch.id == batch_id)
    if lock:
        query = query.with_for_update()
    batch = session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if batch is None:
        raise BatchNotFound
    return batch
