"""Guards of the pages: the same permissions as the API, answered the browser's way.

Not signed in: 303 to the sign-in page (``SignInRequired``). Signed in without the permission: a
403 page. The guard carries ``permission`` like ``security.guards.requires``, so the permission
matrix test finds it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from chengxin.security.actor import ANONYMOUS, ActorKind
from chengxin.security.guards import resolve_actor
from chengxin.security.permissions import Permission


class SignInRequired(Exception):  # an outcome, like DomainError's subclasses
    """The page needs a signed-in actor; the handler answers with the right sign-in page."""

    def __init__(self, *, citizen: bool) -> None:
        super().__init__("sign-in required")
        self.citizen = citizen


def page_requires(
    permission: Permission,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A page guard: sign-in page without a session, 403 page without the permission."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor = await resolve_actor(connection)
        if actor is ANONYMOUS:
            raise SignInRequired(citizen=permission.value.startswith("self:"))
        if not actor.can(permission):
            raise PermissionDeniedException(f"requires {permission.value}")
        if permission.value.startswith("self:") and actor.kind is not ActorKind.CITIZEN:
            raise PermissionDeniedException("only the person signed in may see their own data")

    guard.permission = permission  # type: ignore[attr-defined]
    return guard
