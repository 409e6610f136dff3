"""Names of the per-request dependencies handlers declare (provided in app.py)."""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency
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
