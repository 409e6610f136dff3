"""The demo's tracked tasks: the seed policy's own task list, and a task opened from the first
finding of the demo's assessment, so the task pages and the assessment page's "tasks opened"
show something on a fresh start (R11.3). Idempotent: tasks already recorded are left alone."""

from __future__ import annotations

from sqlalchemy import select

from chengxin.assessment import service as assessment_service
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor
from chengxin.tracking import seed as tracking_seed
from chengxin.tracking import service as tracking_service
from chengxin.tracking.models import Task, TaskSource


def seed(runtime: Runtime, *, actor: Actor) -> int:
    """Record the seed policy's tasks and one from a finding; how many tasks were recorded."""
    with runtime.scope() as session:
        recorded = tracking_seed.load_seed_tasks(session, actor=actor)
        if session.execute(
            select(Task.id).where(Task.source == TaskSource.FINDING.value).limit(1)
        ).first():
            return recorded
        assessments = assessment_service.list_assessments(session, actor=actor)
        if not assessments:
            return recorded
        shown = assessment_service.view(session, assessments[0], actor=actor)
        names = {i.code: i.name for i in shown.indicators}
        for unit in shown.units:
            finding = next((f for f in unit.figures.values() if f.finding), None)
            orgs = tracking_service.unit_organizations(session, unit.kind, unit.code)
            if finding is None or not orgs:
                continue
            tracking_service.create(
                session,
                tracking_service.TaskInput(
                    title=f"{names.get(finding.indicator, finding.indicator)}未达标整改",
                    description="考核发现该项指标低于目标值，请查明原因、整改并报送进展。",
                    basis=f"考核 {assessments[0].number}（{assessments[0].period_label}）",
                    lead_organization_id=orgs[0].id,
                    responsible_organization_ids=[o.id for o in orgs[1:]],
                    milestones=[tracking_service.MilestoneInput("报送整改情况", workdays=10)],
                    source=TaskSource.FINDING.value,
                    assessment_id=assessments[0].id,
                    indicator=finding.indicator,
                    unit_kind=unit.kind,
                    unit_code=unit.code,
                ),
                actor=actor,
            )
            return recorded + 1
    return recorded
