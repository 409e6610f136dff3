"""HTTP routes of an organization's inbox of notices."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery

from chengxin.db import utcnow
from chengxin.deps import ActorDep, Limit, Offset, SessionDep
from chengxin.notifications import inbox
from chengxin.notifications.schemas import NoticePage, NoticeRead
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


class NoticeController(Controller):
    path = "/api/v1/notices"
    tags = ["notifications"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.NOTIFICATIONS_NOTICE_READ)],
        summary="My organization's notices",
    )
    def inbox(
        self,
        session: SessionDep,
        actor: ActorDep,
        unread: FromQuery[bool] = False,  # noqa: FBT002
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> NoticePage:
        """Corrections and repairs of records it received; cases due or overdue in its queue."""
        items, count = inbox.inbox(
            session, actor=actor, unread_only=unread, limit=limit, offset=offset
        )
        return NoticePage(items=[NoticeRead.model_validate(n) for n in items], unread=count)

    @post(
        "/{notice_id:uuid}/read",
        sync_to_thread=True,
        guards=[requires(Permission.NOTIFICATIONS_NOTICE_READ)],
        status_code=200,
        summary="Mark a notice read",
    )
    def mark_read(
        self, session: SessionDep, actor: ActorDep, notice_id: FromPath[uuid.UUID]
    ) -> NoticeRead:
        """Only the organization's own notices."""
        return NoticeRead.model_validate(
            inbox.mark_read(session, notice_id, actor=actor, now=utcnow())
        )
