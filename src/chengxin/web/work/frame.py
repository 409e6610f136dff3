"""The work console's frame: its side menu and the page renderer every page of it uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response

from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission as P  # noqa: N817  # as in security/roles.py
from chengxin.web.i18n import n_
from chengxin.web.nav import MenuItem
from chengxin.web.render import page

BASE = "/console/work"
ASSESSMENTS = f"{BASE}/assessments"
TASKS = f"{BASE}/tasks"

ITEMS: tuple[tuple[MenuItem, P], ...] = (
    (MenuItem(n_("考核评估"), ASSESSMENTS), P.ASSESSMENT_ASSESSMENT_READ),
    (MenuItem(n_("任务督办"), TASKS), P.TRACKING_TASK_READ),
)


def side_menu(actor: Actor) -> list[MenuItem]:
    """The pages of this console the actor may open."""
    return [item for item, permission in ITEMS if actor.can(permission)]


def work_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response[str]:
    """A page in the work console's frame; ``template`` is under ``web/templates/work/``."""
    return page(
        request,
        f"work/{template}",
        {"side": side_menu(actor), **(values or {})},
        status_code=status_code,
        actor=actor,
    )
