"""HTTP routes of task tracking: the office records, plans and closes tasks; the units on a task
report progress with files; everyone reads the tasks in their scope."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from chengxin.deps import ActorDep, Limit, Offset, SessionDep
from chengxin.evidence.download import download
from chengxin.evidence.schemas import files
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.tracking import service as tracking_service
from chengxin.tracking.models import TaskStatus
from chengxin.tracking.schemas import (
    CloseIn,
    MilestoneIn,
    ProgressIn,
    TaskCreate,
    TaskPage,
    TaskRead,
)


def attachment_response(opened: tracking_service.OpenedAttachment) -> Response[bytes]:
    """A report's file as an attachment (never under its own name: it may name a person)."""
    return download(opened.content, opened.row.content_type, f"attachment-{opened.row.id}")


def _read(session: SessionDep, actor: ActorDep, task_id: uuid.UUID) -> TaskRead:
    task = tracking_service.get_or_raise(session, task_id, actor=actor)
    return TaskRead.of(tracking_service.view(session, task, actor=actor))


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["tracking"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.TRACKING_TASK_READ)],
        summary="Tasks",
    )
    def tasks(  # noqa: PLR0917
        self,
        session: SessionDep,
        actor: ActorDep,
        status: FromQuery[TaskStatus | None] = None,
        overdue: FromQuery[bool] = False,  # noqa: FBT002
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> TaskPage:
        """Tasks in scope (the office: all; a unit: its own), open first by next due day."""
        return TaskPage.of(
            tracking_service.listing(
                session,
                actor=actor,
                status=status.value if status else None,
                overdue_only=overdue,
                limit=limit,
                offset=offset,
            )
        )

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.TRACKING_TASK_MANAGE)],
        status_code=201,
        summary="Record a task",
    )
    def create(self, session: SessionDep, actor: ActorDep, data: JSONBody[TaskCreate]) -> TaskRead:
        """The provincial office records a task (by hand, or from an assessment's finding) with
        its lead and responsible units and milestones."""
        task = tracking_service.create(session, data.value(), actor=actor)
        return TaskRead.of(tracking_service.view(session, task, actor=actor))

    @get(
        "/{task_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.TRACKING_TASK_READ)],
        summary="One task",
    )
    def task(self, session: SessionDep, actor: ActorDep, task_id: FromPath[uuid.UUID]) -> TaskRead:
        """Units, milestones with due days and state, and progress reports with their files."""
        return _read(session, actor, task_id)

    @post(
        "/{task_id:uuid}/milestones",
        sync_to_thread=True,
        guards=[requires(Permission.TRACKING_TASK_MANAGE)],
        status_code=201,
        summary="Add a milestone",
    )
    def add_milestone(
        self,
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
        data: JSONBody[MilestoneIn],
    ) -> TaskRead:
        """Due on a day, or a number of working days after a start day (the working-day
        calendar)."""
        tracking_service.add_milestone(session, task_id, data.value(), actor=actor)
        return _read(session, actor, task_id)

    @post(
        "/{task_id:uuid}/progress",
        sync_to_thread=True,
        guards=[requires(Permission.TRACKING_PROGRESS_REPORT)],
        status_code=201,
        summary="Report progress",
    )
    def report(
        self,
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
        data: JSONBody[ProgressIn],
    ) -> TaskRead:
        """A unit on the task reports what it did, optionally completing a milestone, with files
        (PDF, JPEG or PNG in base64, at most 10 of 5 MB)."""
        tracking_service.report(
            session,
            task_id,
            text=data.text,
            milestone_id=data.milestone_id,
            files=files(data.attachments),
            actor=actor,
        )
        return _read(session, actor, task_id)

    @get(
        "/{task_id:uuid}/attachments/{attachment_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.TRACKING_TASK_READ)],
        summary="Download a progress report's file",
    )
    def attachment(
        self,
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
        attachment_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """For whoever may see the task (the download is logged)."""
        return attachment_response(
            tracking_service.open_attachment(session, task_id, attachment_id, actor=actor)
        )

    @post(
        "/{task_id:uuid}/close",
        sync_to_thread=True,
        guards=[requires(Permission.TRACKING_TASK_MANAGE)],
        status_code=200,
        summary="Close a task",
    )
    def close(
        self,
        session: SessionDep,
        actor: ActorDep,
        task_id: FromPath[uuid.UUID],
        data: JSONBody[CloseIn],
    ) -> TaskRead:
        """The office closes a task with a note; one from a finding links back to it."""
        tracking_service.close(session, task_id, note=data.note, actor=actor)
        return _read(session, actor, task_id)
