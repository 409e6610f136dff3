"""The demo's work assessment: last month's, issued once the demo's data is loaded, so the
assessment pages and the dashboard's trend show figures on a fresh start (R11.1).

Issued through the assessment service like the provincial office's own (signed, audited, as of
now). Idempotent: a month already assessed province-wide is left as it is.
"""

from __future__ import annotations

from sqlalchemy import select

from chengxin.assessment import service as assessment_service
from chengxin.assessment.models import Assessment
from chengxin.db import utcnow
from chengxin.records.visibility import day_of
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor


def seed(runtime: Runtime, *, actor: Actor) -> bool:
    """Issue last month's assessment unless there is one; True when one was issued."""
    period = assessment_service.previous_period("month", day_of(utcnow()))
    with runtime.scope() as session:
        issued = session.execute(
            select(Assessment.id).where(
                Assessment.period_kind == period.kind,
                Assessment.period_label == period.label,
                Assessment.region_code.is_(None),
            )
        ).first()
        if issued is not None:
            return False
        assessment_service.issue(session, actor=actor, period=period)
    return True
