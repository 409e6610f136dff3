"""HTTP routes of the ingestion domain: push, upload, revoke, receipts, rejected rows, quality."""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import anyio
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from chengxin import uploads
from chengxin.bounds import json_depth_exceeds
from chengxin.db import utcnow
from chengxin.deps import ActorDep, Offset, SessionDep
from chengxin.ingestion import export, reading
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.errors import (
    BatchMalformed,
    BatchTooDeep,
    BatchTooManyValues,
    FileRejected,
)
from chengxin.ingestion.models import IngestBatch
from chengxin.ingestion.schemas import (
    BatchRead,
    QualityDayRead,
    ReceiptRead,
    RejectionPage,
    RejectionRead,
    RevocationBatch,
)
from chengxin.organizations import providers
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.workbook_limits import Limits, check_workbook, limits_in_force
from chengxin.workdays.days import day_of

BASE = "/api/v1/ingestion"
RECEIPT_ERRORS = 100


def receipt(runtime: Runtime, batch: IngestBatch, actor: Actor) -> ReceiptRead:
    """The receipt of a batch, with its first rejected rows and links to the rest."""
    if batch.status == "failed":
        raise FileRejected(
            f"{batch.failure_code}: {batch.failure_message}",
            batch_id=str(batch.id),
            failure_code=batch.failure_code,
        )
    with runtime.scope() as session:
        _, rejections = ingestion_service.list_rejections(
            session, batch.id, actor=actor, limit=RECEIPT_ERRORS
        )
        errors = [RejectionRead.model_validate(r) for r in rejections]
    return ReceiptRead.model_validate(
        {
            **BatchRead.model_validate(batch).model_dump(),
            "errors": errors,
            "errors_url": f"{BASE}/batches/{batch.id}/errors",
            "rejected_rows_url": f"{BASE}/batches/{batch.id}/rejected-rows",
        }
    )


_SCAN_WINDOW = 1 << 20


def _values_in(body: bytes, limit: int) -> int:
    """An upper bound on the JSON values a body would parse into (commas and opening brackets
    outside strings, plus one), counted in C-speed passes without parsing anything. Brackets
    and commas inside strings are counted too unless that puts the body over ``limit``."""
    count = 1 + body.count(b",") + body.count(b"{") + body.count(b"[")
    if count <= limit:
        return count
    text = body.replace(b"\\\\", b"").replace(b'\\"', b"")  # escapes: no quote is escaped now
    inside, count = False, 1
    for start in range(0, len(text), _SCAN_WINDOW):
        pieces = text[start : start + _SCAN_WINDOW].split(b'"')
        outside = b"".join(pieces[1::2] if inside else pieces[0::2])
        count += outside.count(b",") + outside.count(b"{") + outside.count(b"[")
        if len(pieces) % 2 == 0:  # an odd number of quotes: the next window starts the other side
            inside = not inside
    return count


def _records_of(body: bytes, *, max_values: int, max_depth: int) -> list[Any]:
    """The pushed records; the body's values are counted before it is parsed, so a body of
    millions of tiny values is refused without building them (issue 23)."""
    values = _values_in(body, max_values)
    if values > max_values:
        raise BatchTooManyValues(f"about {values} JSON values; at most {max_values} per push")
    if json_depth_exceeds(body, max_depth):  # on the raw bytes, as for every other route
        raise BatchTooDeep(f"JSON nested deeper than {max_depth} levels")
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BatchMalformed("the body is not UTF-8 JSON") from None
    records = document.get("records") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise BatchMalformed
    return records


class IngestionController(Controller):
    path = BASE
    tags = ["ingestion"]

    @post(
        "/batches",
        guards=[requires(Permission.INGESTION_BATCH_SUBMIT)],
        status_code=201,
        request_max_body_size=None,  # checked while reading, against ingest_push_max_bytes
        summary="Push a batch of credit records (JSON, at most 10,000)",
    )
    async def push(self, request: Request[Any, Any, Any], actor: ActorDep) -> ReceiptRead:
        """Body: ``{"records": [{source_id, kind, id_number, name, document_no, finding_date,
        act_date, notified_date, display_months?, action?, revoke_reason?, fields: {…}}]}``.
        Every record is validated on its own: good rows land even when others are rejected,
        and the receipt accounts for each. Resending the same body adds nothing."""
        runtime: Runtime = request.app.state.runtime
        settings = runtime.settings
        body = await uploads.read(request, settings.ingest_push_max_bytes)
        records = await anyio.to_thread.run_sync(
            partial(
                _records_of,
                body,
                max_values=settings.ingest_push_max_values,
                max_depth=settings.ingest_push_max_depth,
            )
        )
        digest = hashlib.sha256(body).hexdigest()

        def work() -> ReceiptRead:
            with runtime.scope() as session:
                provider_id = providers.provider_of(session, actor).id
            batch = ingestion_service.ingest_records(
                runtime.scope,
                records,
                provider_id=provider_id,
                actor=actor,
                digest=digest,
                size=len(body),
                options=ingestion_service.Options.from_settings(settings),
            )
            return receipt(runtime, batch, actor)

        return await anyio.to_thread.run_sync(work)

    @post(
        "/revocations",
        guards=[requires(Permission.INGESTION_BATCH_SUBMIT)],
        status_code=201,
        sync_to_thread=True,
        summary="Revoke records (the finding was withdrawn)",
    )
    def revoke(
        self, request: Request[Any, Any, Any], data: JSONBody[RevocationBatch], actor: ActorDep
    ) -> ReceiptRead:
        """Each revocation ends the current version of (provider, source id); the record and
        its history stay, marked revoked with the reason. A batch like any other: receipted."""
        runtime: Runtime = request.app.state.runtime
        records = [
            {"source_id": r.source_id, "action": "revoke", "revoke_reason": r.reason}
            for r in data.records
        ]
        body = json.dumps(records, ensure_ascii=False, sort_keys=True).encode()
        with runtime.scope() as session:
            provider_id = providers.provider_of(session, actor).id
        batch = ingestion_service.ingest_records(
            runtime.scope,
            records,
            provider_id=provider_id,
            actor=actor,
            digest=hashlib.sha256(body).hexdigest(),
            size=len(body),
            options=ingestion_service.Options.from_settings(runtime.settings),
        )
        return receipt(runtime, batch, actor)

    @post(
        "/uploads",
        guards=[requires(Permission.INGESTION_BATCH_SUBMIT)],
        status_code=201,
        request_max_body_size=None,  # checked while streaming, against max_upload_bytes
        summary="Upload a file of credit records (CSV, XLSX or JSONL; any size, streamed)",
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        actor: ActorDep,
        filename: Annotated[str, QueryParameter(max_length=255)] = "upload.csv",
    ) -> ReceiptRead:
        """Send the file as the raw body. It is spooled to disk and read row by row, committed
        in chunks; if the connection or the server fails, send the same file again: the batch
        resumes where it stopped and nothing is stored twice. The status of a running batch is
        at ``GET /batches/{id}``."""
        runtime: Runtime = request.app.state.runtime
        settings = runtime.settings
        file_format = reading.format_for(filename, request.headers.get("content-type"))
        with tempfile.TemporaryDirectory(prefix="chengxin-ingest-") as tmp:
            path = Path(tmp) / f"upload.{file_format}"
            _, digest = await uploads.spool(request, path, settings.max_upload_bytes)
            limits = Limits.from_settings(settings)

            def work() -> ReceiptRead:
                if file_format == "xlsx":  # a zip bomb opens no batch (its rows: the reader)
                    check_workbook(path, limits, scan=False)
                with runtime.scope() as session:
                    provider_id = providers.provider_of(session, actor).id
                with limits_in_force(limits):  # the readers the service opens apply them
                    batch = ingestion_service.ingest_file(
                        runtime.scope,
                        path,
                        file_format,
                        provider_id=provider_id,
                        actor=actor,
                        channel="upload",
                        filename=filename,
                        digest=digest,
                        options=ingestion_service.Options.from_settings(settings),
                    )
                return receipt(runtime, batch, actor)

            return await anyio.to_thread.run_sync(work)

    @get(
        "/batches",
        sync_to_thread=True,
        guards=[requires(Permission.INGESTION_BATCH_READ)],
        summary="Batches received (a provider sees its own)",
    )
    def list_batches(
        self,
        session: SessionDep,
        actor: ActorDep,
        offset: Offset = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> list[BatchRead]:
        """Newest first."""
        batches = ingestion_service.list_batches(session, actor=actor, limit=limit, offset=offset)
        return [BatchRead.model_validate(b) for b in batches]

    @get(
        "/batches/{batch_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.INGESTION_BATCH_READ)],
        summary="A batch's status and receipt (progress while it runs)",
    )
    def get_batch(
        self, session: SessionDep, actor: ActorDep, batch_id: FromPath[uuid.UUID]
    ) -> BatchRead:
        """Counts so far; ``rows_done`` moves as chunks commit."""
        return BatchRead.model_validate(
            ingestion_service.get_batch_or_raise(session, batch_id, actor=actor)
        )

    @get(
        "/batches/{batch_id:uuid}/errors",
        sync_to_thread=True,
        guards=[requires(Permission.INGESTION_BATCH_READ)],
        summary="Rejected rows of a batch and why (no row values)",
    )
    def errors(
        self,
        session: SessionDep,
        actor: ActorDep,
        batch_id: FromPath[uuid.UUID],
        offset: Offset = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> RejectionPage:
        """Row number, source id, field, code and message in Chinese and English."""
        total, rows = ingestion_service.list_rejections(
            session, batch_id, actor=actor, limit=limit, offset=offset
        )
        return RejectionPage(total=total, items=[RejectionRead.model_validate(r) for r in rows])

    @get(
        "/batches/{batch_id:uuid}/rejected-rows",
        sync_to_thread=True,
        guards=[requires(Permission.INGESTION_BATCH_SUBMIT)],
        summary="Download the rejected rows in the uploaded format, to fix and resend",
    )
    def rejected_rows(
        self, session: SessionDep, actor: ActorDep, batch_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """CSV (UTF-8), XLSX or JSONL with an errors column; the download is audited (the rows
        hold personal data, so only the submitting provider's systems may fetch them)."""
        batch, rows = ingestion_service.rejected_rows(session, batch_id, actor=actor)
        tmp = tempfile.NamedTemporaryFile(prefix="chengxin-rejected-", delete=False)  # noqa: SIM115
        tmp.close()
        path = Path(tmp.name)
        export.write(batch, rows, path)

        def stream() -> Iterator[bytes]:
            try:
                with path.open("rb") as handle:
                    while block := handle.read(1 << 16):
                        yield block
            finally:
                path.unlink(missing_ok=True)

        return Stream(
            stream(),
            media_type=export.MEDIA_TYPES[batch.file_format],
            headers={"Content-Disposition": f'attachment; filename="{export.filename_for(batch)}"'},
        )

    @get(
        "/quality",
        sync_to_thread=True,
        guards=[requires(Permission.INGESTION_QUALITY_READ)],
        summary="Data-quality figures per provider and day (R11)",
    )
    def quality(
        self,
        session: SessionDep,
        actor: ActorDep,
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
        provider_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[QualityDayRead]:
        """Submitted, accepted, rejected by error code, duplicates, and the lag from finding
        date to push; a provider sees its own figures, operators every provider's."""
        until = until or day_of(utcnow())
        since = since or until - timedelta(days=30)
        days = ingestion_service.quality(
            session, actor=actor, since=since, until=until, provider_id=provider_id
        )
        return [
            QualityDayRead.model_validate(
                {**vars(d), "accepted": d.accepted, "lag_days_mean": d.lag_days_mean}
            )
            for d in days
        ]
