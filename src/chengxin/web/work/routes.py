"""The work console's pages: assessments (``assessments``) and tasks (``tasks``)."""

from __future__ import annotations

from litestar import Controller

from chengxin.web.work.assessments import CONTROLLERS as ASSESSMENTS
from chengxin.web.work.tasks import CONTROLLERS as TASKS

CONTROLLERS: list[type[Controller]] = [*ASSESSMENTS, *TASKS]
