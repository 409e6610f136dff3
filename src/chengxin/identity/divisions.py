"""Hubei administrative divisions (GB/T 2260), shipped as versioned package data.

The platform never rejects an unknown address code (codes change: 襄樊 → 襄阳 in 2010); this
table only labels codes and maps them to their prefecture-level unit for regional scoping.

The data lives in ``data/hubei_divisions.json``. An entry is identified by ``(code, valid_until)``:
a historic entry may share its code with a current one (襄樊市 and 襄阳市 are both 420600).
``valid_until`` is the date the change was approved; from that day the entry no longer applies.
The directly administered county-level units (仙桃 429004, 潜江, 天门, 神农架) are listed as
prefecture-level units: they stand in for one when scoping by region.
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
PREFECTURE = "prefecture"
COUNTY = "county"

_CODE_LENGTH = 6
_DIRECT_UNITS_PREFIX = "4290"  # 省直辖县级行政区划


@dataclass(frozen=True)
class Division:
    """One entry of the table; historic entries carry the date their change was approved."""

    code: str
    name: str
    level: str  # PREFECTURE or COUNTY
    parent: str
    valid_until: date | None


@cache
def _table() -> dict[str, Any]:
    resource = resources.files("chengxin.identity") / "data" / "hubei_divisions.json"
    table: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return table


def _division(item: dict[str, Any]) -> Division:
    until = item.get("valid_until")
    return Division(
        code=str(item["code"]),
        name=str(item["name"]),
        level=str(item["level"]),
        parent=str(item["parent"]),
        valid_until=date.fromisoformat(until) if until else None,
    )


@cache
def _entries() -> tuple[Division, ...]:
    return tuple(_division(item) for item in _table()["divisions"])


@cache
def _by_code() -> dict[str, Division]:
    # Oldest historic first, current last: each later entry replaces the one before it.
    ordered = sorted(_entries(), key=lambda d: (d.valid_until is None, d.valid_until or date.max))
    return {division.code: division for division in ordered}


def _is_hubei_code(code: str) -> bool:
    return (
        len(code) == _CODE_LENGTH
        and code.isascii()
        and code.isdigit()
        and code.startswith(PROVINCE_CODE[:2])
    )


def table_version() -> str:
    """The year of the division table shipped with this code."""
    return str(_table()["version"])


def current_divisions() -> list[Division]:
    """The entries in force (those without valid_until), in table order."""
    return [d for d in _entries() if d.valid_until is None]


def lookup(code: str) -> Division | None:
    """The current entry for a code, else its latest historic one, else None (never an error)."""
    return _by_code().get(code)


@cache
def prefecture_of(address_code: str) -> str | None:
    """The prefecture-level unit of a Hubei code; None outside Hubei or for unknown prefectures."""
    if not _is_hubei_code(address_code):
        return None
    if address_code.startswith(_DIRECT_UNITS_PREFIX):
        candidate = address_code
    else:
        candidate = address_code[:4] + "00"
    found = lookup(candidate)
    return candidate if found is not None and found.level == PREFECTURE else None


def describe(address_code: str) -> str | None:
    """A Chinese label such as 湖北省武汉市江岸区; None outside Hubei or for unknown prefectures."""
    prefecture = prefecture_of(address_code)
    if prefecture is None:
        return None
    parts = [PROVINCE_NAME, _by_code()[prefecture].name]
    county = lookup(address_code)
    if county is not None and county.level == COUNTY and county.parent == prefecture:
        parts.append(county.name)
    return "".join(parts)
