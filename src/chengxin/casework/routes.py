"""What the case routes share: the API's staff routes every kind has (the queue, on-time figures,
one case, an evidence file) and the person's own (their cases, a withdrawal), made once from a
``Routes`` description, and the evidence download.

Each kind keeps its HTTP contract: its paths and the name its paths give a case
(``objection_id``), its summaries and descriptions, its states and read models; the handlers
here read the case's id from the path by that name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, PathParameter

from chengxin.audit import service as audit
from chengxin.casework.cases import CaseKind
from chengxin.deps import ActorDep, Limit, Offset, SessionDep
from chengxin.evidence import service as evidence_service
from chengxin.evidence.download import download
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


def evidence_response(opened: evidence_service.OpenedEvidence) -> Response[bytes]:
    """A case's file as an attachment (never under its own name)."""
    return download(opened.content, opened.row.content_type, f"evidence-{opened.row.id}")


@dataclass(frozen=True)
class Routes:
    """A kind's API routes as the shared handlers need them."""

    kind: CaseKind[Any]
    case_id: str  # the paths' name of a case: ``objection_id``
    read: Callable[[Any, Any], Any]  # (session, case) → the kind's read model
    read_model: type  # that model (the routes' documented answer)
    page_model: type  # a queue page of it: ``items``, ``open``, ``overdue``
    figures: Callable[..., list[Any]]  # the service's on-time figures (session, actor=)
    figure_model: Any  # one organization's figures as the API answers them: ``of(figure)``
    states: type  # the queue's ``status`` filter
    self_permission: Permission  # the person filing and withdrawing their own
    summaries: dict[str, str]  # each route's summary, by handler name
    descriptions: dict[str, str]  # and its description


def _documented(fn: Any, routes: Routes, returns: Any, **params: Any) -> Any:
    """``fn`` documented for the kind: its description, its answer and its typed parameters."""
    fn.__doc__ = routes.descriptions[fn.__name__]
    fn.__annotations__ = {**fn.__annotations__, **params, "return": returns}
    return fn


def _generic(alias: Any) -> Any:
    return alias


def staff_routes(routes: Routes) -> tuple[HTTPRouteHandler, ...]:
    """A kind's staff routes every kind has: the queue, the figures, one case, an evidence file."""
    read = [requires(routes.kind.read_permission)]
    one, summary = f"/{{{routes.case_id}:uuid}}", routes.summaries

    def queue(  # noqa: PLR0917  # the query's parameters, by name from Litestar
        self: Any,
        session: SessionDep,
        actor: ActorDep,
        status: Any = None,
        overdue: FromQuery[bool] = False,  # noqa: FBT002
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> Any:
        del self  # a controller's handler: Litestar passes the controller, by this name
        found = routes.kind.queue(
            session, actor=actor, status=status, overdue_only=overdue, limit=limit, offset=offset
        )
        items = [routes.read(session, case) for case in found.items]
        return routes.page_model(items=items, open=found.open, overdue=found.overdue)

    def figures(self: Any, session: SessionDep, actor: ActorDep) -> Any:
        del self  # a controller's handler: Litestar passes the controller, by this name
        return [routes.figure_model.of(figure) for figure in routes.figures(session, actor=actor)]

    def detail(
        self: Any, session: SessionDep, actor: ActorDep, case_id: FromPath[uuid.UUID]
    ) -> Any:
        del self  # a controller's handler: Litestar passes the controller, by this name
        return routes.read(session, routes.kind.read(session, case_id, actor=actor))

    def evidence(
        self: Any,
        session: SessionDep,
        actor: ActorDep,
        case_id: FromPath[uuid.UUID],
        evidence_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        del self  # a controller's handler: Litestar passes the controller, by this name
        opened = routes.kind.open_evidence(session, case_id, evidence_id, actor=actor)
        return evidence_response(opened)

    query, listed = _generic(FromQuery), _generic(list)  # subscripted with the kind's types
    # The case's id under the kind's own name in the path (``objection_id``).
    case_id = Annotated[uuid.UUID, PathParameter(name=routes.case_id)]
    model, status, figure_list = (
        routes.read_model,
        query[routes.states | None],
        listed[routes.figure_model],
    )
    return (
        get("/", sync_to_thread=True, guards=read, summary=summary["queue"])(
            _documented(queue, routes, routes.page_model, status=status)
        ),
        get("/figures", sync_to_thread=True, guards=read, summary=summary["figures"])(
            _documented(figures, routes, figure_list)
        ),
        get(one, sync_to_thread=True, guards=read, summary=summary["detail"])(
            _documented(detail, routes, model, case_id=case_id)
        ),
        get(
            f"{one}/evidence/{{evidence_id:uuid}}",
            sync_to_thread=True,
            guards=read,
            summary=summary["evidence"],
        )(_documented(evidence, routes, Response[bytes], case_id=case_id)),
    )


def self_routes(routes: Routes) -> tuple[HTTPRouteHandler, ...]:
    """A kind's routes for the person every kind has: their cases, and a withdrawal."""

    def mine(self: Any, session: SessionDep, actor: ActorDep) -> Any:
        del self  # a controller's handler: Litestar passes the controller, by this name
        audit.own_subject(actor)
        return [routes.read(session, case) for case in routes.kind.mine(session, actor=actor)]

    def withdraw(
        self: Any, session: SessionDep, actor: ActorDep, case_id: FromPath[uuid.UUID]
    ) -> Any:
        del self  # a controller's handler: Litestar passes the controller, by this name
        audit.own_subject(actor)
        return routes.read(session, routes.kind.withdraw(session, case_id, actor=actor))

    listed, summary = _generic(list), routes.summaries
    case_id = Annotated[uuid.UUID, PathParameter(name=routes.case_id)]
    withdrawing = [requires(routes.self_permission)]
    return (
        get(
            "/",
            sync_to_thread=True,
            guards=[requires(Permission.SELF_DATA_READ)],
            summary=summary["mine"],
        )(_documented(mine, routes, listed[routes.read_model])),
        post(
            f"/{{{routes.case_id}:uuid}}/withdraw",
            sync_to_thread=True,
            guards=withdrawing,
            status_code=200,
            summary=summary["withdraw"],
        )(_documented(withdraw, routes, routes.read_model, case_id=case_id)),
    )
