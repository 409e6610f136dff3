"""Pages of the citizen: objections and credit repair, with evidence uploads.

What a person does the same way with every kind of case (see one, withdraw it) is written once,
``case_routes()``, and each kind's pages add what is their own (filing, eligibility, evidence)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, MultipartBody

from chengxin.audit import service as audit
from chengxin.casework.cases import CaseKind
from chengxin.casework.routes import evidence_response
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.evidence import service as evidence_service
from chengxin.objections import service as objection_service
from chengxin.objections.models import OPEN_STATUSES, ObjectionRoute
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

# -- every kind of case ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePages:
    """One kind of case in the person's pages."""

    kind: CaseKind[Any]  # the service's description (``get``: the person's own only)
    base: str  # ``/me/objections``
    case_id: str  # the path's name of a case (``objection_id``), as the API names it
    template: str  # one case's page
    name: str  # what the template calls the case (``o``)
    shown: Callable[[Any, Any], Any]  # the API's read model of a case
    open: tuple[str, ...]  # states in which the person may still withdraw
    withdraw: Callable[..., Any]  # the service's withdrawal (session, id, actor=)
    file_permission: Permission  # filing, sending evidence and withdrawing


def case_page(
    request: Request[Any, Any, Any],
    session: Any,
    actor: Any,
    pages: CasePages,
    case_id: uuid.UUID,
    *,
    error: DomainError | None = None,
) -> Response[str]:
    """One of the person's cases (again with ``error`` beside a refused form)."""
    shown = pages.shown(session, pages.kind.get(session, case_id, actor=actor))
    values = {
        pages.name: shown,
        "kinds": kind_names(session, page_lang(request)),
        "open": pages.open,
        "error": error,
    }
    return show(request, pages.template, values, status_code=error.status if error else 200)


def detail_route(pages: CasePages) -> HTTPRouteHandler:
    """The page of one of the person's cases."""

    def detail(
        self: Controller, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        del self  # a controller's handler: Litestar passes the controller, by this name
        audit.own_subject(actor)
        return case_page(request, session, actor, pages, request.path_params[pages.case_id])

    return get(f"/{{{pages.case_id}:uuid}}", guards=READ, sync_to_thread=True)(detail)


def withdraw_route(pages: CasePages) -> HTTPRouteHandler:
    """The person withdraws their case (before a decision)."""

    def withdraw(
        self: Controller, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[Any]:
        del self  # a controller's handler: Litestar passes the controller, by this name
        audit.own_subject(actor)
        case_id = request.path_params[pages.case_id]
        pages.withdraw(session, case_id, actor=actor)
        return see_other(f"{pages.base}/{case_id}", notice=n_("已撤回"))

    guards = [page_requires(pages.file_permission)]
    return post(f"/{{{pages.case_id}:uuid}}/withdraw", guards=guards, sync_to_thread=True)(withdraw)


# -- objections ------------------------------------------------------------------------------------

OBJECTIONS = CasePages(
    objection_service.KIND,
    base="/me/objections",
    case_id="objection_id",
    template="objection.html",
    name="o",
    shown=objection_read,
    open=OPEN_STATUSES,
    withdraw=objection_service.withdraw,
    file_permission=Permission.SELF_OBJECTION_FILE,
)


@dataclass
class ObjectionForm:
    record_id: str = ""
    reason: str = ""
    evidence: list[UploadFile] = field(default_factory=list)


class CitizenObjections(Controller):
    path = OBJECTIONS.base
    detail = detail_route(OBJECTIONS)
    withdraw = withdraw_route(OBJECTIONS)

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

    @get("/{objection_id:uuid}/evidence/{evidence_id:uuid}", guards=READ, sync_to_thread=True)
    def evidence(
        self,
        session: SessionDep,
        actor: ActorDep,
        objection_id: FromPath[uuid.UUID],
        evidence_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """A file I sent, as the API's evidence route gives it."""
        objection = OBJECTIONS.kind.get(session, objection_id, actor=actor)
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
REPAIRS = CasePages(
    repair_service.KIND,
    base="/me/repairs",
    case_id="application_id",
    template="repair.html",
    name="a",
    shown=repair_read,
    open=OPEN_REPAIR_STATUSES,
    withdraw=repair_service.withdraw,
    file_permission=Permission.SELF_REPAIR_APPLY,
)


class CitizenRepairs(Controller):
    path = REPAIRS.base
    detail = detail_route(REPAIRS)
    withdraw = withdraw_route(REPAIRS)

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
            return case_page(request, session, actor, REPAIRS, application_id, error=exc)
        return see_other(f"/me/repairs/{application_id}", notice=n_("已提交"))
