"""What every oversight page shares: the console frame and the period / language helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response

from chengxin.security.actor import Actor
from chengxin.web.operator.menu import side_menu
from chengxin.web.render import page

BASE = "/console/operator"
FOLDER = "operator/oversight"


def oversight_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response[str]:
    """A page of the oversight console, in the operator frame with this actor's side menu."""
    return page(
        request,
        f"{FOLDER}/{template}",
        {"side": side_menu(actor), **(values or {})},
        status_code=status_code,
        actor=actor,
    )
