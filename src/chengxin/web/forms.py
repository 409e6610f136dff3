"""Form bodies of the pages.

A handler takes ``data: URLEncodedBody[SomeForm]`` (or ``MultipartBody[…]`` with an
``UploadFile`` field for files), from ``litestar.params``. A page's form model has ``str`` fields
defaulting to ``""`` (a browser sends what it has), and the service decides what is valid: its
``DomainError`` is shown beside the form (``_macros.html``'s ``problem``), as the API would answer
it, with the same stable code.

Every area checks a form the same way: ``parse`` reads the values with the API's own pydantic
input schema (the same limits as a JSON body), and ``attempt`` runs the action, re-showing the
form on a ``DomainError`` and answering otherwise (usually a 303 with a notice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from litestar import Response
from litestar.datastructures import UploadFile
from pydantic import BaseModel, ConfigDict, ValidationError

from chengxin.errors import DomainError, InvalidInput

Schema = TypeVar("Schema", bound=BaseModel)
Done = TypeVar("Done")


def parse(schema: type[Schema], values: Mapping[str, Any], *, omit_blank: bool = False) -> Schema:
    """The API's input schema read from a form's values; ``invalid-input`` otherwise, naming the
    fields (never their values: they may be personal data) and listing ``errors`` as the API's
    validation problem does. ``omit_blank`` treats ``""`` and ``None`` as not sent, so the schema's
    defaults apply (operator forms send every field, filled or not)."""
    if omit_blank:
        values = {k: v for k, v in values.items() if v is not None and v != ""}
    try:
        return schema.model_validate(dict(values))
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
        fields = sorted({e["field"] for e in errors})
        raise InvalidInput(f"check these fields: {', '.join(fields)}", errors=errors) from None


def attempt(
    action: Callable[[], Done],
    *,
    on_error: Callable[[DomainError], Response[Any]],
    then: Callable[[Done], Response[Any]],
) -> Response[Any]:
    """Run a form's action: ``then`` its result (a redirect with a notice, a page), or, when the
    service refuses it, ``on_error`` (the form again, with the error and its status)."""
    try:
        done = action()
    except DomainError as exc:
        return on_error(exc)
    return then(done)


def as_list(value: Any) -> list[str]:
    """A form field that may repeat (checkboxes): none, one or many values, as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v != ""]


def local_path(path: str) -> str:
    """Only a local path is followed after a form (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


MAX_SOURCE = 200_000  # an uploaded YAML document (ruleset, indicator set), as the API's


class SourceForm(BaseModel):
    """A YAML document pasted into ``source`` or uploaded as ``file``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: str = ""
    file: UploadFile | None = None


def source_text(data: SourceForm, invalid: Callable[[str], DomainError], what: str) -> str:
    """The text of an uploaded file (UTF-8), else the text pasted; ``invalid(detail)`` is raised
    for a file that is not UTF-8 or a text outside 10 to ``MAX_SOURCE`` characters."""
    if data.file is not None and data.file.filename:
        raw = data.file.file.read(MAX_SOURCE + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise invalid("the file is not UTF-8 text") from None
    else:
        text = data.source
    if len(text.strip()) < 10 or len(text) > MAX_SOURCE:  # noqa: PLR2004
        raise invalid(f"{what} is YAML of 10 to 200,000 characters")
    return text
