"""The home page's live figures: one count query each, nothing per row.

Read-only counts over other domains' tables (STYLE.md: the portal sits on top). Whatever is
counted here is public anyway: no figure can be narrowed to one person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.content import service as content_service
from chengxin.lists import types as list_types
from chengxin.records.models import CreditRecord
from chengxin.records.visibility import displayed_clause
from chengxin.reports.models import ReportIssue
from chengxin.workdays.days import day_of


@dataclass(frozen=True)
class HomeFigures:
    list_types: int
    records_displayed: int
    providers: int
    reports_issued: int
    pages: int


def home(session: Session, *, now: datetime) -> HomeFigures:
    """Counts for the home page (four queries; the list types are read from the registry)."""
    today = day_of(now)
    displayed = select(func.count()).select_from(CreditRecord).where(displayed_clause(today))
    providers = select(func.count(func.distinct(CreditRecord.provider_id)))
    reports = select(func.count()).select_from(ReportIssue)
    return HomeFigures(
        list_types=len(list_types.registry()),
        records_displayed=int(session.execute(displayed).scalar_one()),
        providers=int(session.execute(providers).scalar_one()),
        reports_issued=int(session.execute(reports).scalar_one()),
        pages=content_service.count_published(session),
    )
