"""HTTP routes of the reports domain: organizations' reports, the person's own report, the public
verification of an issued report and the reproduction of one for disputes and audits."""

from __future__ import annotations

import base64
from typing import Any

from litestar import Controller, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import PROBLEM_MEDIA_TYPE, problem
from chengxin.keys import keyring_of
from chengxin.reports import service as report_service
from chengxin.reports import verification
from chengxin.reports.content import ReportAudience
from chengxin.reports.errors import ReportHeldForReview
from chengxin.reports.schemas import (
    MyReportIn,
    ReportFormat,
    ReportHeld,
    ReportIn,
    ReportIssued,
    ReportReproduction,
    ReportVerification,
    ReproduceIn,
    VerifyIn,
)
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.settings import Settings

_ISSUED_RESPONSES = {
    200: ResponseSpec(
        data_container=ReportIssued,
        description="JSON (format json); text/html or application/pdf (a sealed PDF) otherwise",
    )
}
_HELD_RESPONSES = {
    **_ISSUED_RESPONSES,
    409: ResponseSpec(
        data_container=ReportHeld,
        media_type=PROBLEM_MEDIA_TYPE,
        description=(
            "report-held-for-review: the query waits for a reviewer (R3.3); it is registered "
            "and kept, and asking again answers with the same query_id until it is decided"
        ),
    ),
}


def _held(held: report_service.Held) -> Response[dict[str, Any]]:
    """The 409 problem of a held report, answered without raising: the request's transaction
    commits, so the query stays registered and queued for the reviewer (ADR 0025)."""
    query = held.query
    return problem(
        ReportHeldForReview.status,
        ReportHeldForReview.code,
        ReportHeldForReview.title,
        "ask again with the same request, or with query_id, once a reviewer approved it",
        query_id=str(query.id),
        query_status=query.status,
        review_reasons=list(query.review_reasons),
    )


def _respond(
    session: Any, issued: report_service.Issued, fmt: ReportFormat, lang: str, settings: Settings
) -> Response[Any]:
    headers = {"X-Report-Number": issued.report.number, "X-Report-Digest": issued.issue.digest}
    if fmt is ReportFormat.JSON:
        body = ReportIssued(
            report=issued.report,
            verification_code=issued.verification_code,
            digest=issued.issue.digest,
            signature=base64.b64encode(issued.issue.signature).decode("ascii"),
            key_id=issued.issue.key_id,
            verify_url=report_service.verify_url(settings.public_base_url, issued.report.number),
        )
        return Response(body, headers=headers)
    content, media_type = report_service.formatted(
        session, issued, fmt.value, lang=lang, settings=settings
    )
    return Response(content, media_type=media_type, headers=headers)


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_QUERY_SUBMIT)],
        status_code=200,
        responses=_HELD_RESPONSES,
        summary="Issue a credit report about one person (government or authorized)",
    )
    def issue(
        self, session: SessionDep, actor: ActorDep, settings: SettingsDep, data: JSONBody[ReportIn]
    ) -> Response[Any]:
        """Within the permission list and scene (and the person's grant for third parties);
        registered as a query the person sees; numbered, signed, verifiable.

        When a review rule holds the query (e.g. the organization's first query in a scene), the
        answer is 409 ``report-held-for-review`` with its ``query_id``: the query is registered
        and in the reviewer's queue (``GET /api/v1/access/reviews``), and its state is at
        ``GET /api/v1/queries/{query_id}``. Asking again with the same person, scene and purpose
        — or naming ``query_id`` — answers with the same query while it waits, and with the
        report once a reviewer approved it; a refused query answers 409
        ``query-not-releasable``."""
        issued = report_service.issue_for_organization(
            session,
            report_service.ReportRequest(
                id_number=data.id_number,
                name=data.name,
                scene=data.scene,
                purpose=data.purpose,
                grant_id=data.grant_id,
                kinds=data.kinds,
                as_of=data.as_of,
                query_id=data.query_id,
            ),
            settings=settings,
            actor=actor,
        )
        if isinstance(issued, report_service.Held):
            return _held(issued)
        return _respond(session, issued, data.format, data.lang, settings)

    @post(
        "/verify",
        sync_to_thread=True,
        opt={"public": True},
        status_code=200,
        summary="Verify an issued report by number and code (public; never the content)",
    )
    def verify(self, session: SessionDep, data: JSONBody[VerifyIn]) -> ReportVerification:
        """Issue time, audience and the signed digest: compare the digest with the report's."""
        issue = verification.verify(session, data.number, data.code)
        message = verification.signed_message(
            issue.number, issue.issued_at, issue.audience, issue.digest
        )
        return ReportVerification(
            number=issue.number,
            issued_at=issue.issued_at,
            audience=ReportAudience(issue.audience),
            digest=issue.digest,
            signature=base64.b64encode(issue.signature).decode("ascii"),
            key_id=issue.key_id,
            signed_message=message.decode("utf-8"),
            signature_valid=verification.signature_holds(keyring_of(session), issue),
        )

    @post(
        "/reproduce",
        sync_to_thread=True,
        guards=[requires(Permission.AUDIT_LOG_READ)],
        status_code=200,
        summary="Rebuild an issued report as it stood then (disputes and audits)",
    )
    def reproduce(
        self, session: SessionDep, actor: ActorDep, data: JSONBody[ReproduceIn]
    ) -> ReportReproduction:
        """Same number and issue time: the digest matches the signed one if nothing was lost."""
        found = report_service.reproduce(session, data.number, actor=actor)
        return ReportReproduction(
            report=found.report,
            digest=found.digest,
            issued_digest=found.issue.digest,
            matches=found.matches,
        )


class MyReportController(Controller):
    path = "/api/v1/me/report"
    tags = ["reports"]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        status_code=200,
        responses=_ISSUED_RESPONSES,
        summary="My own credit report (free, unlimited; as of any past moment)",
    )
    def mine(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: JSONBody[MyReportIn],
    ) -> Response[Any]:
        """Everything held about me, each record marked; who queried me; my grants."""
        issued = report_service.issue_for_subject(session, actor=actor, as_of=data.as_of)
        return _respond(session, issued, data.format, data.lang, settings)
