"""Hubei administrative divisions (GB/T 2260), shipped as versioned package data.

The platform never rejects an unknown address code (codes change: 襄樊 → 襄阳 in 2010); this
table only labels codes and maps them to their prefecture-level unit for regional scoping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

PROVINCE_CODE = "420000"
PROVINCE_NAME = "湖北省"


@dataclass(frozen=True)
class Division:
    """One entry of the table; historic entries carry the last day they were valid."""

    code: str
    name: str
    level: str  # "prefecture" or "county"
    parent: str
    valid_until: date | None


@cache
def _table() -> dict[str, Any]:
    path = resources.files("chengxin.identity") / "data" / "hubei_divisions.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _entries() -> tuple[Division, ...]:
    return tuple(
        Division(
            code=item["code"],
            name=item["name"],
            level=item["level"],
            parent=item["parent"],
            valid_until=date.fromisoformat(item["valid_until"])
            if item.get("valid_until")
            else None,
        )
        for item in _table()["divisions"]
    )


@cache
def _by_code() -> dict[str, Division]:
    index: dict[str, Division] = {}
    # Historic first, newest last, current over all: the dict keeps the best entry per code.
    ordered = sorted(_entries(), key=lambda d: (d.valid_until is None, d.valid_until or date.max))
    for division in ordered:
        index[division.code] = division
    return index


def table_version() -> str:
    """The year of the division table shipped with this code."""
    return str(_table()["version"])


def current_divisions() -> list[Division]:
    """Entries in force (no end date)."""
    return [d for d in _entries() if d.valid_until is None]


def lookup(code: str) -> Division | None:
    """The current entry for a code, else its latest historic one, else None (never an error)."""
    return _by_code().get(code)


@cache
def prefecture_of(address_code: str) -> str | None:
    """The prefecture-level unit of a Hubei code; None outside Hubei or for unknown prefectures."""
    if len(address_code) != 6 or not address_code.startswith("42"):  # noqa: PLR2004
        return None
    own = lookup(address_code)
    if own is not None and own.level == "prefecture":
        return own.code
    candidate = address_code[:4] + "00"
    found = lookup(candidate)
    return candidate if found is not None and found.level == "prefecture" else None


def describe(address_code: str) -> str | None:
    """A Chinese label such as 湖北省武汉市江岸区; None outside Hubei or for unknown prefectures."""
    prefecture = prefecture_of(address_code)
    if prefecture is None:
        return None
    parts = [PROVINCE_NAME, _by_code()[prefecture].name]
    county = lookup(address_code)
    if county is not None and county.level == "county":
        parts.append(county.name)
    return "".join(parts)
