"""The topics of shared state some process caches, and how a table declares the topic its changes
move (ADR 0034, ADR 0038): ``__table_args__ = {"info": {CHANGES: Tracked(Topic.CATALOG)}}``.

``changes.hooks.install()`` reads the declarations from the metadata; the platform imports no
domain's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

CHANGES: Final = "change_topic"
"""The ``Table.info`` key of a table's :class:`Tracked` declaration."""


class Topic(StrEnum):
    """A part of the shared state some process caches."""

    ACCESS = "access"  # permission lists (access_rule): a checking organization's context
    CALENDAR = "calendar"  # the working-day calendar
    CATALOG = "catalog"  # catalog versions: which one is active
    CREDENTIALS = "credentials"  # tokens, sessions, staff accounts, agency blacklistings
    INDICATORS = "indicators"  # assessment indicator sets
    LOCKDOWN = "lockdown"  # the platform lockdown
    ORGANIZATIONS = "organizations"  # organizations (frozen, kind, name)
    SCORING = "scoring"  # scoring rulesets


@dataclass(frozen=True)
class Tracked:
    """How a table's changes reach a topic: ``inserts`` whether a new row matters (a new
    session is cached nowhere yet; a new lockdown is the change), ``ignored`` the attributes
    whose change alone matters to no cache."""

    topic: Topic
    inserts: bool = True
    ignored: frozenset[str] = frozenset()
