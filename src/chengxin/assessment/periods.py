"""Assessment periods: a month (``2026-11``), a quarter (``2026-Q4``) or a year (``2026``),
as Beijing days from the first to the last (inclusive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chengxin.assessment.errors import AssessmentPeriodInvalid
from chengxin.assessment.models import PeriodKind


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter, year
    label: str  # 2026-11, 2026-Q4, 2026
    since: date
    until: date  # inclusive


FIRST_YEAR, LAST_YEAR = 2000, 2099  # the years an assessment may cover


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _parse(kind: str, label: str) -> Period | None:
    parts = label.split("-")
    digits = parts[0].isascii() and parts[0].isdigit() and len(parts[0]) == 4  # noqa: PLR2004
    year = int(parts[0]) if digits else 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    if kind == PeriodKind.YEAR and len(parts) == 1:
        return Period(kind, label, date(year, 1, 1), date(year, 12, 31))
    if len(parts) != 2:  # noqa: PLR2004
        return None
    rest = parts[1]
    month_text = len(rest) == 2 and rest.isascii() and rest.isdigit()  # noqa: PLR2004
    if kind == PeriodKind.MONTH and month_text and 1 <= int(rest) <= 12:  # noqa: PLR2004
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
