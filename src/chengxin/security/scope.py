"""Data scope applied inside SQL queries (STYLE.md §5): region for region-bound staff.

A city operator's account carries ``region_code`` (e.g. 420100, Wuhan); it sees rows whose
region code lies in that city. Province-wide accounts (region None) are not narrowed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true

from chengxin.security.actor import Actor


def region_prefix(region_code: str) -> str:
    """The prefix shared by every code inside a division: 420100 → 4201, 420000 → 42."""
    code = region_code.rstrip("0")
    return code + "0" * (len(code) % 2)


def in_region(actor: Actor, column: Any) -> ColumnElement[bool]:
    """Rows whose region ``column`` lies within the actor's region (all, without one)."""
    if actor.region_code is None:
        return true()
    return column.startswith(region_prefix(actor.region_code))  # type: ignore[no-any-return]


def within(actor: Actor, region_code: str | None) -> bool:
    """Whether a region code lies within the actor's region (any, without one)."""
    if actor.region_code is None:
        return True
    return region_code is not None and region_code.startswith(region_prefix(actor.region_code))
