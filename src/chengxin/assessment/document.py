"""The assessment document: the figures of every unit computed by the formulas as of a
moment, weighted, totalled and ranked, in canonical form (sorted-key JSON, numbers as fixed
4-decimal strings), with the items behind the figures; what ``service.issue`` signs and
``service.recompute_digest`` computes again."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin import workdays
from chengxin.assessment import formulas
from chengxin.assessment.models import UnitKind
from chengxin.assessment.periods import Period
from chengxin.assessment.rules import Compiled, Indicator
from chengxin.organizations.models import Organization

FORMAT = "chengxin-assessment-v1"


def city_of(region_code: str) -> str:
    """The city a region code lies in: its first four digits and "00" (420111 → 420100)."""
    return region_code[:4] + "00"


def _fixed(value: float) -> str:
    return f"{value:.4f}"


@dataclass(frozen=True)
class _Org:
    id: uuid.UUID
    department: str | None
    city: str | None


def _organizations(session: Session, region_code: str | None) -> dict[uuid.UUID, _Org]:
    query = select(Organization.id, Organization.department, Organization.region_code)
    if region_code is not None:
        query = query.where(Organization.region_code.startswith(region_code[:4]))
    return {i: _Org(i, d, city_of(r) if r else None) for i, d, r in session.execute(query).all()}


def _units(orgs: dict[uuid.UUID, _Org]) -> list[tuple[str, str]]:
    """The units assessed: every line department and every city with one (organizations with a
    department code are the assessed; others' facts still count in their city)."""
    departments = sorted({o.department for o in orgs.values() if o.department})
    cities = sorted({o.city for o in orgs.values() if o.department and o.city})
    return [(UnitKind.DEPARTMENT.value, d) for d in departments] + [
        (UnitKind.CITY.value, c) for c in cities
    ]


def _units_of(org: _Org, units: set[tuple[str, str]]) -> list[tuple[str, str]]:
    mine = []
    if org.department and (UnitKind.DEPARTMENT.value, org.department) in units:
        mine.append((UnitKind.DEPARTMENT.value, org.department))
    if org.city and (UnitKind.CITY.value, org.city) in units:
        mine.append((UnitKind.CITY.value, org.city))
    return mine


def rank(totals: list[float]) -> list[int]:
    """Competition ranks (1 the best; equal totals share a rank, the next rank skips)."""
    return [1 + sum(1 for other in totals if other > total) for total in totals]


def figure_document(indicator: Indicator, whole: int, part: int) -> dict[str, Any]:
    """One figure as the document writes it: value and points as fixed 4-decimal strings; a
    finding when the value is below the target (and something was counted, but for alerts)."""
    value = round(formulas.value_of(indicator, whole, part), 4)
    points = round(value * indicator.weight, 4)
    counted = whole > 0 or indicator.formula == "audit_anomalies"
    finding = counted and indicator.target is not None and value < indicator.target
    return {
        "whole": whole,
        "part": part,
        "value": _fixed(value),
        "points": _fixed(points),
        "finding": finding,
    }


def ranked(
    units: list[tuple[str, str]], totals: dict[tuple[str, str], float]
) -> list[tuple[tuple[str, str], int]]:
    """Departments then cities, each ranked among its kind by total (ties share a rank) and
    listed by rank, then code."""
    out: list[tuple[tuple[str, str], int]] = []
    for kind in (UnitKind.DEPARTMENT.value, UnitKind.CITY.value):
        mine = [u for u in units if u[0] == kind]
        ranks = rank([totals[u] for u in mine])
        out.extend(sorted(zip(mine, ranks, strict=True), key=lambda pair: (pair[1], pair[0][1])))
    return out


@dataclass(frozen=True)
class Computed:
    document: dict[str, Any]
    items: list[tuple[str, str, str, formulas.ItemRow]]  # indicator, unit kind, unit code, row


def compute(
    session: Session,
    *,
    number: str,
    period: Period,
    region_code: str | None,
    as_of: datetime,
    compiled: Compiled,
) -> Computed:
    calendar = workdays.calendar_of(session)
    window = formulas.Window(period.since, period.until, as_of)
    orgs = _organizations(session, region_code)
    units = _units(orgs)
    unit_set = set(units)
    counts: dict[tuple[str, str], dict[str, list[int]]] = {u: {} for u in units}
    found: list[tuple[str, str, str, formulas.ItemRow]] = []
    for indicator in compiled.indicators:
        counted = formulas.FORMULAS[indicator.formula](session, indicator, window, calendar)
        for unit in units:
            counts[unit][indicator.code] = [0, 0]
        for org_id, (whole, part) in counted.counts.items():
            org = orgs.get(org_id)
            for unit in _units_of(org, unit_set) if org else []:
                pair = counts[unit][indicator.code]
                pair[0] += whole
                pair[1] += part
        for row in counted.items:
            org = orgs.get(row.organization_id)
            for kind, code in _units_of(org, unit_set) if org else []:
                found.append((indicator.code, kind, code, row))
    figures: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    totals: dict[tuple[str, str], float] = {}
    for unit in units:
        figures[unit] = {
            i.code: figure_document(i, *counts[unit][i.code]) for i in compiled.indicators
        }
        totals[unit] = round(sum(float(f["points"]) for f in figures[unit].values()), 4)
    unit_docs = [
        {"kind": u[0], "code": u[1], "total": _fixed(totals[u]), "rank": r, "figures": figures[u]}
        for u, r in ranked(units, totals)
    ]
    found.sort(key=lambda f: (f[0], f[1], f[2], f[3].object_type, f[3].object_id))
    items_text = "\n".join(
        "|".join(
            (
                i,
                k,
                c,
                str(r.organization_id),
                r.object_type,
                r.object_id,
                r.reason,
                str(r.due_on),
                str(r.done_on),
            )
        )
        for i, k, c, r in found
    )
    document = {
        "format": FORMAT,
        "number": number,
        "period": {
            "kind": period.kind,
            "label": period.label,
            "since": period.since.isoformat(),
            "until": period.until.isoformat(),
        },
        "region_code": region_code,
        "as_of": as_of.isoformat(),
        "indicator_version": compiled.version,
        "indicators": [
            {
                "code": i.code,
                "formula": i.formula,
                "params": i.params,
                "weight": _fixed(i.weight),
                "target": None if i.target is None else _fixed(i.target),
                "better": i.better,
            }
            for i in compiled.indicators
        ],
        "units": unit_docs,
        "items": {
            "count": len(found),
            "sha256": hashlib.sha256(items_text.encode("utf-8")).hexdigest(),
        },
    }
    return Computed(document, found)


def canonical(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a document: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def signed_message(number: str, digest: str) -> bytes:
    """What the platform signs: ``chengxin-assessment-v1\\n<number>\\n<digest>\\n``."""
    return f"{FORMAT}\n{number}\n{digest}\n".encode()
