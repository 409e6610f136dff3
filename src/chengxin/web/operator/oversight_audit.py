"""Operator console: the audit log (``audit/routes.py``) — browse with filters, one entry with
its inclusion proof, verify the whole log, export. Filters are dates, an account id and an action
(no names in the address)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from chengxin.audit import merkle
from chengxin.audit import service as audit_service
from chengxin.audit import tree as audit_tree
from chengxin.deps import ActorDep, SessionDep
from chengxin.errors import DomainError
from chengxin.security.permissions import Permission
from chengxin.supervision import service as supervision
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.frame import BASE, console_page

AUDIT = f"{BASE}/audit"
PAGE_SIZE = 50

PROBLEMS = {  # audit.service.verify's problem names, said plainly
    "gap": n_("日志缺少条目"),
    "hash": n_("条目内容与其哈希不符"),
    "tile": n_("默克尔树存储节点不符"),
    "tree-head": n_("签名树头的根哈希不符"),
    "signature": n_("签名树头的签名无效"),
    "head": n_("追加锁的序号与条目不符"),
}


class AuditPages(Controller):
    path = AUDIT

    @get("/", guards=[page_requires(Permission.AUDIT_LOG_READ)], sync_to_thread=True)
    def entries(  # noqa: PLR0917  # the filters, by name from the query string
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        since: FromQuery[str] = "",
        until: FromQuery[str] = "",
        account: FromQuery[str] = "",
        action: FromQuery[str] = "",
        before: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> Response[str]:
        """Entries newest first, filtered by day, acting account and action; paged by seq."""
        filters = supervision.AuditFilter(
            since=supervision.parse_day(since),
            until=supervision.parse_day(until),
            actor_id=account.strip()[:64] or None,
            action=action.strip()[:80] or None,
        )
        rows, next_before = supervision.audit_page(
            session, filters, before_seq=before, limit=PAGE_SIZE
        )
        return console_page(
            request,
            actor,
            "operator/oversight/audit.html",
            {
                "entries": rows,
                "next_before": next_before,
                "query": {
                    "since": since,
                    "until": until,
                    "account": account,
                    "action": action,
                },
                "actions": supervision.audit_actions(session),
                "may_verify": actor.can(Permission.AUDIT_LOG_VERIFY),
                "may_export": actor.can(Permission.AUDIT_LOG_EXPORT),
                "head": audit_tree.latest_tree_head(session),
            },
        )

    @get("/entry", guards=[page_requires(Permission.AUDIT_LOG_READ)], sync_to_thread=True)
    def entry(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        seq: Annotated[int, QueryParameter(ge=1)] = 1,
    ) -> Response[str]:
        """One entry: its fields, its leaf hash recomputed, and its inclusion proof in the
        latest signed tree head, checked here (RFC 9162)."""
        row = supervision.audit_entry_or_raise(session, seq)
        recomputed = audit_service.leaf_hash(row)
        head = audit_tree.latest_tree_head(session)
        proof, included, problem = None, None, None
        if head is not None and head.tree_size >= seq:
            try:
                proof = audit_service.inclusion_proof(session, seq, head.tree_size)
            except DomainError as exc:
                problem = exc
            else:
                included = proof.root_hash == head.root_hash and merkle.verify_inclusion(
                    seq - 1,
                    head.tree_size,
                    bytes.fromhex(recomputed),
                    [bytes.fromhex(p) for p in proof.audit_path],
                    bytes.fromhex(head.root_hash),
                )
        return console_page(
            request,
            actor,
            "operator/oversight/audit_entry.html",
            {
                "entry": row,
                "recomputed": recomputed,
                "hash_ok": recomputed == row.hash,
                "head": head,
                "signature": audit_service.signature_b64(head) if head else None,
                "proof": proof,
                "included": included,
                "error": problem,
            },
        )

    @get("/verify", guards=[page_requires(Permission.AUDIT_LOG_VERIFY)], sync_to_thread=True)
    def verify(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """Recompute every leaf, the tiles and the signed roots, as the API does; the answer is
        genuine, or the first entry that does not hold and why."""
        report = audit_service.verify(session)
        return console_page(
            request,
            actor,
            "operator/oversight/audit_verify.html",
            {
                "report": asdict(report),
                "problems": PROBLEMS,
                "head": audit_tree.latest_tree_head(session),
            },
        )

    @get("/export", guards=[page_requires(Permission.AUDIT_LOG_EXPORT)], sync_to_thread=True)
    def export(  # noqa: PLR0917  # the filters, by name from the query string
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        export_format: Annotated[str, QueryParameter(name="format")] = "csv",
        organization: FromQuery[str] = "",
        since: FromQuery[str] = "",
        until: FromQuery[str] = "",
    ) -> Stream:
        """Entries by organization and days, as the API exports them (CSV or JSON, streamed);
        the export itself is logged."""
        fmt = "json" if export_format == "json" else "csv"
        try:
            organization_id = uuid.UUID(organization) if organization.strip() else None
        except ValueError:
            organization_id = None
        start, end = supervision.day_bounds(
            supervision.parse_day(since), supervision.parse_day(until)
        )
        filters = {
            "organization_id": organization_id,
            "subject_id": None,
            "since": start,
            "until": end,
        }
        audit_service.record_export(session, actor=actor, export_format=fmt, **filters)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        return Stream(
            audit_service.export_lines(request.app.state.runtime.scope, fmt, **filters),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="audit.{fmt}"'},
        )
