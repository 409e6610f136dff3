"""Bounds every request meets before its handler runs (issue 23, finding 7), in one place:

- a route that takes JSON refuses a body of another content type: 415 ``unsupported-media-type``
  (a ``text/plain`` body was parsed as JSON); a body without a Content-Type is taken as JSON, as
  before; routes that take files or forms keep theirs;
- a JSON body nested deeper than ``request_json_max_depth`` is refused on its raw bytes, before it
  is decoded: 400 ``json-too-deep`` (a login body nested 5,000 levels deep was a RecursionError);
- an ``offset`` past ``deps.MAX_OFFSET`` is a 422 naming it, on every list route, including
  those whose parameter is not (yet) of the shared ``deps.Offset`` type.

A route that reads a JSON body itself (``request.body()``) says so with ``opt={JSON_BODY: True}``,
or is named in ``READS_JSON_ITSELF``, to get the content type check; one that also reads it with
a size limit of its own (``request_max_body_size=None``) parses it with its own limits too.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler

from chengxin.deps import MAX_OFFSET
from chengxin.errors import DomainError

JSON_BODY = "json_body"  # handler opt: the handler reads a JSON body itself
# Routes that read a JSON body themselves, by "METHOD /path" (marked by mark_json_routes).
READS_JSON_ITSELF = frozenset({"POST /api/v1/ingestion/batches"})

# Brackets of both kinds as one kind (nesting depth does not depend on the kind), the rest
# deleted: bytes.translate does both in one C-speed pass.
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonTooDeep(DomainError):
    status = 400
    code = "json-too-deep"
    title = "The JSON body is nested too deeply"


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body`` nests arrays and objects more than ``limit`` deep, without decoding it,
    in a few C-speed passes over the bytes (a 10 MB body: well under a second): escapes and
    strings are cut out (a bracket in a string does not count), only brackets are kept, and each
    pass removes the innermost pairs - one level. Unclosed openings count as levels (the decoder
    would descend into them); otherwise a malformed body is left to the decoder."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot be deeper than the number of openings
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(unescaped.split(b'"')[0::2])
    brackets = outside_strings.translate(_AS_BRACKETS, _NOT_BRACKETS)
    for level in range(limit):
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):  # nothing closes: unclosed openings, or malformed
            return level + shorter.count(b"[") > limit
        if not shorter:
            return False
        brackets = shorter
    return bool(brackets)


def takes_json(handler: HTTPRouteHandler) -> bool:
    """Whether the handler decodes a JSON request body (a ``data`` parameter without a form or
    multipart encoding, or ``opt[JSON_BODY]``)."""
    if handler.opt.get(JSON_BODY):
        return True
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    media_type = getattr(data.kwarg_definition, "media_type", None)
    return media_type in (None, RequestEncodingType.JSON)


def mark_json_routes(app: Litestar) -> None:
    """Mark the handlers named in ``READS_JSON_ITSELF`` as taking JSON (``opt[JSON_BODY]``)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = getattr(handler, "http_methods", ())
            if any(f"{method} {route.path}" in READS_JSON_ITSELF for method in methods):
                handler.opt[JSON_BODY] = True


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in request.headers


async def check_request(request: Request[Any, Any, Any]) -> None:
    """The app's ``before_request`` hook: refuse what no handler should see."""
    handler = request.route_handler
    if "offset" in handler.parsed_fn_signature.parameters:
        offset = request.query_params.get("offset", "")
        if offset.isdigit() and int(offset) > MAX_OFFSET:
            raise ValidationException(
                "offset out of range",
                extra=[{"key": "offset", "message": f"must be at most {MAX_OFFSET}"}],
            )
    if not takes_json(handler) or not _has_body(request):
        return
    content_type = request.headers.get("content-type")
    if content_type is not None and not _is_json(content_type):
        raise HTTPException(
            status_code=415, detail="this route takes application/json request bodies"
        )
    if handler.resolve_request_max_body_size() is None:
        return  # the handler reads the body itself, as a stream with its own limits
    limit = request.app.state.runtime.settings.request_json_max_depth
    if json_depth_exceeds(await request.body(), limit):
        raise JsonTooDeep(f"arrays and objects may nest at most {limit} deep")
