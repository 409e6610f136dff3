"""The seed policy's own tasks (``data/seed-tasks.yaml``), recorded once each on the platform.

The policy names its units as departments; each maps to the organization with that catalog
department code (a provincial one first), where the platform has one. The demo loads them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from chengxin import casework
from chengxin.db import utcnow
from chengxin.organizations.models import Organization
from chengxin.security.actor import Actor
from chengxin.tracking import service as tracking_service
from chengxin.tracking.models import Task, TaskSource

PROVINCIAL_SEAT = "420100"  # the provincial departments sit in Wuhan


@dataclass(frozen=True)
class SeedTask:
    key: str
    clause: str
    title: str
    description: str
    lead: tuple[str, ...]
    responsible: tuple[str, ...]
    schedule: str


@dataclass(frozen=True)
class SeedDocument:
    document: str
    milestone_title: str
    milestone_workdays: int
    departments: dict[str, str | None]
    tasks: tuple[SeedTask, ...]


@cache
def seed_document() -> SeedDocument:
    """The shipped task list, parsed."""
    text = resources.files("chengxin.tracking").joinpath("data/seed-tasks.yaml").read_text("utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    tasks = tuple(
        SeedTask(
            key=t["key"],
            clause=t["clause"],
            title=t["title"],
            description=t["description"],
            lead=tuple(t.get("lead") or ()),
            responsible=tuple(t.get("responsible") or ()),
            schedule=t["schedule"],
        )
        for t in raw["tasks"]
    )
    departments = dict(raw["departments"])
    unknown = {n for t in tasks for n in (*t.lead, *t.responsible)} - set(departments)
    if unknown:
        raise ValueError(f"seed tasks name units the department table lacks: {sorted(unknown)}")
    return SeedDocument(
        raw["document"],
        raw["milestone"]["title"],
        int(raw["milestone"]["workdays"]),
        departments,
        tasks,
    )


def _organization_of(session: Session, department: str | None) -> uuid.UUID | None:
    if department is None:
        return None
    return session.execute(
        select(Organization.id)
        .where(Organization.department == department)
        .order_by(
            case((Organization.region_code == PROVINCIAL_SEAT, 0), else_=1), Organization.name
        )
        .limit(1)
    ).scalar_one_or_none()


def load_seed_tasks(session: Session, *, actor: Actor, now: datetime | None = None) -> int:
    """Record the seed policy's tasks not recorded yet; how many were recorded."""
    now = now or utcnow()
    doc = seed_document()
    done = set(session.execute(select(Task.seed_key).where(Task.seed_key.is_not(None))).scalars())
    operators = casework.operator_ids(session)
    recorded = 0
    for item in doc.tasks:
        if item.key in done:
            continue
        leads = [o for n in item.lead if (o := _organization_of(session, doc.departments[n]))]
        responsible = [
            o for n in item.responsible if (o := _organization_of(session, doc.departments[n]))
        ]
        lead = next(iter(leads or responsible or operators), None)
        if lead is None:
            continue  # no organization at all yet: a later load records it
        task = tracking_service.create(
            session,
            tracking_service.TaskInput(
                title=item.title,
                description=item.description,
                basis=f"{doc.document}{item.clause}",
                lead_organization_id=lead,
                responsible_organization_ids=[*leads, *responsible],
                milestones=[
                    tracking_service.MilestoneInput(
                        doc.milestone_title, workdays=doc.milestone_workdays
                    )
                ],
                source=TaskSource.SEED.value,
                schedule=item.schedule,
            ),
            actor=actor,
            now=now,
        )
        task.seed_key = item.key
        task.named_units = {"lead": list(item.lead), "responsible": list(item.responsible)}
        recorded += 1
    session.flush()
    return recorded
