"""Names of the per-request dependencies handlers declare (provided in app.py)."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.orm import Session

from chengxin.security.actor import Actor
from chengxin.settings import Settings

SessionDep: TypeAlias = NamedDependency[Session]
ActorDep: TypeAlias = NamedDependency[Actor]
SettingsDep: TypeAlias = NamedDependency[Settings]


def client_ip(request: Request[Any, Any, Any]) -> str | None:
    """The caller's address as the server saw it (rate limits and lockouts key on a keyed HMAC of
    it; it is never stored in clear)."""
    return request.client.host if request.client else None


# pagination
# Every list route takes its page as ``limit``/``offset`` of these types: a value out of bounds is
# a 422 naming the parameter, never a number the database cannot hold (an offset past 2**63 made
# SQLite's driver raise OverflowError: a 500). No list is deep enough to page past MAX_OFFSET.
MAX_OFFSET = 1_000_000
MAX_LIMIT = 200
Offset: TypeAlias = Annotated[
    int, QueryParameter(ge=0, le=MAX_OFFSET, description="Items to skip (at most 1,000,000)")
]
Limit: TypeAlias = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description="Most items in the page (at most 200)")
]
