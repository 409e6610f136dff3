"""Synthetic credit records for the demo population, sent through the real exchange.

About 5 % of people get a dishonest record, 10 % a good one and 5 % a basic one (a credit
commitment, a licence…), spread over every kind of the active catalog and pushed by an
organization the catalog allows to provide that kind. Seeded: a second demo load sends the same
rows, which the exchange counts as duplicates.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from chengxin.catalog.schema import CatalogDocument, Category, FieldSpec, FieldType, RecordKind
from chengxin.demo.generator import SyntheticOrganization, SyntheticPerson
from chengxin.identity import idnumber
from chengxin.records.window import add_months

SHARES = ((Category.DISHONEST, 0.05), (Category.GOOD, 0.10), (Category.BASIC, 0.05))
PHRASES = (
    "演示数据：当事人未按期履行义务",
    "演示数据：经调查核实",
    "演示数据：情节较轻，已改正",
    "演示数据：表现突出，予以表彰",
)


def providers_of(
    kind: RecordKind, organizations: Sequence[SyntheticOrganization]
) -> list[SyntheticOrganization]:
    """The demo organizations the catalog allows to push this kind."""
    rule = kind.providers
    return [
        o
        for o in organizations
        if o.kind.value in rule.organization_kinds
        and (not rule.departments or o.department in rule.departments)
    ]


def sample_value(spec: FieldSpec, rng: random.Random, act: date) -> Any:
    """A synthetic value that satisfies a kind field's type and limits (demo and benchmarks)."""
    if spec.type is FieldType.ENUM:
        return rng.choice(spec.values or [""])
    if spec.type in (FieldType.INTEGER, FieldType.DECIMAL):
        low = int(spec.minimum if spec.minimum is not None else 1)
        high = int(spec.maximum if spec.maximum is not None else low + 20_000)
        return rng.randint(low, max(low, high))
    if spec.type is FieldType.DATE:
        return act.isoformat()
    if spec.type is FieldType.BOOLEAN:
        return rng.random() < 0.5  # noqa: PLR2004
    return rng.choice(PHRASES)[: spec.max_length or 60]


def _fields(kind: RecordKind, rng: random.Random, act: date) -> dict[str, Any]:
    # Fields with a pattern are left out unless required: the demo cannot guess every format.
    return {
        spec.name: sample_value(spec, rng, act)
        for spec in kind.fields
        if spec.required or (not spec.pattern and rng.random() < 0.7)  # noqa: PLR2004
    }


def _category(draw: float) -> Category | None:
    threshold = 0.0
    for category, share in SHARES:
        threshold += share
        if draw < threshold:
            return category
    return None


def records(
    persons: Sequence[SyntheticPerson],
    catalog: CatalogDocument,
    organizations: Sequence[SyntheticOrganization],
    *,
    today: date,
    seed: int = 20171230,
) -> dict[str, list[dict[str, Any]]]:
    """Record objects (exchange JSON shape) per provider credit code."""
    rng = random.Random(seed)
    by_category: dict[Category, list[tuple[RecordKind, list[SyntheticOrganization]]]] = {}
    for kind in catalog.kinds:
        if kind.fields and any(s.required and s.pattern for s in kind.fields):
            continue  # a required field with a format the demo cannot produce
        allowed = providers_of(kind, organizations)
        if allowed:
            by_category.setdefault(kind.category, []).append((kind, allowed))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    counter = 0
    for person in persons:
        category = _category(rng.random())
        if category is None or category not in by_category:
            continue
        kind, allowed = rng.choice(by_category[category])
        birth = idnumber.parse(person.id_number).birth_on
        finding = today - timedelta(days=rng.randint(20, 900))
        act = finding - timedelta(days=rng.randint(5, 90))
        if act <= add_months(birth, 18 * 12):
            if kind.adult_only:
                continue  # R2.4: no student record for an act before 18
            act = finding
        counter += 1
        provider = rng.choice(allowed)
        record: dict[str, Any] = {
            "source_id": f"DEMO-{kind.code}-{counter:06d}",
            "kind": kind.code,
            "id_number": person.id_number,
            "name": person.name,
            "document_no": f"演示〔{finding.year}〕{counter}号",
            "finding_date": finding.isoformat(),
            "act_date": act.isoformat(),
            "fields": _fields(kind, rng, act),
        }
        if category is Category.DISHONEST:
            record["notified_date"] = min(finding + timedelta(days=3), today).isoformat()
        out[provider.credit_code].append(record)
    return dict(out)
