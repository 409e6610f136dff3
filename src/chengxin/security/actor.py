"""Who is acting: every service call and audit entry names an Actor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from chengxin.security.permissions import ALL_PERMISSIONS, Permission


class ActorKind(StrEnum):
    SYSTEM = "system"  # CLI commands and jobs run by the operator of the machine
    TOKEN = "token"  # noqa: S105  # an organization's system, by API token
    ANONYMOUS = "anonymous"  # the public


@dataclass(frozen=True)
class Actor:
    """The acting party; ``name`` is copied into audit entries so they survive renames."""

    kind: ActorKind
    id: str | None
    name: str
    organization_id: uuid.UUID | None = None
    permissions: frozenset[Permission] = field(default_factory=frozenset)

    def can(self, permission: Permission) -> bool:
        """True when the actor holds the permission."""
        return permission in self.permissions


ANONYMOUS = Actor(ActorKind.ANONYMOUS, None, "public")


def system_actor(name: str = "cli") -> Actor:
    """The machine's operator at the command line: all permissions, named in the audit log."""
    return Actor(ActorKind.SYSTEM, name, f"system:{name}", None, ALL_PERMISSIONS)
