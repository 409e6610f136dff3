"""HTTP routes of the audit domain: entries, proofs, signed tree heads, verification, export,
and a person's own entries with proofs."""

from __future__ import annotations

import base64
import uuid
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from chengxin.audit import service as audit_service
from chengxin.audit.models import AuditTreeHead
from chengxin.audit.schemas import (
    AuditEntryRead,
    ConsistencyProofRead,
    InclusionProofRead,
    LogReportRead,
    MyAuditEntriesRead,
    MyAuditEntryRead,
    PublicKeyRead,
    TreeHeadRead,
)
from chengxin.deps import ActorDep, SessionDep
from chengxin.keys.keyring import Keyring
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def _head(head: AuditTreeHead) -> TreeHeadRead:
    return TreeHeadRead(
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        timestamp_ms=head.timestamp_ms,
        key_id=head.key_id,
        signature=audit_service.signature_b64(head),
    )


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]

    @get(
        "/entries",
        sync_to_thread=True,
        guards=[requires(Permission.AUDIT_LOG_READ)],
        summary="Audit entries in log order",
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
        summary="Verify the Merkle log",
    )
    def verify(self, session: SessionDep) -> LogReportRead:
        """Recompute leaves, tiles and signed roots; name the first entry that does not hold."""
        return LogReportRead(**asdict(audit_service.verify(session)))

    @get(
        "/tree-heads/latest",
        sync_to_thread=True,
        opt={"public": True},
        summary="The latest signed tree head (public)",
    )
    def latest_tree_head(self, session: SessionDep) -> TreeHeadRead:
        """Anyone may fetch and keep it: later heads must be consistent with it."""
        return _head(audit_service.latest_tree_head_or_raise(session))

    @get(
        "/public-key",
        sync_to_thread=False,
        opt={"public": True},
        summary="The signing key (public)",
    )
    def public_key(self, request: Request[Any, Any, Any]) -> PublicKeyRead:
        """The Ed25519 key that signs tree heads, to check them offline."""
        ring: Keyring = request.app.state.runtime.keyring
        return PublicKeyRead(
            algorithm="Ed25519",
            key_id=ring.signing_key_id,
            public_key=base64.b64encode(ring.public_key_raw()).decode("ascii"),
            pem=ring.public_key_pem(),
        )

    @get(
        "/proofs/inclusion",
        sync_to_thread=True,
        guards=[requires(Permission.AUDIT_LOG_READ)],
        summary="Inclusion proof of one entry",
    )
    def inclusion(
        self,
        session: SessionDep,
        seq: Annotated[int, QueryParameter(ge=1)],
        tree_size: Annotated[int, QueryParameter(ge=1)],
    ) -> InclusionProofRead:
        """RFC 9162 audit path of entry ``seq`` in the tree of ``tree_size`` entries."""
        return InclusionProofRead(**asdict(audit_service.inclusion_proof(session, seq, tree_size)))

    @get(
        "/proofs/consistency",
        sync_to_thread=True,
        guards=[requires(Permission.AUDIT_LOG_READ)],
        summary="Consistency proof between two tree sizes",
    )
    def consistency(
        self,
        session: SessionDep,
        first: Annotated[int, QueryParameter(ge=1)],
        second: Annotated[int, QueryParameter(ge=1)],
    ) -> ConsistencyProofRead:
        """RFC 9162 proof that the tree of ``second`` entries extends the tree of ``first``."""
        proof = audit_service.consistency_proof(session, first, second)
        return ConsistencyProofRead(**asdict(proof))

    @get(
        "/me/entries",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="Audit entries about me, with proofs",
    )
    def my_entries(
        self,
        session: SessionDep,
        actor: ActorDep,
        after_seq: Annotated[int, QueryParameter(ge=0)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> MyAuditEntriesRead:
        """Who looked at or changed my data (R4.2), each entry with its Merkle inclusion proof
        against a signed tree head, so I can check offline that nothing was hidden or altered."""
        found = audit_service.entries_about(
            session, audit_service.own_subject(actor), after_seq=after_seq, limit=limit
        )
        head = found.tree_head
        return MyAuditEntriesRead(
            entries=[
                MyAuditEntryRead(
                    seq=p.entry.seq,
                    at=p.entry.at,
                    actor_name=p.entry.actor_name,
                    organization_id=p.entry.organization_id,
                    organization=p.organization_name,
                    action=p.entry.action,
                    purpose=(p.entry.data or {}).get("purpose"),
                    scene=(p.entry.data or {}).get("scene"),
                    leaf_index=p.entry.seq - 1,
                    leaf_data=p.leaf_data,
                    leaf_hash=p.entry.hash,
                    audit_path=p.audit_path,
                )
                for p in found.entries
            ],
            tree_size=head.tree_size if head else None,
            root_hash=head.root_hash if head else None,
            tree_head=_head(head) if head else None,
            public_key_pem=found.public_key,
        )

    @get(
        "/export",
        sync_to_thread=True,
        guards=[requires(Permission.AUDIT_LOG_EXPORT)],
        summary="Export audit entries (CSV or JSON, streamed)",
    )
    def export(  # noqa: PLR0917  # query filters, by name from Litestar
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        export_format: Annotated[ExportFormat, QueryParameter(name="format")] = ExportFormat.CSV,
        organization_id: FromQuery[uuid.UUID | None] = None,
        subject_id: FromQuery[uuid.UUID | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
    ) -> Stream:
        """Entries filtered by organization, person and time, in seq order; the export itself is
        logged."""
        filters = {
            "organization_id": organization_id,
            "subject_id": subject_id,
            "since": since,
            "until": until,
        }
        audit_service.record_export(
            session, actor=actor, export_format=export_format.value, **filters
        )
        media = (
            "text/csv; charset=utf-8" if export_format is ExportFormat.CSV else "application/json"
        )
        return Stream(
            audit_service.export_lines(
                request.app.state.runtime.scope, export_format.value, **filters
            ),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="audit.{export_format.value}"'},
        )
