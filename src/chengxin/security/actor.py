"""Who is acting: every service call and audit entry names an Actor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from chengxin.security.permissions import ALL_PERMISSIONS, Permission


class ActorKind(StrEnum):
    SYSTEM = "system"  # CLI commands and jobs run by the operator of the machine
    TOKEN = "token"  # noqa: S105  # an organization's system, by API token
    USER = "user"  # a staff account of an organization, signed in (web console or API)
    CITIZEN = "citizen"  # a person signed in by real name and one-time code: own data only
    ANONYMOUS = "anonymous"  # the public


@dataclass(frozen=True)
class Actor:
    """The acting party; ``name`` is copied into audit entries so they survive renames.

    Scope travels with the actor and services apply it inside their queries:
    ``organization_id`` (a provider sees its own records, a consumer uses its own permission
    list), ``region_code`` (a city operator sees its city; None: the whole province) and
    ``subject_id`` (a citizen reaches only this subject).
    """

    kind: ActorKind
    id: str | None
    name: str
    organization_id: uuid.UUID | None = None
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    region_code: str | None = None
    subject_id: uuid.UUID | None = None

    def can(self, permission: Permission) -> bool:
        """True when the actor holds the permission."""
        return permission in self.permissions


ANONYMOUS = Actor(ActorKind.ANONYMOUS, None, "public")


def system_actor(name: str = "cli") -> Actor:
    """The machine's operator at the command line: all permissions, named in the audit log."""
    return Actor(ActorKind.SYSTEM, name, f"system:{name}", None, ALL_PERMISSIONS)
