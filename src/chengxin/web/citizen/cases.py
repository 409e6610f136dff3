"""Pages of the citizen: objections and credit repair, with evidence uploads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, MultipartBody

from chengxin.audit import service as audit
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.evidence import service as evidence_service
from chengxin.objections import service as objection_service
from chengxin.objections.models import OPEN_STATUSES, ObjectionRoute
from chengxin.objections.routes import evidence_response
from chengxin.objections.schemas import ObjectionIn
from chengxin.repair import eligibility as repair_eligibility
from chengxin.repair import service as repair_service
from chengxin.repair.models import OPEN_REPAIR_STATUSES
from chengxin.repair.schemas import EligibilityRead, RepairIn
from chengxin.security.permissions import Permission
from chengxin.web.citizen.common import (
    READ,
    kind_names,
    objection_read,
    page_lang,
    record_options,
    repair_read,
    show,
)
from chengxin.web.citizen.labels import LABELS
from chengxin.web.citizen.listed import my_lists
from chengxin.web.citizen.pages import (
    evidence_files,
    my_records,
    uuid_or_none,
)
from chengxin.web.forms import parse
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.render import see_other

# -- objections ------------------------------------------------------------------------------------


@dataclass
class ObjectionForm:
    record_id: str = ""
    reason: str = ""
    evidence: list[UploadFile] = field(default_factory=list)


class CitizenObjections(Controller):
    path = "/me/objections"

    @get("/", guards=READ, sync_to_thread=True)
    def index(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        audit.own_subject(actor)
        items = [objection_read(session, o) for o in objection_service.mine(session, actor=actor)]
        return show(
            request,
            "objections.html",
            {"items": items, "kinds": kind_names(session, page_lang(request))},
        )

    @staticmethod
    def _form(
        request: Request[Any, Any, Any],
        session: Any,
        actor: Any,
        values: dict[str, Any],
        *,
        status_code: int = 200,
    ) -> Response[str]:
        """The form with the records to choose from and, below it, the lists the person is on
        or about to be on (their credit state) with how to object to each."""
        lang = page_lang(request)
        records = record_options(session, actor, lang)
        return show(
            request,
            "objection_new.html",
            {
                "records": records,
                "record_labels": dict(records),
                "lists": my_lists(session, actor, lang),
                **values,
            },
            status_code=status_code,
        )

    @get("/new", guards=[page_requires(Permission.SELF_OBJECTION_FILE)], sync_to_thread=True)
    def new(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        record_id: FromQuery[str] = "",
    ) -> Response[str]:
        """A record to object to; and the person's lists, each with its way to object."""
        return self._form(request, session, actor, {"record_id": record_id, "reason": ""})

    @post("/new", guards=[page_requires(Permission.SELF_OBJECTION_FILE)], sync_to_thread=True)
    def file(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: MultipartBody[ObjectionForm],
    ) -> Response[Any]:
        """As ``POST /api/v1/me/objections``: the record is in dispute at once."""
        try:
            audit.own_subject(actor)
            form = parse(
                ObjectionIn, {"record_id": data.record_id.strip() or None, "reason": data.reason}
            )
            objection = objection_service.file(
                session,
                record_id=form.record_id,
                reason=form.reason,
                evidence=evidence_files(data.evidence),
                route=ObjectionRoute.PROVIDER,
                actor=actor,
                settings=settings,
            )
        except DomainError as exc:
            session.rollback()
            return self._form(
                request,
                session,
                actor,
                {"record_id": data.record_id, "reason": data.reason, "error": exc},
                status_code=exc.status,
            )
        return see_other(f"/me/objections/{objection.id}", notice=n_("已提交"))

    @get("/{objection_id:uuid}", guards=READ, sync_to_thread=True)
    def detail(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        objection_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        audit.own_subject(actor)
        shown = objection_read(session, objection_service.get(session, objection_id, actor=actor))
        return show(
            request,
            "objection.html",
            {"o": shown, "kinds": kind_names(session, page_lang(request)), "open": OPEN_STATUSES},
        )

    @post(
        "/{objection_id:uuid}/withdraw",
        guards=[page_requires(Permission.SELF_OBJECTION_FILE)],
        sync_to_thread=True,
    )
    def withdraw(
        self, session: SessionDep, actor: ActorDep, objection_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        audit.own_subject(actor)
        objection_service.withdraw(session, objection_id, actor=actor)
        return see_other(f"/me/objections/{objection_id}", notice=n_("已撤回"))

    @get("/{objection_id:uuid}/evidence/{evidence_id:uuid}", guards=READ, sync_to_thread=True)
    def evidence(
        self,
        session: SessionDep,
        actor: ActorDep,
        objection_id: FromPath[uuid.UUID],
        evidence_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """A file I sent, as the API's evidence route gives it."""
        objection = objection_service.get(session, objection_id, actor=actor)
        return evidence_response(evidence_service.open_file(session, objection.id, evidence_id))


# -- repairs ---------------------------------------------------------------------------------------


@dataclass
class RepairForm:
    record_id: str = ""
    basis: str = ""
    explanation: str = ""
    commitment_accepted: str = ""
    evidence: list[UploadFile] = field(default_factory=list)


@dataclass
class EvidenceForm:
    evidence: list[UploadFile] = field(default_factory=list)


REPAIR_APPLY = [page_requires(Permission.SELF_REPAIR_APPLY)]


class CitizenRepairs(Controller):
    path = "/me/repairs"

    @get("/", guards=READ, sync_to_thread=True)
    def index(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        audit.own_subject(actor)
        items = [repair_read(session, a) for a in repair_service.mine(session, actor=actor)]
        lang = page_lang(request)
        records = [r for r in my_records(session, actor) if r.record.category == "dishonest"]
        return show(
            request,
            "repairs.html",
            {"items": items, "kinds": kind_names(session, lang), "records": records},
        )

    def _form(  # the application form, with the service's answer on eligibility
        self,
        request: Request[Any, Any, Any],
        session: Any,
        actor: Any,
        settings: Any,
        values: dict[str, Any],
        *,
        status_code: int = 200,
    ) -> Response[str]:
        record_id = uuid_or_none(values.get("record_id", ""))
        eligibility = None
        if record_id is not None:
            found = repair_eligibility.eligibility_of(
                session, record_id, actor=actor, settings=settings
            )
            eligibility = EligibilityRead.of(found, repair_service.COMMITMENT_TEXT)
        lang = page_lang(request)
        return show(
            request,
            "repair_new.html",
            {
                "records": [
                    (str(r.record.id), r.label(lang))
                    for r in my_records(session, actor)
                    if r.record.category == "dishonest"
                ],
                "eligibility": eligibility,
                "commitment_text": repair_service.COMMITMENT_TEXT,
                "bases": list(LABELS["repair_basis"].items()),
                "record_id": "",
                "basis": "",
                "explanation": "",
                "error": None,
                **values,
            },
            status_code=status_code,
        )

    @get("/new", guards=REPAIR_APPLY, sync_to_thread=True)
    def new(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        record_id: FromQuery[str] = "",
    ) -> Response[str]:
        """Choose a record; the service answers whether it can be repaired, and why."""
        audit.own_subject(actor)
        try:
            return self._form(request, session, actor, settings, {"record_id": record_id})
        except DomainError as exc:
            return self._form(
                request, session, actor, settings, {"error": exc}, status_code=exc.status
            )

    @post("/new", guards=REPAIR_APPLY, sync_to_thread=True)
    def apply(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: MultipartBody[RepairForm],
    ) -> Response[Any]:
        """As ``POST /api/v1/me/repairs``: acknowledged at once."""
        try:
            audit.own_subject(actor)
            form = parse(
                RepairIn,
                {
                    "record_id": data.record_id.strip() or None,
                    "basis": data.basis or None,
                    "explanation": data.explanation,
                    "commitment_accepted": data.commitment_accepted == "yes",
                },
            )
            application = repair_service.apply(
                session,
                record_id=form.record_id,
                basis=form.basis,
                explanation=form.explanation,
                commitment_accepted=form.commitment_accepted,
                evidence=evidence_files(data.evidence),
                actor=actor,
                settings=settings,
            )
        except DomainError as exc:
            session.rollback()
            values = {
                "record_id": data.record_id,
                "basis": data.basis,
                "explanation": data.explanation,
                "error": exc,
            }
            try:
                return self._form(request, session, actor, settings, values, status_code=exc.status)
            except DomainError:
                values["record_id"] = ""
                return self._form(request, session, actor, settings, values, status_code=exc.status)
        return see_other(f"/me/repairs/{application.id}", notice=n_("已提交"))

    @get("/{application_id:uuid}", guards=READ, sync_to_thread=True)
    def detail(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        application_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        audit.own_subject(actor)
        return self._repair(request, session, actor, application_id)

    def _repair(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        application_id: uuid.UUID,
        error: DomainError | None = None,
    ) -> Response[str]:
        """The application's page (again with ``error`` beside the evidence form)."""
        shown = repair_read(session, repair_service.get(session, application_id, actor=actor))
        return show(
            request,
            "repair.html",
            {
                "a": shown,
                "kinds": kind_names(session, page_lang(request)),
                "open": OPEN_REPAIR_STATUSES,
                "error": error,
            },
            status_code=error.status if error else 200,
        )

    @post("/{application_id:uuid}/evidence", guards=REPAIR_APPLY, sync_to_thread=True)
    def add_evidence(  # noqa: PLR0917  # the page's dependencies, by name from Litestar
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        application_id: FromPath[uuid.UUID],
        data: MultipartBody[EvidenceForm],
    ) -> Response[Any]:
        """When the department asked for more evidence (``/api/v1/me/repairs/{id}/evidence``)."""
        audit.own_subject(actor)
        try:
            repair_service.add_evidence(
                session,
                application_id,
                evidence=evidence_files(data.evidence),
                actor=actor,
                settings=settings,
            )
        except DomainError as exc:
            session.rollback()
            return self._repair(request, session, actor, application_id, exc)
        return see_other(f"/me/repairs/{application_id}", notice=n_("已提交"))

    @post("/{application_id:uuid}/withdraw", guards=REPAIR_APPLY, sync_to_thread=True)
    def withdraw(
        self, session: SessionDep, actor: ActorDep, application_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        audit.own_subject(actor)
        repair_service.withdraw(session, application_id, actor=actor)
        return see_other(f"/me/repairs/{application_id}", notice=n_("已撤回"))
