"""The tips queue (/console/operator/tips, 举报): tips routed to the operator (operators see
every queue), those due first; one tip opened (the opening is logged), and its handling: start,
close with an outcome, or route to the competent organization, with a note the submitter sees.

Mirrors ``tips/routes.py`` (``TipController``): ``tip_service.queue``, ``open_tip`` and
``change_state``, with the API's ``TipStateIn`` as the form's contract.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from pydantic import BaseModel

from chengxin.db import utcnow
from chengxin.deps import ActorDep, Offset, SessionDep
from chengxin.errors import DomainError
from chengxin.lists import types as list_types
from chengxin.organizations import service as organization_service
from chengxin.security.permissions import Permission
from chengxin.tips import service as tip_service
from chengxin.tips.models import TipOutcome, TipStatus
from chengxin.tips.schemas import TipStateIn
from chengxin.web.forms import parse
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.frame import console_page
from chengxin.web.render import see_other

BASE = "/console/operator/tips"
PAGE_SIZE = 50
NOT_FOUND = 404

STATUS_LABELS = {
    TipStatus.RECEIVED.value: n_("已接收"),
    TipStatus.ROUTED.value: n_("已分办"),
    TipStatus.IN_PROGRESS.value: n_("办理中"),
    TipStatus.CLOSED.value: n_("已办结"),
}
OUTCOME_LABELS = {
    TipOutcome.SUBSTANTIATED.value: n_("属实"),
    TipOutcome.UNSUBSTANTIATED.value: n_("不属实或无法查实"),
    TipOutcome.TRANSFERRED.value: n_("已移送"),
}
OTHER = n_("其他事项")


class StateForm(BaseModel):
    state: str = ""
    outcome: str = ""
    public_note: str = ""
    organization_id: str = ""


def domain_name(code: str, lang: str) -> str:
    """The list a tip is about (its English name in English), or "other"."""
    found = list_types.get(code)
    if found is None:
        return OTHER
    return found.name_en if lang == "en" else found.name_zh


class TipPages(Controller):
    path = BASE

    @get("/", guards=[page_requires(Permission.TIPS_TIP_READ)], sync_to_thread=True)
    def queue(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        status: FromQuery[str] = "",
        offset: FromQuery[Offset] = 0,
    ) -> Response[str]:
        """Tips, those due first; no content in the list (``tip_service.queue``)."""
        chosen = TipStatus(status) if status in STATUS_LABELS else None
        found = tip_service.queue(
            session, actor=actor, status=chosen, limit=PAGE_SIZE, offset=offset
        )
        return console_page(
            request,
            actor,
            "operator/admin/tips.html",
            {
                "page": found,
                "status": chosen.value if chosen else "",
                "offset": offset,
                "page_size": PAGE_SIZE,
                "labels": STATUS_LABELS,
                "outcomes": OUTCOME_LABELS,
                "domain_name": domain_name,
                "now": utcnow(),
            },
        )

    @get("/{tip_id:uuid}", guards=[page_requires(Permission.TIPS_TIP_READ)], sync_to_thread=True)
    def tip(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        tip_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """One tip: content, contact and history (``tip_service.open_tip``: the opening is
        logged)."""
        return self._tip(request, session, actor, tip_id)

    def _tip(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        tip_id: uuid.UUID,
        *,
        error: DomainError | None = None,
        form: StateForm | None = None,
    ) -> Response[str]:
        shown = tip_service.open_tip(session, tip_id, actor=actor)
        return console_page(
            request,
            actor,
            "operator/admin/tip.html",
            {
                "shown": shown,
                "tip": shown.tip,
                "labels": STATUS_LABELS,
                "outcomes": OUTCOME_LABELS,
                "domain_name": domain_name,
                "organization": organization_service.get(session, shown.tip.organization_id),
                "organizations": organization_service.list_all(session, limit=1000),
                "may_handle": actor.can(Permission.TIPS_TIP_HANDLE),
                "error": error,
                "form": form or StateForm(),
            },
            status_code=error.status if error else 200,
        )

    @post(
        "/{tip_id:uuid}/state",
        guards=[page_requires(Permission.TIPS_TIP_HANDLE)],
        sync_to_thread=True,
    )
    def change_state(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        tip_id: FromPath[uuid.UUID],
        data: URLEncodedBody[StateForm],
    ) -> Response[Any]:
        """Start on, close with an outcome, or route (``tip_service.change_state``)."""
        try:
            body = parse(TipStateIn, data.model_dump(), omit_blank=True)
            tip_service.change_state(
                session,
                tip_id,
                state=body.state,
                outcome=body.outcome,
                note=body.public_note,
                organization_id=body.organization_id,
                actor=actor,
            )
        except DomainError as exc:
            if exc.status == NOT_FOUND:
                raise
            session.rollback()
            return self._tip(request, session, actor, tip_id, error=exc, form=data)
        return see_other(f"{BASE}/{tip_id}", notice=n_("已更新办理状态"))


CONTROLLERS: list[type[Controller]] = [TipPages]
