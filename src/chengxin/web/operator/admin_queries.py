"""The review queue of registered queries (/console/operator/queries): queries a review rule held,
with their purpose, scene and the permission-list lines (basis) they rest on; release or refuse
with a reason.

Mirrors ``access/routes.py`` (``AccessController.reviews`` and ``decide``): the same
``queries.list_queries`` within the reviewer's region, and ``queries.decide``.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from pydantic import BaseModel

from chengxin.access import policy, queries
from chengxin.access.models import Query, QueryStatus
from chengxin.access.scenes import SCENES
from chengxin.access.schemas import DecisionIn
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep
from chengxin.errors import DomainError
from chengxin.organizations import service as organization_service
from chengxin.security.permissions import Permission
from chengxin.web.forms import parse
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.frame import console_page
from chengxin.web.render import see_other
from chengxin.workdays.days import day_of

BASE = "/console/operator/queries"
QUEUE_SIZE = 100
NOT_FOUND = 404
REVIEW = [page_requires(Permission.ACCESS_QUERY_REVIEW)]

REASON_LABELS = {
    "bulk": n_("批量查询"),
    "restricted-kinds": n_("涉及受限信息类别"),
    "new-scene": n_("首次在该场景查询"),
}


class DecisionForm(BaseModel):
    decision: str = ""
    reason: str = ""


def _row(session: SessionDep, query: Query) -> dict[str, Any]:
    """A queued query with its organization and the permission-list lines of its scene."""
    org = organization_service.get(session, query.organization_id)
    today = day_of(utcnow())
    lines = [
        r
        for r in policy.rules_of(session, query.organization_id, on=today)
        if r.scene == query.scene
    ]
    return {"query": query, "organization": org, "basis": [r.basis for r in lines]}


class QueryReviewPages(Controller):
    path = BASE

    @get("/", guards=REVIEW, sync_to_thread=True)
    def queue(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """Queries waiting for review, newest first."""
        return self._queue(request, session, actor)

    def _queue(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        *,
        error: DomainError | None = None,
        failed: uuid.UUID | None = None,
        form: DecisionForm | None = None,
    ) -> Response[str]:
        rows = queries.list_queries(
            session, actor=actor, status=QueryStatus.PENDING_REVIEW, limit=QUEUE_SIZE, offset=0
        )
        return console_page(
            request,
            actor,
            "operator/admin/queries.html",
            {
                "rows": [_row(session, q) for q in rows],
                "scenes": SCENES,
                "reason_labels": REASON_LABELS,
                "error": error,
                "failed": failed,
                "error_on_card": failed in {q.id for q in rows},
                "form": form or DecisionForm(),
            },
            status_code=error.status if error else 200,
        )

    @post("/{query_id:uuid}/decide", guards=REVIEW, sync_to_thread=True)
    def decide(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        query_id: FromPath[uuid.UUID],
        data: URLEncodedBody[DecisionForm],
    ) -> Response[Any]:
        """Release (approve) or refuse, with the reason (``queries.decide``)."""
        try:
            body = parse(
                DecisionIn,
                {
                    "approve": {"approve": True, "refuse": False}.get(data.decision),
                    "reason": data.reason,
                },
                omit_blank=True,
            )
            queries.decide(session, query_id, approve=body.approve, reason=body.reason, actor=actor)
        except DomainError as exc:
            if exc.status == NOT_FOUND:
                raise
            session.rollback()
            return self._queue(request, session, actor, error=exc, failed=query_id, form=data)
        notice = n_("已放行") if body.approve else n_("已拒绝")
        return see_other(BASE, notice=notice)


CONTROLLERS: list[type[Controller]] = [QueryReviewPages]
