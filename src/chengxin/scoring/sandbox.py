"""The policy sandbox: evaluate a draft ruleset over the whole population without activating it.

Each batch of subjects is loaded once and scored twice, with the active ruleset ("before") and
the draft ("after"), on the same day, so the comparison isolates the rules. Nothing is written
but one audit entry for the run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.scoring import engine
from chengxin.scoring import service as scoring_service
from chengxin.scoring.errors import RulesetNotDraft
from chengxin.scoring.models import RulesetStatus
from chengxin.security.actor import Actor
from chengxin.settings import Settings
from chengxin.workdays.days import day_of


@dataclass
class Movement:
    subjects: int = 0
    up: int = 0
    down: int = 0
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)

    def add(self, before: str, after: str, rank: dict[str, int]) -> None:
        self.subjects += 1
        self.before[before] += 1
        self.after[after] += 1
        if rank.get(after, 0) > rank.get(before, 0):
            self.up += 1
        elif rank.get(after, 0) < rank.get(before, 0):
            self.down += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "subjects": self.subjects,
            "up": self.up,
            "down": self.down,
            "before": dict(sorted(self.before.items())),
            "after": dict(sorted(self.after.items())),
        }


@dataclass(frozen=True)
class Comparison:
    active_version: str
    draft_version: str
    on: str
    total: dict[str, Any]
    by_region: dict[str, dict[str, Any]]
    by_domain: dict[str, dict[str, Any]]
    mean_before: float
    mean_after: float


def compare(
    session: Session,
    version: str,
    *,
    settings: Settings,
    actor: Actor,
    now: datetime | None = None,
) -> Comparison:
    """Grade distribution before and after, moved up and down, by region and by domain (the
    subjects with a counted record in that domain)."""
    now = now or utcnow()
    row = scoring_service.get_ruleset_or_raise(session, version)
    if row.status != RulesetStatus.DRAFT.value:
        raise RulesetNotDraft(f"this ruleset is {row.status}")
    draft = scoring_service.compiled_of(row)
    active = scoring_service.active_rules(session)
    _, document = catalog_service.active_document(session)
    today = day_of(now)
    # Grades of both rulesets on one scale: the active ruleset's order, then the draft's.
    rank = active.grade_order
    for grade, position in draft.grade_order.items():
        rank.setdefault(grade, position)
    total, regions, domains = Movement(), dict[str, Movement](), dict[str, Movement]()
    sum_before = sum_after = 0
    for batch in scoring_service.population(session, settings.scoring_batch_subjects):
        region_of = dict(batch)
        inputs = scoring_service.load_inputs(
            session, document, list(region_of), now=now, settings=settings
        )
        for subject_id, (records, held) in inputs.items():
            before = engine.score(active, records, held, today)
            after = engine.score(draft, records, held, today)
            sum_before += before.total
            sum_after += after.total
            total.add(before.grade, after.grade, rank)
            region = region_of[subject_id] or "unknown"
            regions.setdefault(region, Movement()).add(before.grade, after.grade, rank)
            for domain in sorted({r[2] for r in records}):
                domains.setdefault(domain, Movement()).add(before.grade, after.grade, rank)
    audit.record(
        session,
        "scoring:ruleset:sandbox",
        actor=actor,
        object_type="scoring_ruleset",
        object_id=row.id,
        data={"draft": version, "active": active.version, "subjects": total.subjects},
    )
    n = max(total.subjects, 1)
    return Comparison(
        active_version=active.version,
        draft_version=draft.version,
        on=today.isoformat(),
        total=total.as_dict(),
        by_region={k: v.as_dict() for k, v in sorted(regions.items())},
        by_domain={k: v.as_dict() for k, v in sorted(domains.items())},
        mean_before=round(sum_before / n, 2),
        mean_after=round(sum_after / n, 2),
    )
