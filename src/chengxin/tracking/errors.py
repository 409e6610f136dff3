"""Task-tracking errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound


class TaskNotFound(NotFound):
    code = "task-not-found"
    title = "No such task"


class TaskInvalid(InvalidInput):
    code = "task-invalid"
    title = "The task is not complete or not consistent"


class TaskClosed(Conflict):
    code = "task-closed"
    title = "The task is closed"


class NotATaskUnit(Forbidden):
    code = "not-a-task-unit"
    title = "Only the lead and responsible units of a task report on it"


class AttachmentNotFound(NotFound):
    code = "task-attachment-not-found"
    title = "No such attachment on this task"
