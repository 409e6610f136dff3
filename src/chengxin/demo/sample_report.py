"""A synthetic sample report (no database): for looking at the layout and for the benchmark.

Built from the catalog shipped with the platform and the demo's synthetic people and
organizations (Faker ``zh_CN``, seeded); every value is made up, and the report says so. The
demo builds it and hands it to the reports' renderer (moved from ``reports.sample``, issue 21: a
domain does not import the demo).
"""

from __future__ import annotations

import random
import string
import uuid
from datetime import UTC, date, datetime, timedelta

from chengxin import privacy
from chengxin.access.scenes import SCENES, Scene
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument, Category, RecordKind
from chengxin.demo import generator
from chengxin.demo.records import sample_value
from chengxin.lists import types as list_types
from chengxin.lists.memberships import Membership
from chengxin.records.window import display_window
from chengxin.reports import listing
from chengxin.reports.content import (
    CaseLine,
    GrantLine,
    QueryLine,
    RecordMark,
    Report,
    ReportAudience,
    ReportRecord,
    summarize,
)
from chengxin.state.rule import Pending

SAMPLE_SEED = 20171230
_CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "IO01")


def sample_number(rng: random.Random, issued_at: datetime) -> str:
    """A report number in the platform's format, e.g. CX-20261128-7Q4M9K2T."""
    tail = "".join(rng.choice(_CODE_ALPHABET) for _ in range(8))
    return f"CX-{issued_at:%Y%m%d}-{tail}"


def sample_code(rng: random.Random) -> str:
    """An 8-character verification code (no 0/O or 1/I to misread)."""
    return "".join(rng.choice(_CODE_ALPHABET) for _ in range(8))


def _record(
    kind: RecordKind,
    rng: random.Random,
    *,
    catalog: CatalogDocument,
    provider: str,
    finding_on: date,
    marks: list[RecordMark],
    status: str = "active",
    statements: list[str] | None = None,
) -> ReportRecord:
    window = display_window(
        catalog.period_of(kind), kind.category, finding_on=finding_on, act_on=None
    )
    return ReportRecord(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        kind_code=kind.code,
        kind_name_zh=kind.name_zh,
        kind_name_en=kind.name_en,
        domain=kind.domain,
        category=kind.category.value,
        severity=kind.severity.value if kind.severity else None,
        legal_basis=[f"{b.law}{b.article or ''}" for b in kind.legal_basis],
        provider=provider,
        document_no=f"鄂演示〔{finding_on.year}〕{rng.randint(1, 999)}号",
        finding_on=finding_on,
        display_from_on=window.from_on,
        display_until_on=window.until_on,
        repairable=kind.repairable,
        repair_from_on=window.repair_from_on,
        status=status,
        marks=marks,
        fields={f.name: sample_value(f, rng, finding_on) for f in kind.fields if not f.pattern},
        statements=statements or [],
    )


def sample_report(
    *,
    seed: int = SAMPLE_SEED,
    issued_at: datetime | None = None,
    audience: ReportAudience = ReportAudience.SUBJECT,
) -> Report:
    """A synthetic report of about four A4 pages (subject's version: every section filled)."""
    rng = random.Random(seed)
    issued_at = issued_at or datetime(2026, 11, 28, 6, 5, tzinfo=UTC)
    today = issued_at.date()
    catalog = CatalogDocument.model_validate(catalog_service.shipped_content())
    person = next(iter(generator.people(1, seed=seed, today=today)))
    organizations = generator.organizations(4, seed=seed)
    departments = [o.name for o in organizations if o.department] or ["演示部门"]
    enterprises = [o.name for o in organizations if not o.department]
    by_category: dict[Category, list[RecordKind]] = {c: [] for c in Category}
    for kind in catalog.kinds:
        by_category[kind.category].append(kind)
    ago = [40, 420, 700]
    dishonest_marks = [
        [RecordMark.DISPLAYED],
        [RecordMark.DISPLAYED, RecordMark.IN_DISPUTE],
        [RecordMark.REPAIRED],
    ]
    dishonest = [
        _record(
            kind,
            rng,
            catalog=catalog,
            provider=rng.choice(departments),
            finding_on=today - timedelta(days=days),
            marks=marks,
            statements=["演示数据：罚款已于次月缴清，本人对处罚决定无异议。"] if i == 0 else None,
        )
        for i, (kind, days, marks) in enumerate(
            zip(rng.sample(by_category[Category.DISHONEST], 3), ago, dishonest_marks, strict=True)
        )
    ]
    good = [
        _record(
            kind,
            rng,
            catalog=catalog,
            provider=rng.choice(departments),
            finding_on=today - timedelta(days=1500),
            marks=[RecordMark.EXPIRED],
        )
        for kind in rng.sample(by_category[Category.GOOD], 1)
    ]
    basic = [
        _record(
            kind,
            rng,
            catalog=catalog,
            provider=rng.choice(departments),
            finding_on=today - timedelta(days=90),
            marks=[RecordMark.SUPERSEDED],
            status="superseded",
        )
        for kind in rng.sample(by_category[Category.BASIC], 1)
    ]
    third_party_scenes = [s for s, info in SCENES.items() if not info.government]
    queries = [
        QueryLine(
            seq=1000 + 37 * n,
            at=issued_at - timedelta(days=11 * n, hours=rng.randint(0, 8)),
            organization=rng.choice(enterprises + departments),
            actor=f"演示查询员{rng.randint(1, 40):02d}",
            action="access:query:release",
            scene=rng.choice(list(Scene)).value,
            purpose="演示数据：办理业务前的信用核查",
        )
        for n in range(4)
    ]
    grants = [
        GrantLine(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            organization=rng.choice(enterprises),
            scene=scene.value,
            purpose="演示数据：审核贷款申请",
            valid_until=issued_at + timedelta(days=30 - 20 * n),
            uses=n,
            max_uses=3,
            status="active" if n == 0 else "expired",
        )
        for n, scene in enumerate(rng.sample(third_party_scenes, 2))
    ]
    subject = audience is ReportAudience.SUBJECT
    court = list_types.get_or_raise("black-judgment-defaulter")
    published = issued_at - timedelta(days=100)
    memberships = [
        listing.list_line(
            Membership(
                entry_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                reference=f"HM-{published:%Y%m%d}-{sample_code(rng)[:6]}",
                list_type=court.code,
                kind=court.kind.value,
                name_zh=court.name_zh,
                domain=court.domain,
                basis=court.basis_text,
                published_at=published,
                term_ends_at=published.replace(year=published.year + 2),
                via_organization=None,
                role=None,
            )
        )
    ]
    tax = list_types.get_or_raise("black-tax-serious")
    pending = [
        listing.pending_line(
            Pending(
                uuid.UUID(int=rng.getrandbits(128), version=4),
                f"HM-{issued_at:%Y%m%d}-{sample_code(rng)[:6]}",
                tax.code,
                tax.kind.value,
                "notified",
                issued_at + timedelta(days=6),
            )
        )
    ]
    return Report(
        number=sample_number(rng, issued_at),
        issued_at=issued_at,
        as_of=issued_at,
        audience=audience,
        organization=None if subject else rng.choice(enterprises),
        scene=None if subject else third_party_scenes[0].value,
        purpose=None if subject else "演示数据：审核贷款申请",
        name=person.name if subject else None,
        masked_name=privacy.mask_name(person.name),
        masked_id_number=privacy.mask_id_number(person.id_number),
        summary=summarize([*good, *dishonest, *basic], memberships),
        good=good,
        dishonest=dishonest,
        basic=basic,
        queries=queries if subject else None,
        grants=grants if subject else None,
        objections=(
            [
                CaseLine(
                    case="objection",
                    reference=f"YY-{issued_at:%Y%m%d}-7Q4M9K",
                    record_id=dishonest[1].id,
                    filed_at=issued_at - timedelta(days=2),
                    status="forwarded",
                    due_at=issued_at + timedelta(days=7),
                )
            ]
            if subject
            else None
        ),
        memberships=memberships,
        pending_entries=pending if subject else None,
        catalog_version=catalog.version,
    )
