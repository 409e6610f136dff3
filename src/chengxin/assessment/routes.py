"""HTTP routes of work assessments (R11.1): indicator sets, issuing, reading, the items behind
a figure, verification and the XLSX and PDF exports."""

from __future__ import annotations

import uuid
from typing import Literal

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from chengxin.assessment import export
from chengxin.assessment import service as assessment_service
from chengxin.assessment.schemas import (
    AssessmentRead,
    AssessmentViewRead,
    IndicatorSetIn,
    IndicatorSetRead,
    IssueIn,
    ItemRead,
    TrendPointRead,
    UnitRead,
    VerificationRead,
)
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission

READ = [requires(Permission.ASSESSMENT_ASSESSMENT_READ)]
ISSUE = [requires(Permission.ASSESSMENT_ASSESSMENT_ISSUE)]
MANAGE = [requires(Permission.ASSESSMENT_INDICATORS_MANAGE)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"xlsx": XLSX, "pdf": "application/pdf"}


class IndicatorSetController(Controller):
    path = "/api/v1/assessments/indicators"
    tags = ["assessment"]

    @get("/", sync_to_thread=True, guards=READ, summary="Indicator sets")
    def indicator_sets(self, session: SessionDep) -> list[IndicatorSetRead]:
        """Every uploaded indicator set, newest first, with its status (the shipped set is
        stored when the first assessment is issued with it)."""
        return [IndicatorSetRead.of(r) for r in assessment_service.list_indicator_sets(session)]

    @post("/", sync_to_thread=True, guards=MANAGE, summary="Upload a draft indicator set")
    def upload(
        self, session: SessionDep, actor: ActorDep, data: JSONBody[IndicatorSetIn]
    ) -> IndicatorSetRead:
        """A YAML indicator set with a new version: validated (known formulas and parameters, a
        basis for each, weights summing to 100) and stored as a draft."""
        return IndicatorSetRead.of(
            assessment_service.upload_indicators(session, data.source, actor=actor)
        )

    @post(
        "/{version:str}/activate",
        sync_to_thread=True,
        guards=MANAGE,
        status_code=200,
        summary="Activate a draft indicator set",
    )
    def activate(
        self, session: SessionDep, actor: ActorDep, version: FromPath[str]
    ) -> IndicatorSetRead:
        """The draft becomes the set new assessments use; the previous one retires (audited)."""
        return IndicatorSetRead.of(
            assessment_service.activate_indicators(session, version, actor=actor)
        )


class AssessmentController(Controller):
    path = "/api/v1/assessments"
    tags = ["assessment"]

    @get("/", sync_to_thread=True, guards=READ, summary="Assessments")
    def assessments(self, session: SessionDep, actor: ActorDep) -> list[AssessmentRead]:
        """The assessments the caller sees, newest first."""
        return [
            AssessmentRead.of(a) for a in assessment_service.list_assessments(session, actor=actor)
        ]

    @post("/", sync_to_thread=True, guards=ISSUE, summary="Issue an assessment")
    def issue(
        self, session: SessionDep, actor: ActorDep, data: JSONBody[IssueIn]
    ) -> AssessmentRead:
        """Compute every indicator for every unit in the issuer's scope from the facts as of
        now, rank, sign and store."""
        period = assessment_service.period_of(data.period_kind, data.period_label)
        return AssessmentRead.of(assessment_service.issue(session, actor=actor, period=period))

    @get("/trend", sync_to_thread=True, guards=READ, summary="Figures over periods")
    def trend(
        self,
        session: SessionDep,
        actor: ActorDep,
        kind: FromQuery[Literal["month", "quarter", "year"]] = "month",
        limit: FromQuery[int] = 12,
    ) -> list[TrendPointRead]:
        """The units the caller sees in the latest assessment of each of the last periods of
        this kind, oldest first."""
        limit = max(1, min(limit, 60))
        return [
            TrendPointRead(period_label=label, units=[UnitRead.of(u) for u in units])
            for label, units in assessment_service.trend(
                session, actor=actor, kind=kind, limit=limit
            )
        ]

    @get("/{assessment_id:uuid}", sync_to_thread=True, guards=READ, summary="One assessment")
    def one(
        self, session: SessionDep, actor: ActorDep, assessment_id: FromPath[uuid.UUID]
    ) -> AssessmentViewRead:
        """Its indicators and the units the caller sees, with their figures, totals and ranks."""
        row = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        return AssessmentViewRead.of(assessment_service.view(session, row, actor=actor))

    @get(
        "/{assessment_id:uuid}/items",
        sync_to_thread=True,
        guards=READ,
        summary="The facts behind a figure",
    )
    def items(  # noqa: PLR0917  # query parameters, by name from Litestar
        self,
        session: SessionDep,
        actor: ActorDep,
        assessment_id: FromPath[uuid.UUID],
        indicator: FromQuery[str],
        unit_kind: FromQuery[str],
        unit: FromQuery[str],
    ) -> list[ItemRead]:
        """The late, rejected or missing facts counted in one unit's figure of one indicator."""
        row = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        found = assessment_service.items(
            session, row, actor=actor, indicator=indicator, unit_kind=unit_kind, unit_code=unit
        )
        return [ItemRead.of(i) for i in found]

    @get(
        "/{assessment_id:uuid}/verify",
        sync_to_thread=True,
        guards=READ,
        summary="Verify an assessment",
    )
    def verify(
        self, session: SessionDep, actor: ActorDep, assessment_id: FromPath[uuid.UUID]
    ) -> VerificationRead:
        """Whether the stored document is the one signed, and whether computing it again from
        the facts as of its moment gives the same digest."""
        row = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        return VerificationRead(
            number=row.number,
            digest=row.digest,
            key_id=row.key_id,
            signature_valid=assessment_service.verify(session, row),
            reproduced=assessment_service.recompute_digest(session, row) == row.digest,
        )

    @get(
        "/{assessment_id:uuid}/export",
        sync_to_thread=True,
        guards=READ,
        summary="An assessment as XLSX or PDF",
    )
    def export(  # noqa: PLR0917  # query parameters, by name from Litestar
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        assessment_id: FromPath[uuid.UUID],
        format: FromQuery[Literal["xlsx", "pdf"]] = "xlsx",  # noqa: A002
        lang: FromQuery[Literal["zh", "en"]] = "zh",
    ) -> Response[bytes]:
        """The units the caller sees, the indicators and the items, as a workbook; or a PDF
        with the number, period, digest and signing key."""
        row = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        view = assessment_service.view(session, row, actor=actor)
        body = (
            export.xlsx(view, lang=lang)
            if format == "xlsx"
            else export.pdf(view, lang=lang, settings=settings)
        )
        return Response(
            body,
            media_type=MEDIA[format],
            headers={"Content-Disposition": f'attachment; filename="{row.number}.{format}"'},
        )


CONTROLLERS = [IndicatorSetController, AssessmentController]
