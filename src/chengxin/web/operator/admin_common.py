"""What the administration pages share: the API's own input schemas applied to a form, and the
values every administration template receives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from litestar import Request, Response
from pydantic import BaseModel, ValidationError

from chengxin.errors import InvalidInput
from chengxin.security.actor import Actor
from chengxin.web.operator.menu import side_menu
from chengxin.web.render import page

M = TypeVar("M", bound=BaseModel)


def api_input(schema: type[M], values: Mapping[str, Any]) -> M:
    """The API's request schema built from a form's values: a form is held to the same contract
    as a JSON body, and refused with the API's ``invalid-input`` when it does not meet it."""
    cleaned = {k: (v if v != "" else None) for k, v in values.items()}
    try:
        return schema.model_validate({k: v for k, v in cleaned.items() if v is not None})
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(form)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        ]
        raise InvalidInput("; ".join(problems)) from None


def as_list(value: Any) -> list[str]:
    """A form field that may repeat (checkboxes): none, one or many values, as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v != ""]


def console_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    template: str,
    values: Mapping[str, Any],
    *,
    status_code: int = 200,
) -> Response[str]:
    """An administration page in the operator console's frame (its side menu)."""
    return page(
        request,
        f"operator/admin/{template}",
        {"side": side_menu(actor), **values},
        status_code=status_code,
        actor=actor,
    )
