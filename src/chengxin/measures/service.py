"""Which measures apply to one subject in one scene, and why (R7, R8; RULES.md §5).

Pure functions over what the caller already read (list memberships, the records visible to the
checking body, dispute marks): no database access, so a batch of 10,000 subjects costs only the
caller's set-based reads. Rules:

- a measure applies when any of its triggers matches, and only in its scenes;
- ``target``: memberships of the person themself reach ``subject`` measures; memberships reached
  through an organization's listing (R8.4, ``via_organization``) reach ``responsible_persons``
  measures only — never wider targets than the law sets;
- records are those the visibility rule lets the checking body see (display window, current
  version; repaired, revoked and expired ones never count);
- incentives are withheld while the person is on a black list themself;
- a measure whose every reason rests on disputed records or on list entries whose records are all
  in dispute is still shown, marked ``disputed`` (ADR 0017).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from chengxin.catalog.schema import Category
from chengxin.lists.memberships import Membership
from chengxin.lists.models import ListKind
from chengxin.measures.catalog import (
    GradeTrigger,
    ListTrigger,
    Measure,
    MeasureType,
    RecordsTrigger,
    RuleTrigger,
    Target,
)


@dataclass(frozen=True)
class RecordFact:
    """What the measures read of one visible record version."""

    id: uuid.UUID
    kind_code: str
    category: str
    severity: str | None
    finding_on: date


@dataclass(frozen=True)
class Why:
    """One reason a measure applies: a list entry, some records, or a rule."""

    trigger: str  # list, records, rule, grade
    text: str
    disputed: bool = False
    entry_id: uuid.UUID | None = None
    entry_reference: str | None = None
    list_type: str | None = None
    via_organization: str | None = None
    role: str | None = None
    record_ids: tuple[uuid.UUID, ...] = ()
    rule: str | None = None


@dataclass(frozen=True)
class Applied:
    """A measure that applies, with its reasons."""

    measure: Measure
    why: tuple[Why, ...]

    @property
    def disputed(self) -> bool:
        """Every reason rests on something in dispute."""
        return all(w.disputed for w in self.why)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class _ListStep:
    list_types: frozenset[str]
    list_kind: str | None


@dataclass(frozen=True)
class _RecordsStep:
    kinds: frozenset[str]
    category: str | None
    severities: frozenset[str]
    within_years: int | None


@dataclass(frozen=True)
class _Plan:
    """A measure's triggers as plain values, computed once per process (hot path)."""

    incentive: bool
    targets: frozenset[Target]
    steps: tuple[_ListStep | _RecordsStep | RuleTrigger | GradeTrigger, ...]


# By identity: hashing a pydantic model walks all its fields on every lookup. The measure is
# kept alongside, so an id is never reused while its entry lives.
_PLANS: dict[int, tuple[Measure, _Plan]] = {}


def _plan(measure: Measure) -> _Plan:
    known = _PLANS.get(id(measure))
    if known is not None and known[0] is measure:
        return known[1]
    plan = _compile(measure)
    _PLANS[id(measure)] = (measure, plan)
    return plan


def _compile(measure: Measure) -> _Plan:
    steps: list[_ListStep | _RecordsStep | RuleTrigger | GradeTrigger] = []
    for t in measure.triggers:
        if isinstance(t, ListTrigger):
            steps.append(
                _ListStep(frozenset(t.list_types), t.list_kind.value if t.list_kind else None)
            )
        elif isinstance(t, RecordsTrigger):
            steps.append(
                _RecordsStep(
                    frozenset(t.kinds),
                    t.category.value if t.category else None,
                    frozenset(s.value for s in t.severities),
                    t.within_years,
                )
            )
        else:
            steps.append(t)
    return _Plan(measure.type is MeasureType.INCENTIVE, frozenset(measure.target), tuple(steps))


def _list_whys(
    step: _ListStep,
    targets: Collection[Target],
    memberships: Sequence[Membership],
    disputed_entries: Collection[uuid.UUID],
) -> list[Why]:
    found = []
    for m in memberships:
        target = Target.SUBJECT if m.via_organization is None else Target.RESPONSIBLE_PERSONS
        if target not in targets:
            continue
        if step.list_types and m.list_type not in step.list_types:
            continue
        if step.list_kind is not None and m.kind != step.list_kind:
            continue
        text = f"列入{m.name_zh}（{m.reference}）"
        if m.via_organization is not None:
            text = f"所在单位 {m.via_organization} {text}，本人为{m.role or '负责人'}"
        found.append(
            Why(
                trigger="list",
                text=text,
                disputed=m.entry_id in disputed_entries,
                entry_id=m.entry_id,
                entry_reference=m.reference,
                list_type=m.list_type,
                via_organization=m.via_organization,
                role=m.role,
            )
        )
    return found


def _records_why(
    step: _RecordsStep,
    records: Sequence[RecordFact],
    disputed_records: Collection[uuid.UUID],
    today: date,
) -> Why | None:
    since = years_before(today, step.within_years) if step.within_years else None
    matched = [
        r
        for r in records
        if (not step.kinds or r.kind_code in step.kinds)
        and (step.category is None or r.category == step.category)
        and (not step.severities or r.severity in step.severities)
        and (since is None or r.finding_on > since)
    ]
    if not matched:
        return None
    kinds = "、".join(sorted({r.kind_code for r in matched}))
    window = f"（近{step.within_years}年内认定）" if step.within_years else ""
    return Why(
        trigger="records",
        text=f"{len(matched)} 条信用记录{window}：{kinds}",
        disputed=all(r.id in disputed_records for r in matched),
        record_ids=tuple(r.id for r in matched),
    )


def _rule_why(
    trigger: RuleTrigger,
    memberships: Sequence[Membership],
    records: Sequence[RecordFact],
    today: date,
) -> Why | None:
    since = years_before(today, trigger.years)
    dishonest = [
        r for r in records if r.category == Category.DISHONEST.value and r.finding_on > since
    ]
    if dishonest:
        return None
    good = [r for r in records if r.category == Category.GOOD.value]
    red = [m for m in memberships if m.via_organization is None and m.kind == ListKind.RED.value]
    if len(good) + len(red) < trigger.min_good_records:
        return None
    return Why(
        trigger="rule",
        rule=trigger.rule,
        text=f"近{trigger.years}年无失信记录，且有 {len(good)} 条守信记录、{len(red)} 个红名单",
        record_ids=tuple(r.id for r in good),
    )


def _own_why(  # noqa: PLR0917  # one step and what the person's own reasons are read from
    step: _RecordsStep | RuleTrigger | GradeTrigger,
    memberships: Sequence[Membership],
    records: Sequence[RecordFact],
    disputed_records: Collection[uuid.UUID],
    grade: str | None,
    today: date,
) -> Why | None:
    if isinstance(step, _RecordsStep):
        return _records_why(step, records, disputed_records, today) if records else None
    if isinstance(step, GradeTrigger):
        if grade is None or grade not in step.grades:
            return None
        return Why(trigger="grade", rule="grade", text=f"诚信积分等级 {grade}")
    return _rule_why(step, memberships, records, today)


def applicable(
    measures: Iterable[Measure],
    *,
    memberships: Sequence[Membership],
    records: Sequence[RecordFact],
    disputed_records: Collection[uuid.UUID] = frozenset(),
    disputed_entries: Collection[uuid.UUID] = frozenset(),
    grade: str | None = None,
    today: date,
) -> list[Applied]:
    """The measures (already narrowed to the scene) that apply to one subject, each with every
    reason that triggered it, in catalog order."""
    blacklisted = any(
        m.via_organization is None and m.kind == ListKind.BLACK.value for m in memberships
    )
    found = []
    for measure in measures:
        plan = _plan(measure)
        if plan.incentive and blacklisted:
            continue
        whys: list[Why] = []
        for step in plan.steps:
            if isinstance(step, _ListStep):
                if memberships:
                    whys += _list_whys(step, plan.targets, memberships, disputed_entries)
                continue
            if Target.SUBJECT not in plan.targets:
                continue  # records, rules and grades are about the person themself
            why = _own_why(step, memberships, records, disputed_records, grade, today)
            if why is not None:
                whys.append(why)
        if whys:
            found.append(Applied(measure, tuple(whys)))
    return found
