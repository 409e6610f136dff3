"""Pages of the provider console (数据报送): uploads and their receipts, the objection and repair
queues with their decisions, list proposals, data quality and the organization's notices.

Thin handlers calling the same services as the API (ingestion, objections, repair, lists,
notifications routes), with the same actor and settings."""

from __future__ import annotations

import csv
import io
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Stream
from pydantic import BaseModel
from sqlalchemy.orm import Session

from chengxin.casework.errors import RecordNotFound
from chengxin.db import utcnow
from chengxin.deps import ActorDep, Offset, SessionDep, SettingsDep
from chengxin.errors import DomainError, PayloadTooLarge
from chengxin.ingestion import export, reading
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.errors import FileRejected
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.lists.models import EntryStatus
from chengxin.notifications import inbox
from chengxin.objections import service as objection_service
from chengxin.objections.models import ObjectionOutcome, ObjectionStatus
from chengxin.objections.schemas import ObjectionDecisionIn, ObjectionRead
from chengxin.organizations import providers
from chengxin.records import service as records_service
from chengxin.repair import service as repair_service
from chengxin.repair.models import RepairStatus
from chengxin.repair.schemas import RepairDecisionIn, RepairRead
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from chengxin.tabular import FileFault
from chengxin.web import forms
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.provider import cases
from chengxin.web.render import page, see_other
from chengxin.workdays.days import day_of

BASE = "/console/provider"
RECEIPT_ERRORS = 100  # rejected rows shown on a receipt page (as the API's receipt)
QUALITY_DAYS = 30

OUTCOMES = (
    (ObjectionOutcome.CORRECTED.value, n_("更正（已报送更正后的记录）")),
    (ObjectionOutcome.DELETED.value, n_("删除（记录有误）")),
    (ObjectionOutcome.UPHELD.value, n_("维持（记录无误）")),
    (ObjectionOutcome.UNVERIFIABLE.value, n_("无法核实")),
)
REPAIR_OUTCOMES = (
    ("approved", n_("同意修复")),
    ("refused", n_("不予修复")),
    ("needs_evidence", n_("补充材料")),
)
STATUS_LABELS = {
    "processing": n_("处理中"),
    "completed": n_("已完成"),
    "failed": n_("失败"),
    "filed": n_("已提交"),
    "forwarded": n_("已转交"),
    "decided": n_("已决定"),
    "withdrawn": n_("已撤回"),
    "received": n_("已受理"),
    "needs_evidence": n_("待补充材料"),
    "approved": n_("已修复"),
    "refused": n_("不予修复"),
    "proposed": n_("已提出"),
    "notified": n_("已告知"),
    "published": n_("已公布"),
    "exited": n_("已移出"),
    "corrected": n_("更正（已报送更正后的记录）"),
    "deleted": n_("删除（记录有误）"),
    "upheld": n_("维持（记录无误）"),
    "unverifiable": n_("无法核实"),
}


def _runtime(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@dataclass
class UploadForm:
    file: UploadFile | None = None


class ProposalForm(BaseModel):
    list_type: str = ""
    reason: str = ""
    source_id: str = ""
    document_no: str = ""
    id_number: str = ""
    name: str = ""


def _proposable() -> list[list_types.ListType]:
    return list_types.all_types()


class ProviderConsole(Controller):
    """数据报送: a department clerk's console."""

    path = BASE

    # -- upload and receipts ---------------------------------------------------------------

    @get("/", guards=[page_requires(Permission.INGESTION_BATCH_SUBMIT)], sync_to_thread=False)
    def upload_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        """The upload form (CSV, XLSX or JSON Lines, as the API takes)."""
        return page(request, "provider/upload.html", {"error": None})

    @post(
        "/upload",
        guards=[page_requires(Permission.INGESTION_BATCH_SUBMIT)],
        sync_to_thread=True,
        request_max_body_size=None,  # checked while copying, against max_upload_bytes
    )
    def upload(
        self,
        request: Request[Any, Any, Any],
        actor: ActorDep,
        settings: SettingsDep,
        data: MultipartBody[UploadForm],
    ) -> Response[Any]:
        """Ingest the file as the API's upload does; the answer is the batch's receipt."""
        runtime = _runtime(request)
        try:
            if data.file is None or not data.file.filename:
                raise FileRejected("choose a file to upload")
            filename = Path(data.file.filename).name[:255]
            file_format = reading.format_for(filename, data.file.content_type)
            with tempfile.TemporaryDirectory(prefix="chengxin-ingest-") as tmp:
                path = Path(tmp) / f"upload.{file_format}"
                _copy(data.file, path, settings.max_upload_bytes)
                with runtime.scope() as session:
                    provider_id = providers.provider_of(session, actor).id
                batch = ingestion_service.ingest_file(
                    runtime.scope,
                    path,
                    file_format,
                    provider_id=provider_id,
                    actor=actor,
                    channel="upload",
                    filename=filename,
                    options=ingestion_service.Options.from_settings(settings),
                )
        except FileFault as fault:
            error = FileRejected(f"{fault.code}: {fault.message}", failure_code=fault.code)
            return page(request, "provider/upload.html", {"error": error}, status_code=error.status)
        except DomainError as exc:
            return page(request, "provider/upload.html", {"error": exc}, status_code=exc.status)
        finally:
            if data.file is not None:
                data.file.file.close()  # copied or refused: the spooled upload is done with
        return see_other(f"{BASE}/batches/{batch.id}", notice=n_("文件已接收，回执如下"))

    @get(
        "/batches",
        guards=[page_requires(Permission.INGESTION_BATCH_READ)],
        sync_to_thread=True,
    )
    def batches(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        offset: FromQuery[Offset] = 0,
    ) -> Response[str]:
        """My organization's batches, newest first."""
        rows = ingestion_service.list_batches(session, actor=actor, limit=50, offset=offset)
        return page(
            request,
            "provider/batches.html",
            {"batches": rows, "offset": offset, "labels": STATUS_LABELS},
        )

    @get(
        "/batches/{batch_id:uuid}",
        guards=[page_requires(Permission.INGESTION_BATCH_READ)],
        sync_to_thread=True,
    )
    def batch(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        batch_id: FromPath[uuid.UUID],
        offset: FromQuery[Offset] = 0,
    ) -> Response[str]:
        """A batch's receipt: the counts (every row accounted for) and its rejected rows."""
        found = ingestion_service.get_batch_or_raise(session, batch_id, actor=actor)
        total, rejections = ingestion_service.list_rejections(
            session, batch_id, actor=actor, limit=RECEIPT_ERRORS, offset=offset
        )
        return page(
            request,
            "provider/batch.html",
            {
                "batch": found,
                "total": total,
                "rejections": rejections,
                "offset": offset,
                "page_size": RECEIPT_ERRORS,
                "labels": STATUS_LABELS,
            },
        )

    @get(
        "/batches/{batch_id:uuid}/rejected-rows",
        guards=[page_requires(Permission.INGESTION_BATCH_SUBMIT)],
        sync_to_thread=True,
    )
    def rejected_rows(
        self, session: SessionDep, actor: ActorDep, batch_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """The rejected rows in the uploaded format with an errors column (as the API)."""
        found, rows = ingestion_service.rejected_rows(session, batch_id, actor=actor)
        tmp = tempfile.NamedTemporaryFile(prefix="chengxin-rejected-", delete=False)  # noqa: SIM115
        tmp.close()
        path = Path(tmp.name)
        export.write(found, rows, path)

        def stream() -> Iterator[bytes]:
            try:
                with path.open("rb") as handle:
                    while block := handle.read(1 << 16):
                        yield block
            finally:
                path.unlink(missing_ok=True)

        return Stream(
            stream(),
            media_type=export.MEDIA_TYPES[found.file_format],
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename_for(found)}"',
                "Cache-Control": "no-store",
            },
        )

    @get(
        "/batches/{batch_id:uuid}/errors.csv",
        guards=[page_requires(Permission.INGESTION_BATCH_READ)],
        sync_to_thread=True,
    )
    def errors_csv(
        self, session: SessionDep, actor: ActorDep, batch_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        """Every rejected row's number, source id and reasons (the API's errors list, as CSV;
        no row values)."""
        total, rows = ingestion_service.list_rejections(
            session, batch_id, actor=actor, limit=1_000_000
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            ["行号 row", "源记录编号 source_id", "字段 field", "代码 code", "原因", "reason"]
        )
        for rejection in rows:
            for e in rejection.errors:
                writer.writerow(
                    [
                        rejection.row_no,
                        export._safe(rejection.source_id or ""),  # noqa: SLF001
                        e.get("field") or "",
                        e["code"],
                        e["zh"],
                        e["en"],
                    ]
                )
        del total
        return Response(
            buffer.getvalue().encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="errors-{batch_id}.csv"',
                "Cache-Control": "no-store",
            },
        )

    @get("/quality", guards=[page_requires(Permission.INGESTION_QUALITY_READ)], sync_to_thread=True)
    def quality(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """My own figures over the last 30 days (the quality API's defaults)."""
        until = day_of(utcnow())
        since = until - timedelta(days=QUALITY_DAYS)
        days = ingestion_service.quality(session, actor=actor, since=since, until=until)
        totals = {
            name: sum(getattr(d, name) for d in days)
            for name in ("batches", "submitted", "accepted", "rejected", "duplicates")
        }
        codes: dict[str, int] = {}
        for d in days:
            for code, n in d.rejected_by_code.items():
                codes[code] = codes.get(code, 0) + n
        rate = totals["rejected"] / totals["submitted"] if totals["submitted"] else None
        lags = [d.lag_days_mean for d in days if d.lag_days_mean is not None]
        return page(
            request,
            "provider/quality.html",
            {
                "days": days,
                "totals": totals,
                "rate": rate,
                "codes": sorted(codes.items(), key=lambda c: -c[1]),
                "lag_mean": round(sum(lags) / len(lags), 1) if lags else None,
                "lag_max": max((d.lag_days_max for d in days), default=0),
                "since": since,
                "until": until,
                "peak": max((d.submitted for d in days), default=0),
            },
        )

    # -- list proposals --------------------------------------------------------------------

    @get("/proposals", guards=[page_requires(Permission.LISTS_ENTRY_READ)], sync_to_thread=True)
    def proposals(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        status: FromQuery[str] = "",
    ) -> Response[str]:
        """The entries my organization proposed, newest first."""
        wanted = EntryStatus(status) if status in EntryStatus._value2member_map_ else None
        found = list_service.entries(
            session, list_service.EntryFilter(status=wanted), actor=actor, limit=200
        )
        return page(
            request,
            "provider/proposals.html",
            {
                "items": found.items,
                "total": found.total,
                "status": status,
                "statuses": [s.value for s in EntryStatus],
                "labels": STATUS_LABELS,
                "types": {t.code: t for t in list_types.all_types()},
                "may_propose": actor.can(Permission.LISTS_ENTRY_PROPOSE),
            },
        )

    def _proposal_form(
        self,
        request: Request[Any, Any, Any],
        form: ProposalForm,
        error: DomainError | None = None,
    ) -> Response[str]:
        return page(
            request,
            "provider/propose.html",
            {"form": form, "error": error, "types": _proposable()},
            status_code=error.status if error else 200,
        )

    @get(
        "/proposals/new",
        guards=[page_requires(Permission.LISTS_ENTRY_PROPOSE)],
        sync_to_thread=False,
    )
    def proposal_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        """Propose an entry on one of my records (or on a finding document)."""
        return self._proposal_form(request, ProposalForm())

    @post("/proposals", guards=[page_requires(Permission.LISTS_ENTRY_PROPOSE)], sync_to_thread=True)
    def propose(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[ProposalForm],
    ) -> Response[Any]:
        """As the API: the service checks the proposer, the records and the person."""
        try:
            record_ids: list[uuid.UUID] = []
            source_id = data.source_id.strip()
            if source_id:
                provider = providers.provider_of(session, actor)
                versions = records_service.versions_of(session, provider.id, source_id)
                if not versions:
                    raise RecordNotFound("no record of yours has this source id")
                record_ids = [versions[-1].id]
            entry = list_service.propose(
                session,
                list_service.Proposal(
                    list_type=data.list_type,
                    reason=data.reason,
                    record_ids=record_ids,
                    document_no=data.document_no.strip() or None,
                    id_number=data.id_number.strip() or None,
                    name=data.name.strip() or None,
                ),
                actor=actor,
            )
        except DomainError as exc:
            return self._proposal_form(request, data, exc)
        return see_other(f"{BASE}/proposals/{entry.id}", notice=n_("已提出"))

    @get(
        "/proposals/{entry_id:uuid}",
        guards=[page_requires(Permission.LISTS_ENTRY_READ)],
        sync_to_thread=True,
    )
    def proposal(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """The entry, its reason and every step (the reading is logged, as the API's)."""
        entry = list_service.read(session, entry_id, actor=actor)
        return page(
            request,
            "provider/proposal.html",
            {
                "e": entry,
                "reason": list_service.reason_of(session, entry).get("reason"),
                "history": list_service.history(session, entry.id),
                "labels": STATUS_LABELS,
                "list_type": list_types.get(entry.list_type),
            },
        )

    # -- notices ---------------------------------------------------------------------------

    @get(
        "/notices",
        guards=[page_requires(Permission.NOTIFICATIONS_NOTICE_READ)],
        sync_to_thread=True,
    )
    def notices(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """My organization's notices, newest first."""
        items, unread = inbox.inbox(session, actor=actor, unread_only=False, limit=100, offset=0)
        return page(request, "provider/notices.html", {"items": items, "unread": unread})

    @post(
        "/notices/{notice_id:uuid}/read",
        guards=[page_requires(Permission.NOTIFICATIONS_NOTICE_READ)],
        sync_to_thread=True,
    )
    def mark_read(
        self, session: SessionDep, actor: ActorDep, notice_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """Only the organization's own notices."""
        inbox.mark_read(session, notice_id, actor=actor, now=utcnow())
        return see_other(f"{BASE}/notices", notice=n_("已标记为已读"))


def _copy(upload: UploadFile, path: Path, limit: int) -> None:
    """The uploaded file to ``path``, refused once it passes the configured limit."""
    size = 0
    upload.file.seek(0)
    with path.open("wb") as handle:
        while block := upload.file.read(1 << 20):
            size += len(block)
            if size > limit:
                raise PayloadTooLarge(f"the limit is {limit} bytes")
            handle.write(block)


# -- objections and repair: one definition of a case's pages (web.provider.cases) ------------------


def _objection(session: Session, objection: Any, now: datetime) -> ObjectionRead:
    return ObjectionRead.of(objection_service.view(session, objection), now)


def _decide_objection(
    session: Session,
    objection_id: uuid.UUID,
    data: cases.DecisionForm,
    actor: Actor,
    settings: Settings,
) -> None:
    """Corrected, deleted, upheld or unverifiable, with the note (as the API)."""
    decision = forms.parse(
        ObjectionDecisionIn,
        {
            "outcome": data.outcome,
            "note": data.note,
            "corrected_record_id": data.corrected_record_id.strip() or None,
            "appeal_route": data.appeal_route.strip() or None,
        },
    )
    objection_service.decide(
        session,
        objection_id,
        outcome=decision.outcome,
        note=decision.note,
        corrected_record_id=decision.corrected_record_id,
        appeal_route=decision.appeal_route,
        actor=actor,
        settings=settings,
    )


def _repair(session: Session, application: Any, now: datetime) -> RepairRead:
    return RepairRead.of(repair_service.view(session, application), now)


def _decide_repair(
    session: Session,
    application_id: uuid.UUID,
    data: cases.DecisionForm,
    actor: Actor,
    settings: Settings,
) -> None:
    """Approved, refused or more evidence, with reasons (as the API)."""
    del settings  # the finding department's decision reads no setting
    decision = forms.parse(
        RepairDecisionIn, {"outcome": data.outcome, "reasons": data.reasons.strip() or None}
    )
    repair_service.decide(
        session,
        application_id,
        outcome=RepairStatus(decision.outcome),
        reasons=decision.reasons,
        actor=actor,
    )


OBJECTION_PAGES = cases.CasePages(
    objection_service.KIND,
    base=f"{BASE}/objections",
    case_id="objection_id",
    queue_template="provider/objections.html",
    case_template="provider/objection.html",
    states=ObjectionStatus,
    shown=_objection,
    outcomes=OUTCOMES,
    decide_permission=Permission.OBJECTIONS_OBJECTION_DECIDE,
    decide=_decide_objection,
    labels=STATUS_LABELS,
)
REPAIR_PAGES = cases.CasePages(
    repair_service.KIND,
    base=f"{BASE}/repairs",
    case_id="application_id",
    queue_template="provider/repairs.html",
    case_template="provider/repair.html",
    states=RepairStatus,
    shown=_repair,
    outcomes=REPAIR_OUTCOMES,
    decide_permission=Permission.REPAIR_APPLICATION_DECIDE,
    decide=_decide_repair,
    labels=STATUS_LABELS,
)

CONTROLLERS: list[type[Controller]] = [
    ProviderConsole,
    cases.controller(OBJECTION_PAGES),
    cases.controller(REPAIR_PAGES),
]
