"""Population base registry import (R1.2): stream a file, register valid rows, report every row.

Every data row ends in exactly one of inserted / updated / unchanged / rejected, so the report
balances: ``rows_read == inserted + updated + unchanged + rejected``. Each batch commits on its
own (bounded transactions); a re-run of the same file is idempotent, so an interrupted import is
finished by importing the file again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.identity import sealing
from chengxin.identity import service as identity_service
from chengxin.identity.errors import ImportNotFound
from chengxin.identity.models import PopulationImport, PopulationImportError, is_balanced
from chengxin.keys import keyring_of
from chengxin.security.actor import Actor
from chengxin.tabular import FileFault, RowFault, TableReader

log = structlog.get_logger(__name__)

COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id"),
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机号码", "联系电话", "电话", "mobile"),
    "region_code": ("区划代码", "户籍地区划代码", "行政区划代码", "region"),
}
REQUIRED = ("id_number", "name")
MAX_REPORTED_ERRORS = 1000


@dataclass
class ImportReport:
    """Counts of one import; ``errors`` holds the first rejections (all are stored)."""

    import_id: uuid.UUID
    status: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    encoding: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    errors: list[RowFault] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        """Every row read is accounted for exactly once."""
        return is_balanced(self)


SessionScope = Callable[[], AbstractContextManager[Session]]


def import_file(
    scope: SessionScope,
    path: Path,
    file_format: str,
    *,
    actor: Actor,
    filename: str,
    batch_rows: int = 5000,
    max_field_chars: int = 200,
    workers: int = 0,
) -> ImportReport:
    """Import a CSV/XLSX registry extract; each batch in its own transaction from ``scope``.

    ``workers`` > 0 validates and seals in that many processes (large files; ADR 0006).
    """
    with scope() as session:
        ring = keyring_of(session)
        copy_format = session.get_bind().dialect.name == "postgresql"
        run = PopulationImport(
            filename=filename[:255],
            file_format=file_format,
            status="running",
            actor_name=actor.name,
            started_at=utcnow(),
        )
        session.add(run)
        session.flush()
        import_id = run.id
        audit.record(
            session,
            "identity:population:import-start",
            actor=actor,
            object_type="population_import",
            object_id=import_id,
            data={"file_format": file_format},
        )
    report = ImportReport(import_id=import_id, status="running")
    reader = TableReader(
        path,
        file_format,
        columns=COLUMNS,
        required=REQUIRED,
        max_field_chars=max_field_chars,
        text_only=("id_number",),
    )
    now = utcnow()
    try:
        for chunk in sealing.sealed_chunks(
            reader, ring, now, batch_rows=batch_rows, workers=workers, copy_format=copy_format
        ):
            with scope() as session:
                counts = _store_chunk(session, chunk, now, actor=actor, import_id=import_id)
                _store_faults(session, import_id, chunk.faults)
            report.rows_read += chunk.size
            report.inserted += counts[identity_service.Outcome.INSERTED]
            report.updated += counts[identity_service.Outcome.UPDATED]
            report.unchanged += counts[identity_service.Outcome.UNCHANGED]
            report.rejected += len(chunk.faults)
            room = MAX_REPORTED_ERRORS - len(report.errors)
            report.errors.extend(chunk.faults[:room])
        report.status = "completed"
    except FileFault as fault:
        report.status = "failed"
        report.failure_code, report.failure_message = fault.code, fault.message
    except Exception:
        # Batches committed so far stay (a re-run completes them); the run must not stay
        # "running" for the operator who looks at it later.
        report.status, report.failure_code = "failed", "internal-error"
        report.encoding = reader.encoding
        _finish(scope, report, actor=actor)
        raise
    report.encoding = reader.encoding
    _finish(scope, report, actor=actor)
    log.info(
        "population_import_finished",
        import_id=str(import_id),
        status=report.status,
        rows_read=report.rows_read,
        rejected=report.rejected,
    )
    return report


def _store_chunk(
    session: Session,
    chunk: sealing.SealedChunk,
    now: datetime,
    *,
    actor: Actor,
    import_id: uuid.UUID,
) -> dict[identity_service.Outcome, int]:
    """Write a sealed chunk; a person repeated in it splits it, so rows apply in file order
    (the later row wins, as a re-import would)."""
    totals = dict.fromkeys(identity_service.Outcome, 0)
    ring = keyring_of(session)
    copy = session.get_bind().dialect.name == "postgresql"
    for lo, hi in _runs_without_repeats(chunk.subject_ids):
        ids = chunk.subject_ids[lo:hi]

        def insert_new(new: list[int], lo: int = lo) -> None:
            if copy:
                data = b"".join(chunk.copy_lines[lo + i] for i in new)
                raw = session.connection().connection.driver_connection
                identity_service.copy_text(raw, "subject", identity_service.COLUMNS, data)
            else:
                identity_service.insert_subjects(session, (chunk.rows[lo + i] for i in new))

        def seal_at(i: int, lo: int = lo, ids: list[str] = ids) -> tuple[Any, ...]:
            person = identity_service.prepare_person(*chunk.persons[lo + i])
            sid = uuid.UUID(ids[i])
            return identity_service.sealed_row(ring, person, sid, chunk.digests[lo + i], now)

        counts = identity_service.apply_batch(
            session,
            ids,
            chunk.digests[lo:hi],
            insert_new=insert_new,
            seal_at=seal_at,
            actor=actor,
            source="population",
            import_id=import_id,
        )
        for outcome, n in counts.items():
            totals[outcome] += n
    return totals


def _runs_without_repeats(keys: list[str]) -> Iterator[tuple[int, int]]:
    """Split positions into consecutive runs in which no key repeats."""
    start, seen = 0, set[str]()
    for position, key in enumerate(keys):
        if key in seen:
            yield start, position
            start, seen = position, set[str]()
        seen.add(key)
    if start < len(keys) or not keys:
        yield start, len(keys)


def _store_faults(session: Session, import_id: uuid.UUID, faults: list[RowFault]) -> None:
    if faults:
        session.execute(
            insert(PopulationImportError),
            [
                {
                    "import_id": import_id,
                    "row_no": f.row_no,
                    "code": f.code,
                    "field": f.field,
                    "message": f.message[:300],
                }
                for f in faults
            ],
        )


def _finish(scope: SessionScope, report: ImportReport, *, actor: Actor) -> None:
    with scope() as session:
        run = session.get_one(PopulationImport, report.import_id)
        run.status = report.status
        run.failure_code = report.failure_code
        run.encoding = report.encoding
        run.rows_read, run.inserted, run.updated = report.rows_read, report.inserted, report.updated
        run.unchanged, run.rejected = report.unchanged, report.rejected
        run.finished_at = utcnow()
        audit.record(
            session,
            "identity:population:import-finish",
            actor=actor,
            object_type="population_import",
            object_id=report.import_id,
            data={
                "status": report.status,
                "failure_code": report.failure_code,
                "rows_read": report.rows_read,
                "inserted": report.inserted,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": report.rejected,
            },
        )


def get_import_or_raise(session: Session, import_id: uuid.UUID) -> PopulationImport:
    """An import run by id."""
    run = session.get(PopulationImport, import_id)
    if run is None:
        raise ImportNotFound
    return run


def list_errors(
    session: Session, import_id: uuid.UUID, *, offset: int = 0, limit: int = 1000
) -> tuple[int, list[Any]]:
    """Rejected rows of an import in row order, with the total."""
    get_import_or_raise(session, import_id)
    table = PopulationImportError.__table__
    total = session.execute(
        select(func.count()).select_from(table).where(table.c.import_id == import_id)
    ).scalar_one()
    rows = (
        session.execute(
            select(table)
            .where(table.c.import_id == import_id)
            .order_by(table.c.row_no)
            .offset(offset)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    return total, list(rows)
