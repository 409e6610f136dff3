"""HTTP routes of credit repair: eligibility and applications for the person, the finding
department's queue and decisions, on-time figures, and the archive for auditors."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from chengxin.audit import service as audit
from chengxin.casework import routes as case_routes
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.evidence.schemas import files
from chengxin.repair import archive as repair_archive
from chengxin.repair import eligibility as repair_eligibility
from chengxin.repair import service as repair_service
from chengxin.repair.models import RepairStatus
from chengxin.repair.schemas import (
    ArchiveRead,
    EligibilityRead,
    EvidenceAddIn,
    ExtensionIn,
    RepairDecisionIn,
    RepairFigureRead,
    RepairIn,
    RepairPage,
    RepairRead,
)
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


def _read(session: Any, application: Any) -> RepairRead:
    return RepairRead.of(repair_service.view(session, application), utcnow())


def _apply(session: Any, data: RepairIn, actor: Any, settings: Any) -> RepairRead:
    application = repair_service.apply(
        session,
        record_id=data.record_id,
        basis=data.basis,
        explanation=data.explanation,
        commitment_accepted=data.commitment_accepted,
        evidence=files(data.evidence),
        actor=actor,
        settings=settings,
    )
    return _read(session, application)


ROUTES = case_routes.Routes(
    repair_service.KIND,
    case_id="application_id",
    read=_read,
    read_model=RepairRead,
    page_model=RepairPage,
    figures=repair_service.figures,
    figure_model=RepairFigureRead,
    states=RepairStatus,
    self_permission=Permission.SELF_REPAIR_APPLY,
    summaries={
        "queue": "Repair queue",
        "figures": "Repair on-time rates",
        "detail": "One repair application",
        "evidence": "Download a repair evidence file",
        "mine": "My repair applications",
        "withdraw": "Withdraw my repair application",
    },
    descriptions={
        "queue": "The finding department's applications (operators: all), most urgent first.",
        "figures": "Per finding department: decided, on time, answered on time, open, overdue"
        " (R11).",
        "detail": "The application with its explanation, eligibility and evidence"
        " (reading is logged).",
        "evidence": "One file of the application (its reading is logged).",
        "mine": "Each with its state, due dates and the department's reasons.",
        "withdraw": "Before a decision only.",
    },
)


class RepairController(Controller):
    path = "/api/v1/repairs"
    tags = ["repair"]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.REPAIR_APPLICATION_FILE)],
        summary="File a repair application for a person",
    )
    def file(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: JSONBody[RepairIn],
    ) -> RepairRead:
        """An operator files for a person who signed the credit commitment on paper."""
        return _apply(session, data, actor, settings)

    queue, figures, detail, evidence = case_routes.staff_routes(ROUTES)

    @post(
        "/{application_id:uuid}/decision",
        sync_to_thread=True,
        guards=[requires(Permission.REPAIR_APPLICATION_DECIDE)],
        status_code=200,
        summary="Decide a repair application",
    )
    def decide(
        self,
        session: SessionDep,
        actor: ActorDep,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[RepairDecisionIn],
    ) -> RepairRead:
        """By the department that made the finding (谁认定、谁修复). Approval stops display,
        sharing and use, archives the record and tells every organization that received it."""
        application = repair_service.decide(
            session,
            application_id,
            outcome=RepairStatus(data.outcome),
            reasons=data.reasons,
            actor=actor,
        )
        return _read(session, application)

    @post(
        "/{application_id:uuid}/extension",
        sync_to_thread=True,
        guards=[requires(Permission.REPAIR_APPLICATION_DECIDE)],
        status_code=200,
        summary="Extend a repair decision deadline",
    )
    def extend(
        self,
        session: SessionDep,
        actor: ActorDep,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[ExtensionIn],
    ) -> RepairRead:
        """A complex case: once, by up to 10 working days, with the reason recorded."""
        application = repair_service.extend(
            session, application_id, days=data.days, reason=data.reason, actor=actor
        )
        return _read(session, application)


class MyRepairsController(Controller):
    path = "/api/v1/me/repairs"
    tags = ["self"]

    @get(
        "/eligibility/{record_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="Can I repair this record?",
    )
    def eligibility(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        record_id: FromPath[uuid.UUID],
    ) -> EligibilityRead:
        """Each condition checked and explained, and the commitment to make. Free of charge."""
        audit.own_subject(actor)
        found = repair_eligibility.eligibility_of(
            session, record_id, actor=actor, settings=settings
        )
        return EligibilityRead.of(found, repair_service.COMMITMENT_TEXT)

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_REPAIR_APPLY)],
        summary="Apply to repair one of my records",
    )
    def apply(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: JSONBody[RepairIn],
    ) -> RepairRead:
        """Acknowledged at once; decided within 3 working days, answered within 10."""
        audit.own_subject(actor)
        return _apply(session, data, actor, settings)

    mine, withdraw = case_routes.self_routes(ROUTES)

    @post(
        "/{application_id:uuid}/evidence",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_REPAIR_APPLY)],
        status_code=200,
        summary="Send the evidence asked for",
    )
    def add_evidence(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        application_id: FromPath[uuid.UUID],
        data: JSONBody[EvidenceAddIn],
    ) -> RepairRead:
        """When the department asked for more evidence; the case goes back to it."""
        audit.own_subject(actor)
        application = repair_service.add_evidence(
            session,
            application_id,
            evidence=files(data.evidence),
            actor=actor,
            settings=settings,
        )
        return _read(session, application)


class ArchiveController(Controller):
    path = "/api/v1/records/{record_id:uuid}/archive"
    tags = ["repair"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.RECORDS_ARCHIVE_READ)],
        summary="A repaired record's archived content",
    )
    def read(
        self, session: SessionDep, actor: ActorDep, record_id: FromPath[uuid.UUID]
    ) -> ArchiveRead:
        """For auditors: the content that left the active store on repair (reading is logged)."""
        content = repair_archive.read_archive(session, record_id, actor=actor)
        return ArchiveRead(record_id=record_id, **content)
