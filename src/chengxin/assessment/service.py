"""Work assessments (工作考核, R11.1; seed §7(一) 建立工作考核推进机制).

Skeleton: the public names other packages code against; the computation is filled in below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.assessment import rules
from chengxin.assessment.errors import (
    AssessmentPeriodInvalid,
    IndicatorSetExists,
    IndicatorSetNotDraft,
    IndicatorSetNotFound,
)
from chengxin.assessment.models import Assessment, IndicatorSet, IndicatorSetStatus, PeriodKind
from chengxin.assessment.rules import Compiled, Indicator
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.security.actor import Actor

__all__ = [
    "AssessmentView",
    "Figure",
    "Item",
    "Period",
    "UnitResult",
    "activate_indicators",
    "active_indicators",
    "get_or_raise",
    "issue",
    "items",
    "list_assessments",
    "list_indicator_sets",
    "period_of",
    "previous_period",
    "recompute_digest",
    "trend",
    "upload_indicators",
    "verify",
    "view",
]


# -- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter, year
    label: str  # 2026-11, 2026-Q4, 2026
    since: date
    until: date  # inclusive


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _parse(kind: str, label: str) -> Period | None:
    parts = label.split("-")
    if not parts[0].isdigit() or len(parts[0]) != 4:  # noqa: PLR2004
        return None
    year = int(parts[0])
    if kind == PeriodKind.YEAR and len(parts) == 1:
        return Period(kind, label, date(year, 1, 1), date(year, 12, 31))
    if len(parts) != 2:  # noqa: PLR2004
        return None
    rest = parts[1]
    if kind == PeriodKind.MONTH and len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:  # noqa: PLR2004
        month = int(rest)
        return Period(kind, label, date(year, month, 1), _month_end(year, month))
    if kind == PeriodKind.QUARTER and rest in {"Q1", "Q2", "Q3", "Q4"}:
        first = 3 * int(rest[1]) - 2
        return Period(kind, label, date(year, first, 1), _month_end(year, first + 2))
    return None


def period_of(kind: str, label: str) -> Period:
    """The period a label names (``2026-11``, ``2026-Q4``, ``2026``).

    ``assessment-period-invalid`` for anything else.
    """
    period = _parse(kind, label)
    if period is None:
        raise AssessmentPeriodInvalid(f"{kind} {label!r} is not a period", field="period_label")
    return period


def previous_period(kind: str, today: date) -> Period:
    """The last whole month, quarter or year before ``today``."""
    if kind == PeriodKind.MONTH:
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        return period_of(kind, f"{year:04d}-{month:02d}")
    if kind == PeriodKind.QUARTER:
        quarter = (today.month - 1) // 3
        year, quarter = (today.year, quarter) if quarter else (today.year - 1, 4)
        return period_of(kind, f"{year:04d}-Q{quarter}")
    if kind == PeriodKind.YEAR:
        return period_of(kind, f"{today.year - 1:04d}")
    raise AssessmentPeriodInvalid(f"{kind} is not a period kind", field="period_kind")


# -- indicator sets ------------------------------------------------------------------------------


def list_indicator_sets(session: Session) -> list[IndicatorSet]:
    return list(
        session.execute(select(IndicatorSet).order_by(IndicatorSet.created_at.desc()))
        .scalars()
        .all()
    )


def upload_indicators(
    session: Session, source: str, *, actor: Actor, now: datetime | None = None
) -> IndicatorSet:
    """Store a valid indicator set as a draft (``indicators-invalid`` otherwise)."""
    now = now or utcnow()
    parsed = rules.parse(source)
    exists = session.execute(
        select(IndicatorSet.id).where(IndicatorSet.version == parsed.version)
    ).first()
    if exists is not None:
        raise IndicatorSetExists
    row = IndicatorSet(
        id=uuid.uuid4(), version=parsed.version, name=parsed.name,
        content=parsed.model_dump(mode="json"), source=source, digest=rules.digest(parsed),
        status=IndicatorSetStatus.DRAFT.value, created_at=now, created_by=actor.name,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, "assessment:indicators:upload", actor=actor,
        object_type="assessment_indicator_set", object_id=row.id,
        data={"version": row.version, "digest": row.digest},
    )  # fmt: skip
    return row


def activate_indicators(
    session: Session, version: str, *, actor: Actor, now: datetime | None = None
) -> IndicatorSet:
    """Make a draft the active set (the previous one retires); audited."""
    now = now or utcnow()
    row = session.execute(
        select(IndicatorSet).where(IndicatorSet.version == version).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise IndicatorSetNotFound
    if row.status != IndicatorSetStatus.DRAFT.value:
        raise IndicatorSetNotDraft(f"this indicator set is {row.status}")
    previous = session.execute(
        select(IndicatorSet).where(IndicatorSet.status == IndicatorSetStatus.ACTIVE.value)
    ).scalar_one_or_none()
    if previous is not None:
        previous.status, previous.retired_at = IndicatorSetStatus.RETIRED.value, now
    row.status = IndicatorSetStatus.ACTIVE.value
    row.activated_at, row.activated_by = now, actor.name
    session.flush()
    audit.record(
        session, "assessment:indicators:activate", actor=actor,
        object_type="assessment_indicator_set", object_id=row.id,
        data={"version": row.version, "retired": previous.version if previous else None},
    )  # fmt: skip
    return row


def active_indicators(session: Session) -> Compiled:
    """The active set compiled; the shipped set until an operator activates one."""
    row = session.execute(
        select(IndicatorSet).where(IndicatorSet.status == IndicatorSetStatus.ACTIVE.value)
    ).scalar_one_or_none()
    if row is None:
        return rules.compile_set(rules.shipped())
    return rules.compile_set(rules.from_content(row.content))


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    indicator: str
    whole: int
    part: int  # the bad part (late, rejected, missing, alerts)
    value: float  # the good share 0..1 as the indicator defines it
    points: float  # value × weight
    target: float | None
    finding: bool  # value below target


@dataclass(frozen=True)
class UnitResult:
    kind: str  # department, city
    code: str
    total: float
    rank: int
    figures: dict[str, Figure]


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    indicators: tuple[Indicator, ...]
    units: list[UnitResult]


@dataclass(frozen=True)
class Item:
    indicator: str
    unit_kind: str
    unit_code: str
    organization_id: uuid.UUID
    organization: str
    object_type: str
    object_id: str
    reference: str
    due_on: date | None
    done_on: date | None
    reason: str


def issue(
    session: Session, *, actor: Actor, period: Period, now: datetime | None = None
) -> Assessment:
    raise NotImplementedError


def list_assessments(session: Session, *, actor: Actor) -> list[Assessment]:
    raise NotImplementedError


def get_or_raise(session: Session, assessment_id: uuid.UUID, *, actor: Actor) -> Assessment:
    raise NotImplementedError


def view(session: Session, assessment: Assessment, *, actor: Actor) -> AssessmentView:
    raise NotImplementedError


def items(
    session: Session,
    assessment: Assessment,
    *,
    actor: Actor,
    indicator: str,
    unit_kind: str,
    unit_code: str,
) -> list[Item]:
    raise NotImplementedError


def verify(session: Session, assessment: Assessment) -> bool:
    raise NotImplementedError


def recompute_digest(session: Session, assessment: Assessment) -> str:
    raise NotImplementedError


def trend(
    session: Session, *, actor: Actor, kind: str = "month", limit: int = 12
) -> list[tuple[str, list[UnitResult]]]:
    raise NotImplementedError
