"""HTTP routes of objections and statements: the person's own, and the provider's and operators'
queues with due dates, decisions, evidence and on-time figures."""

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
from chengxin.objections import service as objection_service
from chengxin.objections import statements as statement_service
from chengxin.objections.models import ObjectionRoute, ObjectionStatus, Statement
from chengxin.objections.schemas import (
    FigureRead,
    ObjectionDecisionIn,
    ObjectionIn,
    ObjectionPage,
    ObjectionRead,
    StatementIn,
    StatementRead,
)
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


def _read(session: Any, objection: Any) -> ObjectionRead:
    return ObjectionRead.of(objection_service.view(session, objection), utcnow())


def _statement(session: Any, statement: Statement) -> StatementRead:
    return StatementRead(
        id=statement.id,
        record_id=statement.record_id,
        text=statement_service.text_of(session, statement),
        created_at=statement.created_at,
        withdrawn_at=statement.withdrawn_at,
    )


def _file(
    session: Any, data: ObjectionIn, route: ObjectionRoute, actor: Any, settings: Any
) -> ObjectionRead:
    objection = objection_service.file(
        session,
        record_id=data.record_id,
        reason=data.reason,
        evidence=files(data.evidence),
        route=route,
        actor=actor,
        settings=settings,
    )
    return _read(session, objection)


ROUTES = case_routes.Routes(
    objection_service.KIND,
    case_id="objection_id",
    read=_read,
    read_model=ObjectionRead,
    page_model=ObjectionPage,
    figures=objection_service.figures,
    figure_model=FigureRead,
    states=ObjectionStatus,
    self_permission=Permission.SELF_OBJECTION_FILE,
    summaries={
        "queue": "Objection queue",
        "figures": "Objection on-time rates",
        "detail": "One objection",
        "evidence": "Download an evidence file",
        "mine": "My objections",
        "withdraw": "Withdraw my objection",
    },
    descriptions={
        "queue": "A provider's objections to its own records (operators: all), most urgent first,"
        " with open and overdue counts.",
        "figures": "Per deciding organization: decided, on time, open, overdue (R11 assessment).",
        "detail": "The case with the person's reason and evidence list (its reading is logged).",
        "evidence": "One file of the case (its reading is logged).",
        "mine": "Each with its state, due date, outcome and route of appeal.",
        "withdraw": "Before a decision only.",
    },
)


class ObjectionController(Controller):
    path = "/api/v1/objections"
    tags = ["objections"]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.OBJECTIONS_OBJECTION_FILE)],
        summary="File an objection for a person",
    )
    def file(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: JSONBody[ObjectionIn],
    ) -> ObjectionRead:
        """An operator files for a person (at a service window); the record is in dispute at
        once. `route=platform` when the platform can decide itself (5 working days)."""
        return _file(session, data, data.route, actor, settings)

    queue, figures, detail, evidence = case_routes.staff_routes(ROUTES)

    @post(
        "/{objection_id:uuid}/decision",
        sync_to_thread=True,
        guards=[requires(Permission.OBJECTIONS_OBJECTION_DECIDE)],
        status_code=200,
        summary="Decide an objection",
    )
    def decide(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        objection_id: FromPath[uuid.UUID],
        data: JSONBody[ObjectionDecisionIn],
    ) -> ObjectionRead:
        """Corrected, deleted, upheld or unverifiable; recipients of a corrected or deleted
        record are told; the person is answered with the route of appeal."""
        objection = objection_service.decide(
            session,
            objection_id,
            outcome=data.outcome,
            note=data.note,
            corrected_record_id=data.corrected_record_id,
            appeal_route=data.appeal_route,
            actor=actor,
            settings=settings,
        )
        return _read(session, objection)

    @post(
        "/{objection_id:uuid}/withdraw",
        sync_to_thread=True,
        guards=[requires(Permission.OBJECTIONS_OBJECTION_FILE)],
        status_code=200,
        summary="Withdraw an objection for a person",
    )
    def withdraw(
        self, session: SessionDep, actor: ActorDep, objection_id: FromPath[uuid.UUID]
    ) -> ObjectionRead:
        """At the person's request; the dispute mark goes."""
        return _read(session, objection_service.withdraw(session, objection_id, actor=actor))


class MyObjectionsController(Controller):
    path = "/api/v1/me/objections"
    tags = ["self"]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_OBJECTION_FILE)],
        summary="Object to one of my records",
    )
    def file(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: JSONBody[ObjectionIn],
    ) -> ObjectionRead:
        """The record shows "in dispute" at once; the answer is due within 7 working days."""
        audit.own_subject(actor)
        return _file(session, data, ObjectionRoute.PROVIDER, actor, settings)

    mine, withdraw = case_routes.self_routes(ROUTES)


class MyStatementsController(Controller):
    path = "/api/v1/me/statements"
    tags = ["self"]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_STATEMENT_MANAGE)],
        summary="Add a statement to one of my records",
    )
    def add(
        self, session: SessionDep, actor: ActorDep, data: JSONBody[StatementIn]
    ) -> StatementRead:
        """本人声明: it travels with the record in every report."""
        audit.own_subject(actor)
        statement = statement_service.add(
            session, record_id=data.record_id, text=data.text, actor=actor
        )
        return _statement(session, statement)

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="My statements",
    )
    def mine(self, session: SessionDep, actor: ActorDep) -> list[StatementRead]:
        """Newest first, withdrawn ones included and marked."""
        audit.own_subject(actor)
        return [_statement(session, s) for s in statement_service.mine(session, actor=actor)]

    @post(
        "/{statement_id:uuid}/withdraw",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_STATEMENT_MANAGE)],
        status_code=200,
        summary="Withdraw a statement",
    )
    def withdraw(
        self, session: SessionDep, actor: ActorDep, statement_id: FromPath[uuid.UUID]
    ) -> StatementRead:
        """It no longer travels with the record."""
        audit.own_subject(actor)
        return _statement(session, statement_service.withdraw(session, statement_id, actor=actor))
