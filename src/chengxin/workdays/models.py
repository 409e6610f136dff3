"""The working-day calendar as data: each year entered (from the State Council's notice) and its
days that differ from "Monday to Friday work, weekends rest"."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, UTCDateTime


class DayKind:
    HOLIDAY = "holiday"  # 法定节假日 (including the weekend days inside a holiday)
    WORKDAY = "workday"  # 调休上班: a weekend day that is a working day


class Source:
    PACKAGE = "package"  # seeded from the chinese-calendar package
    OPERATOR = "operator"  # entered by an operator (console or API)


class WorkdayYear(Base):
    """One year's arrangement (国务院办公厅关于部分节假日安排的通知), as entered."""

    __tablename__ = "workday_year"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.CALENDAR)}}

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    notice: Mapped[str] = mapped_column(String(200))  # e.g. 国办发明电〔2026〕x号
    source: Mapped[str] = mapped_column(String(16))
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))  # why an entered year was replaced


class WorkdayDay(Base):
    """A day of an entered year that is a holiday, or a weekend day that is a working day."""

    __tablename__ = "workday_day"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.CALENDAR)}}

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(
        Integer, ForeignKey("workday_year.year", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # DayKind
    name: Mapped[str] = mapped_column(String(100))  # the holiday (an adjusted day: what for)
