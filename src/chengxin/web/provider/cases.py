"""The provider console's case pages, one definition for every kind of case (issue 21): the
queue with its filter, one case with its decision form, the decision, and an evidence file.

A kind (objections, repair applications, a later one) is a ``CasePages``: its service's
``casework.cases.CaseKind``, where its pages live and what the path names a case, its states,
the API's read model, its outcomes and the decision the form asks for. ``controller()`` makes
the kind's pages from it, each guarded by the same permission as the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from pydantic import BaseModel
from sqlalchemy.orm import Session

from chengxin.casework.cases import CaseKind
from chengxin.casework.routes import evidence_response
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.render import page, see_other

QUEUE_SIZE = 200  # a queue page: the most urgent cases


class DecisionForm(BaseModel):
    """A decision as the console's forms send it; each kind reads the fields it has."""

    outcome: str = ""
    note: str = ""  # objections
    corrected_record_id: str = ""  # objections
    appeal_route: str = ""  # objections
    reasons: str = ""  # repair


Decide = Callable[[Session, uuid.UUID, DecisionForm, Actor, Settings], object]


@dataclass(frozen=True)
class CasePages:
    """One kind of case in the console."""

    kind: CaseKind[Any]  # the service's description: reading, evidence, the queue
    base: str  # where its pages live: ``/console/provider/objections``
    case_id: str  # the path's name of a case (``objection_id``), as the API names it
    queue_template: str
    case_template: str
    states: type[StrEnum]  # the queue's filter
    shown: Callable[[Session, Any, datetime], BaseModel]  # the API's read model of a case
    outcomes: tuple[tuple[str, str], ...]  # the decision form's choices
    decide_permission: Permission
    decide: Decide  # the API's decision, read from the form (raises its DomainError)
    labels: dict[str, str]  # states' and outcomes' words


def _chosen(states: type[StrEnum], value: str) -> StrEnum | None:
    """The state a queue's filter asks for; anything else means every state."""
    try:
        return states(value)
    except ValueError:
        return None


def queue_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    pages: CasePages,
    *,
    status: str,
    overdue: str,
) -> Response[str]:
    """A kind's queue: its cases, most urgent first, open and overdue counts, the filter."""
    found = pages.kind.queue(
        session,
        actor=actor,
        status=_chosen(pages.states, status),
        overdue_only=overdue == "1",
        limit=QUEUE_SIZE,
    )
    now = utcnow()
    values = {
        "items": [pages.shown(session, case, now) for case in found.items],
        "open": found.open,
        "overdue": found.overdue,
        "status": status,
        "only_overdue": overdue == "1",
        "statuses": [s.value for s in pages.states],
        "labels": pages.labels,
    }
    return page(request, pages.queue_template, values)


def case_page(
    request: Request[Any, Any, Any],
    session: Session,
    actor: Actor,
    pages: CasePages,
    case_id: uuid.UUID,
    *,
    form: DecisionForm | None = None,
    error: DomainError | None = None,
) -> Response[str]:
    """One case with its decision form (its reading logged); a refused decision is shown with
    its error and status."""
    case = pages.kind.read(session, case_id, actor=actor)
    values = {
        "case": pages.shown(session, case, utcnow()),
        "form": form or DecisionForm(),
        "error": error,
        "outcomes": pages.outcomes,
        "labels": pages.labels,
        "may_decide": actor.can(pages.decide_permission),
    }
    return page(request, pages.case_template, values, status_code=error.status if error else 200)


def controller(pages: CasePages) -> type[Controller]:
    """The kind's pages: ``base``, ``base/{id}``, its decision and its evidence files. The
    handlers read the case's id from the path by the kind's own name (``pages.case_id``)."""
    read = [page_requires(pages.kind.read_permission)]
    one = f"/{{{pages.case_id}:uuid}}"

    class CaseConsole(Controller):
        path = pages.base

        @get("/", guards=read, sync_to_thread=True)
        def queue(
            self,
            request: Request[Any, Any, Any],
            session: SessionDep,
            actor: ActorDep,
            status: FromQuery[str] = "",
            overdue: FromQuery[str] = "",
        ) -> Response[str]:
            """The cases about my organization's records, most urgent first."""
            return queue_page(request, session, actor, pages, status=status, overdue=overdue)

        @get(one, guards=read, sync_to_thread=True)
        def case(
            self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
        ) -> Response[str]:
            """The case with the person's words and evidence list (its reading is logged)."""
            case_id = request.path_params[pages.case_id]
            return case_page(request, session, actor, pages, case_id)

        @post(
            f"{one}/decision",
            guards=[page_requires(pages.decide_permission)],
            sync_to_thread=True,
        )
        def decide(
            self,
            request: Request[Any, Any, Any],
            session: SessionDep,
            actor: ActorDep,
            settings: SettingsDep,
            data: URLEncodedBody[DecisionForm],
        ) -> Response[Any]:
            """The decision with its note or reasons (as the API)."""
            case_id = request.path_params[pages.case_id]
            try:
                pages.decide(session, case_id, data, actor, settings)
            except DomainError as exc:
                return case_page(request, session, actor, pages, case_id, form=data, error=exc)
            return see_other(f"{pages.base}/{case_id}", notice=n_("已作出决定"))

        @get(f"{one}/evidence/{{evidence_id:uuid}}", guards=read, sync_to_thread=True)
        def evidence(
            self,
            request: Request[Any, Any, Any],
            session: SessionDep,
            actor: ActorDep,
            evidence_id: FromPath[uuid.UUID],
        ) -> Response[bytes]:
            """One evidence file of the case, as an attachment (its reading is logged)."""
            case_id = request.path_params[pages.case_id]
            opened = pages.kind.open_evidence(session, case_id, evidence_id, actor=actor)
            return evidence_response(opened)

    name = f"{pages.base.rsplit('/', 1)[-1].title()}Console"  # ObjectionsConsole, RepairsConsole
    CaseConsole.__name__ = CaseConsole.__qualname__ = name
    return CaseConsole
