"""API contract of the working-day calendar."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from chengxin.workdays import years


class HolidaySpanBody(BaseModel):
    name: str = Field(max_length=100, description="The holiday's name, e.g. 春节")
    start: date = Field(description="First day off")
    end: date = Field(description="Last day off (included)")


class AdjustedDayBody(BaseModel):
    day: date = Field(description="A Saturday or Sunday that is a working day (调休上班)")
    name: str = Field(
        default="", max_length=100, description="The holiday it makes up for (default: nearest)"
    )


class YearBody(BaseModel):
    notice: str = Field(
        max_length=200, description="The notice's reference, e.g. 国办发明电〔2026〕7号"
    )
    holidays: list[HolidaySpanBody] = Field(max_length=40, description="Days off, as ranges")
    workdays: list[AdjustedDayBody] = Field(
        default_factory=list, max_length=40, description="Adjusted working days"
    )
    reason: str | None = Field(
        default=None, max_length=500, description="Required to replace a year already entered"
    )

    def entry(self, year: int) -> years.YearEntry:
        return years.YearEntry(
            year=year,
            notice=self.notice,
            holidays=[years.HolidaySpan(h.name, h.start, h.end) for h in self.holidays],
            workdays=[years.AdjustedDay(w.day, w.name) for w in self.workdays],
            reason=self.reason,
        )


class YearSummaryRead(BaseModel):
    year: int
    notice: str = Field(description="The State Council notice's reference")
    source: str = Field(description="package (seeded from chinese-calendar) or operator")
    entered_by: str
    entered_at: datetime
    reason: str | None = Field(description="Why the year was last replaced")
    holidays: int = Field(description="Days off")
    workdays: int = Field(description="Adjusted working days")

    @classmethod
    def of(cls, summary: years.YearSummary) -> YearSummaryRead:
        return cls(**summary.__dict__)


class YearRead(YearSummaryRead):
    holiday_spans: list[HolidaySpanBody]
    adjusted_days: list[AdjustedDayBody]

    @classmethod
    def of_detail(cls, detail: years.YearDetail) -> YearRead:
        return cls(
            **detail.summary.__dict__,
            holiday_spans=[
                HolidaySpanBody(name=h.name, start=h.start, end=h.end) for h in detail.holidays
            ],
            adjusted_days=[AdjustedDayBody(day=w.day, name=w.name) for w in detail.workdays],
        )
