"""The operator console's frame: every operator page (administration, oversight, the portal's
content editor) is rendered here, with the side menu of the pages this actor may open."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response

from chengxin.security.actor import Actor
from chengxin.web.operator.menu import side_menu
from chengxin.web.render import page

BASE = "/console/operator"


def console_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response[str]:
    """A page in the operator frame; ``template`` is under ``web/templates/``
    (``operator/admin/…``, ``operator/oversight/…``, ``portal/admin/…``)."""
    return page(
        request,
        template,
        {"side": side_menu(actor), **(values or {})},
        status_code=status_code,
        actor=actor,
    )
