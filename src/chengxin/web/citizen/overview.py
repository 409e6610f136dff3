"""Pages of the citizen: overview, own report (HTML and PDF), who queried me (with proofs)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery

from chengxin.access import grants as grant_service
from chengxin.access.scenes import SCENES
from chengxin.audit import service as audit
from chengxin.audit.schemas import MyAuditEntriesRead, MyAuditEntryRead, TreeHeadRead
from chengxin.checks import service as check_service
from chengxin.checks.schemas import MyCheckRead
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.notifications import service as notifications_service
from chengxin.objections import service as objection_service
from chengxin.objections.models import OPEN_STATUSES
from chengxin.repair import service as repair_service
from chengxin.repair.models import OPEN_REPAIR_STATUSES
from chengxin.reports import listing as report_listing
from chengxin.reports import render as report_render
from chengxin.reports import service as report_service
from chengxin.reports import verification as report_verification
from chengxin.scoring import service as scoring_service
from chengxin.settings import Environment, Settings
from chengxin.state import service as state_service
from chengxin.web.citizen.common import (
    READ,
    ProofNotFound,
    objection_read,
    page_lang,
    repair_read,
    show,
)
from chengxin.web.citizen.listed import my_lists

# -- overview --------------------------------------------------------------------------------------


class CitizenHome(Controller):
    path = "/me"

    @get("/", guards=READ, sync_to_thread=True)
    def home(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """My records counted, open cases with due dates, grants, recent queries, notices, lists
        and grade."""
        subject_id = audit.own_subject(actor)
        # One credit state for the page: the counts are the ones the person's report prints
        # (the same summary), and the lists are the state's memberships and pending entries.
        credit = state_service.state(session, subject_id)
        summary = report_listing.own_summary(session, subject_id, credit=credit)
        counts = {"good": summary.good, "dishonest": summary.dishonest, "basic": summary.basic}
        mine = objection_service.mine(session, actor=actor)
        objections = [objection_read(session, o) for o in mine]
        repairs = [repair_read(session, a) for a in repair_service.mine(session, actor=actor)]
        now = utcnow()
        grants = grant_service.mine(session, actor=actor)
        active_grants = [g for g in grants if g.status_at(now).value == "active"]
        found = audit.entries_about(session, subject_id, limit=500)
        # Recent access by organizations (the person's own actions are on /me/queries too).
        recent = [p for p in reversed(found.entries) if p.entry.organization_id is not None][:5]
        lists = my_lists(session, actor, page_lang(request), credit=credit)
        score = scoring_service.latest(session, subject_id)
        return show(
            request,
            "home.html",
            {
                "counts": counts,
                "open_objections": [o for o in objections if o.status in OPEN_STATUSES],
                "open_repairs": [a for a in repairs if a.status.value in OPEN_REPAIR_STATUSES],
                "grants": len(active_grants),
                "recent": recent,
                "notices": notifications_service.for_person(session, actor=actor)[:3],
                "summary": summary,
                "lists": lists,
                "score": score,
            },
        )


# -- my report -------------------------------------------------------------------------------------


VISIT_COOKIE = "chengxin_report"  # the own report this browser was shown (reports.service.Visit)


def _own_report(
    request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> report_service.Issued:
    """The report this browser was shown, while unchanged and recent; a new one otherwise."""
    token = request.cookies.get(VISIT_COOKIE, "")[:512]
    visit = report_service.read_visit(session, audit.own_subject(actor), token) if token else None
    return report_service.own_report(
        session,
        actor=actor,
        visit=visit,
        window=timedelta(minutes=settings.report_visit_minutes),
    )


def _remember(
    response: Response[Any], session: SessionDep, issued: report_service.Issued, settings: Settings
) -> None:
    if settings.report_visit_minutes > 0:
        response.set_cookie(
            Cookie(
                key=VISIT_COOKIE,
                value=report_service.visit_token(session, issued),
                path="/me",
                max_age=settings.report_visit_minutes * 60,
                httponly=True,
                secure=settings.env is Environment.PRODUCTION,
                samesite="strict",
            )
        )


class CitizenReport(Controller):
    path = "/me"

    @get("/report", guards=READ, sync_to_thread=True)
    def report(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> Response[str]:
        """My own report, as issued by the API's ``/api/v1/me/report`` (free, unlimited): the
        same report (one number) for the page and its PDF while my data is unchanged."""
        issued = _own_report(request, session, actor, settings)
        report, lang = issued.report, page_lang(request)
        # Each record as the report renderer words it (last day shown, repair text, field
        # labels, marks): one implementation, in the report's own catalog.
        gettext = report_render.translator(lang)
        as_of = report.as_of.astimezone(report_render.BEIJING).date()
        labels = report_render.shipped_field_labels()
        views = {
            r.id: report_render.record_view(
                r, lang=lang, as_of=as_of, labels=labels, gettext=gettext
            )
            for r in [*report.dishonest, *report.good, *report.basic]
        }
        memberships = [
            report_render.list_view(m, lang=lang, gettext=gettext) for m in report.memberships
        ]
        pending = [
            report_render.pending_view(p, lang=lang, gettext=gettext)
            for p in report.pending_entries or []
        ]
        url = report_service.verify_url(settings.public_base_url, report.number)
        response = show(
            request,
            "report.html",
            {
                "report": report,
                "views": views,
                "verification_code": issued.verification_code,
                "memberships": memberships,
                "pending": pending,
                "issuer": report_render.Issuer.from_settings(settings).name(lang),
                "verify_page": report_verification.verify_page(url),
            },
        )
        _remember(response, session, issued, settings)
        return response

    @get("/report.pdf", guards=READ, sync_to_thread=True)
    def report_pdf(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> Response[bytes]:
        """The same sealed PDF as the API's (``format: pdf``), as a download: the report the
        page showed (same number) while my data is unchanged."""
        issued = _own_report(request, session, actor, settings)
        content, media_type = report_service.formatted(
            session, issued, "pdf", lang=page_lang(request), settings=settings
        )
        response = Response(
            content,
            media_type=media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{issued.report.number}.pdf"',
                "Cache-Control": "no-store",
                "X-Report-Number": issued.report.number,
            },
        )
        _remember(response, session, issued, settings)
        return response


# -- who queried me --------------------------------------------------------------------------------


def _download(body: Any, name: str) -> Response[bytes]:
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2, default=str).encode(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


class CitizenQueries(Controller):
    path = "/me"

    @get("/queries", guards=READ, sync_to_thread=True)
    def queries(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """Every audit entry about me (queries, reports, changes) and every check that named me,
        each with its proof to download."""
        subject_id = audit.own_subject(actor)
        found = audit.entries_about(session, subject_id, limit=500)
        checks = check_service.checks_about(session, subject_id)
        return show(
            request,
            "queries.html",
            {
                "entries": list(reversed(found.entries)),
                "checks": checks,
                "government": {s.value: info.government for s, info in SCENES.items()},
            },
        )

    @get("/queries/proof.json", guards=READ, sync_to_thread=True)
    def entry_proof(
        self, session: SessionDep, actor: ActorDep, seq: FromQuery[int] = 0
    ) -> Response[bytes]:
        """One entry's inclusion proof as the API's ``/api/v1/audit/me/entries`` gives it."""
        subject_id = audit.own_subject(actor)
        found = audit.entries_about(session, subject_id, after_seq=max(seq - 1, 0), limit=1)
        if not found.entries or found.entries[0].entry.seq != seq or found.tree_head is None:
            raise ProofNotFound
        p, head = found.entries[0], found.tree_head
        body = MyAuditEntriesRead(
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
            ],
            tree_size=head.tree_size,
            root_hash=head.root_hash,
            tree_head=TreeHeadRead(
                tree_size=head.tree_size,
                root_hash=head.root_hash,
                timestamp_ms=head.timestamp_ms,
                key_id=head.key_id,
                signature=audit.signature_b64(head),
            ),
            public_key_pem=found.public_key,
        ).model_dump(mode="json")
        return _download(body, f"audit-proof-{seq}.json")

    @get("/checks/{check_id:uuid}/proof.json", guards=READ, sync_to_thread=True)
    def check_proof(
        self, session: SessionDep, actor: ActorDep, check_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        """One check's proof that its subjects' tree holds me (the API's ``/api/v1/me/checks``)."""
        subject_id = audit.own_subject(actor)
        for line in check_service.checks_about(session, subject_id):
            if line.check_id == check_id:
                read = MyCheckRead.of(line)
                return _download(read.model_dump(mode="json"), f"check-proof-{check_id}.json")
        raise ProofNotFound
