"""The demo's tasks: the seed policy's, and one opened from its assessment's first finding, each
recorded once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from chengxin.assessment import service as assessment_service
from chengxin.demo import tasks as demo_tasks
from chengxin.security.actor import system_actor
from chengxin.tracking import seed as tracking_seed
from chengxin.tracking import service as tracking_service
from chengxin.tracking.models import Task
from tests.supervision.fixtures import seed

ACTOR = system_actor("demo")


def test_the_demo_records_the_policy_tasks_and_one_from_a_finding_once(runtime: Any) -> None:
    with runtime.scope() as session:
        seed(session)
        issued = assessment_service.issue(
            session,
            actor=ACTOR,
            period=assessment_service.period_of("month", "2026-11"),
            now=datetime(2026, 12, 3, 2, tzinfo=UTC),
        )
        assessment_id = issued.id
    policy = len(tracking_seed.seed_document().tasks)
    assert demo_tasks.seed(runtime, actor=ACTOR) == policy + 1
    assert demo_tasks.seed(runtime, actor=ACTOR) == 0
    with runtime.scope() as session:
        [task] = tracking_service.tasks_for_assessment(session, assessment_id, actor=ACTOR)
        assert task.source == "finding"
        assert task.indicator is not None
        assert session.execute(select(func.count()).select_from(Task)).scalar_one() == policy + 1
