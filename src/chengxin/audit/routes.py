"""HTTP routes of the audit domain: read entries, verify the chain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from chengxin.audit import service as audit_service
from chengxin.audit.schemas import AuditEntryRead, ChainReportRead
from chengxin.deps import SessionDep
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get(
        "/entries",
        sync_to_thread=True,
        guards=[requires(Permission.AUDIT_LOG_READ)],
        summary="Audit entries in chain order",
    )
    def entries(
        self,
        session: SessionDep,
        after_seq: Annotated[int, QueryParameter(ge=0)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> list[AuditEntryRead]:
        """Entries after a sequence number (keyset paging), for auditors."""
        rows = audit_service.list_entries(session, after_seq=after_seq, limit=limit)
        return [AuditEntryRead.model_validate(r) for r in rows]

    @get(
        "/verify",
        sync_to_thread=True,
        guards=[requires(Permission.AUDIT_LOG_VERIFY)],
        summary="Verify the hash chain",
    )
    def verify(self, session: SessionDep) -> ChainReportRead:
        """Recompute every hash; report the first entry that does not match."""
        return ChainReportRead(**asdict(audit_service.verify(session)))
