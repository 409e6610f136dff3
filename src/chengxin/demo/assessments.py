"""The demo's work assessments: last month's and this month's so far, issued once the demo's
data is loaded, so the assessment pages, the dashboard's trend and a finding show on a fresh start
(R11.1). The demo pushes all its records today, so only this month holds its figures (findings
pushed long after their finding dates, objections, repairs); last month's is the quiet one.

Issued through the assessment service like the provincial office's own (signed, audited, as of
now). Idempotent: a month already assessed province-wide is left as it is.
"""

from __future__ import annotations

from sqlalchemy import select

from chengxin.assessment import service as assessment_service
from chengxin.assessment.models import Assessment
from chengxin.db import utcnow
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor
from chengxin.workdays.days import day_of


def seed(runtime: Runtime, *, actor: Actor) -> bool:
    """Issue last month's and this month's assessments unless there are; True when one was."""
    today = day_of(utcnow())
    periods = (
        assessment_service.previous_period("month", today),
        assessment_service.period_of("month", f"{today:%Y-%m}"),
    )
    issued_any = False
    for period in periods:
        with runtime.scope() as session:
            issued = session.execute(
                select(Assessment.id).where(
                    Assessment.period_kind == period.kind,
                    Assessment.period_label == period.label,
                    Assessment.region_code.is_(None),
                )
            ).first()
            if issued is None:
                assessment_service.issue(session, actor=actor, period=period)
                issued_any = True
    return issued_any
