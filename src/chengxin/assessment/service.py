"""Work assessments (工作考核, R11.1; seed §7(一) 建立工作考核推进机制).

An operator issues an assessment of a period: every indicator of the active set is computed per
organization from the platform's own facts as they stood at the moment of issue (``as_of``),
summed into units (line departments, cities), weighted, totalled and ranked. The canonical
document (sorted-key JSON, numbers as fixed 4-decimal strings) is stored with its SHA-256 digest
and the platform's Ed25519 signature; the items behind each figure's bad part are stored for the
drill-down. ``recompute_digest`` computes the document again as of ``as_of``: later activity
does not change it.

Scope: operator accounts see every unit (a city-bound one its city's); other accounts see the
department unit of their own organization's department, in the province-wide assessments and
in those of their own city.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.assessment import rules
from chengxin.assessment.document import (
    canonical,
    city_of,
    compute,
    signed_message,
)
from chengxin.assessment.errors import (
    AssessmentNotFound,
    AssessmentPeriodInvalid,
    AssessmentUnitInvalid,
    IndicatorSetExists,
    IndicatorSetNotDraft,
    IndicatorSetNotFound,
)
from chengxin.assessment.models import (
    Assessment,
    AssessmentItem,
    IndicatorSet,
    IndicatorSetStatus,
    UnitKind,
)
from chengxin.assessment.periods import Period, period_of, previous_period
from chengxin.assessment.rules import Compiled, Indicator
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.errors import Forbidden
from chengxin.keys import keyring_of
from chengxin.organizations.models import Organization
from chengxin.organizations.service import sees_every_organization
from chengxin.security.actor import Actor
from chengxin.workdays.days import day_of

__all__ = [
    "AssessmentView",
    "Figure",
    "Item",
    "Period",
    "UnitResult",
    "activate_indicators",
    "active_indicators",
    "get_or_raise",
    "issue",
    "items",
    "items_of_units",
    "list_assessments",
    "list_indicator_sets",
    "period_of",
    "previous_period",
    "recompute_digest",
    "trend",
    "upload_indicators",
    "verify",
    "view",
]

SHIPPED_BY = "system:shipped"


# -- indicator sets ------------------------------------------------------------------------------


def list_indicator_sets(session: Session) -> list[IndicatorSet]:
    return list(
        session.execute(select(IndicatorSet).order_by(IndicatorSet.created_at.desc()))
        .scalars()
        .all()
    )


def upload_indicators(
    session: Session, source: str, *, actor: Actor, now: datetime | None = None
) -> IndicatorSet:
    """Store a valid indicator set as a draft (``indicators-invalid`` otherwise)."""
    now = now or utcnow()
    parsed = rules.parse(source)
    exists = session.execute(
        select(IndicatorSet.id).where(IndicatorSet.version == parsed.version)
    ).first()
    if exists is not None:
        raise IndicatorSetExists
    row = IndicatorSet(
        id=uuid.uuid4(),
        version=parsed.version,
        name=parsed.name,
        content=parsed.model_dump(mode="json"),
        source=source,
        digest=rules.digest(parsed),
        status=IndicatorSetStatus.DRAFT.value,
        created_at=now,
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "assessment:indicators:upload",
        actor=actor,
        object_type="assessment_indicator_set",
        object_id=row.id,
        data={"version": row.version, "digest": row.digest},
    )
    return row


def activate_indicators(
    session: Session, version: str, *, actor: Actor, now: datetime | None = None
) -> IndicatorSet:
    """Make a draft the active set (the previous one retires); audited."""
    now = now or utcnow()
    row = session.execute(
        select(IndicatorSet).where(IndicatorSet.version == version).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise IndicatorSetNotFound
    if row.status != IndicatorSetStatus.DRAFT.value:
        raise IndicatorSetNotDraft(f"this indicator set is {row.status}")
    previous = session.execute(
        select(IndicatorSet).where(IndicatorSet.status == IndicatorSetStatus.ACTIVE.value)
    ).scalar_one_or_none()
    if previous is not None:
        previous.status, previous.retired_at = IndicatorSetStatus.RETIRED.value, now
    row.status = IndicatorSetStatus.ACTIVE.value
    row.activated_at, row.activated_by = now, actor.name
    session.flush()
    audit.record(
        session,
        "assessment:indicators:activate",
        actor=actor,
        object_type="assessment_indicator_set",
        object_id=row.id,
        data={"version": row.version, "retired": previous.version if previous else None},
    )
    return row


def active_indicators(session: Session) -> Compiled:
    """The active set compiled; the shipped set until an operator activates one."""
    row = session.execute(
        select(IndicatorSet).where(IndicatorSet.status == IndicatorSetStatus.ACTIVE.value)
    ).scalar_one_or_none()
    if row is None:
        return rules.compile_set(rules.shipped())
    return rules.compile_set(rules.from_content(row.content))


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    indicator: str
    whole: int
    part: int  # the bad part (late, rejected, missing, alerts)
    value: float  # the good share 0..1 as the indicator defines it
    points: float  # value × weight
    target: float | None
    finding: bool  # value below target


@dataclass(frozen=True)
class UnitResult:
    kind: str  # department, city
    code: str
    total: float
    rank: int
    figures: dict[str, Figure]


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    indicators: tuple[Indicator, ...]
    units: list[UnitResult]


@dataclass(frozen=True)
class Item:
    indicator: str
    unit_kind: str
    unit_code: str
    organization_id: uuid.UUID
    organization: str
    object_type: str
    object_id: str
    reference: str
    due_on: date | None
    done_on: date | None
    reason: str


# -- computing -----------------------------------------------------------------------------------


def _indicators_of(session: Session, version: str) -> Compiled:
    """The indicator set an assessment was computed with (stored; the shipped one by version)."""
    row = session.execute(
        select(IndicatorSet).where(IndicatorSet.version == version)
    ).scalar_one_or_none()
    if row is not None:
        return rules.compile_set(rules.from_content(row.content))
    shipped = rules.shipped()
    if shipped.version != version:
        raise IndicatorSetNotFound(f"indicator set {version} is not stored")
    return rules.compile_set(shipped)


def _record_shipped(session: Session, now: datetime) -> None:
    """Store the shipped set as the active one the first time an assessment is issued with it,
    so the version an assessment names stays reproducible if the shipped file changes."""
    active = session.execute(
        select(IndicatorSet.id).where(IndicatorSet.status == IndicatorSetStatus.ACTIVE.value)
    ).first()
    if active is not None:
        return
    source = rules.shipped_text()
    parsed = rules.parse(source)
    if session.execute(
        select(IndicatorSet.id).where(IndicatorSet.version == parsed.version)
    ).first():
        return
    session.add(
        IndicatorSet(
            id=uuid.uuid4(),
            version=parsed.version,
            name=parsed.name,
            content=parsed.model_dump(mode="json"),
            source=source,
            digest=rules.digest(parsed),
            status=IndicatorSetStatus.ACTIVE.value,
            created_at=now,
            created_by=SHIPPED_BY,
            activated_at=now,
            activated_by=SHIPPED_BY,
        )
    )
    session.flush()


def _number(session: Session, period: Period) -> str:
    compact = period.label.replace("-", "")
    prefix = f"KH{compact}-"
    count = session.execute(
        select(func.count(Assessment.id)).where(Assessment.number.startswith(prefix))
    ).scalar_one()
    return f"{prefix}{count + 1:04d}"


def _issuer_region(session: Session, actor: Actor) -> str | None:
    if not sees_every_organization(session, actor):
        raise Forbidden("only the platform operator issues assessments")
    return None if actor.region_code is None else city_of(actor.region_code)


def issue(
    session: Session, *, actor: Actor, period: Period, now: datetime | None = None
) -> Assessment:
    """Compute, sign and store the assessment of a period as of now, in the issuer's scope."""
    now = now or utcnow()
    if period.since > day_of(now):
        raise AssessmentPeriodInvalid("the period has not begun", field="period_label")
    region_code = _issuer_region(session, actor)
    _record_shipped(session, now)
    # Issues queue on the active set's row, so two at once do not draw the same number.
    session.execute(
        select(IndicatorSet.id)
        .where(IndicatorSet.status == IndicatorSetStatus.ACTIVE.value)
        .with_for_update()
    ).all()
    compiled = active_indicators(session)
    number = _number(session, period)
    computed = compute(
        session,
        number=number,
        period=period,
        region_code=region_code,
        as_of=now,
        compiled=compiled,
    )
    digest = hashlib.sha256(canonical(computed.document)).hexdigest()
    ring = keyring_of(session)
    row = Assessment(
        id=uuid.uuid4(),
        number=number,
        period_kind=period.kind,
        period_label=period.label,
        since_on=period.since,
        until_on=period.until,
        indicator_version=compiled.version,
        region_code=region_code,
        as_of=now,
        issued_at=now,
        issued_by=actor.name,
        document=computed.document,
        digest=digest,
        signature=ring.sign(signed_message(number, digest)),
        key_id=ring.signing_key_id,
    )
    session.add(row)
    session.flush()
    session.add_all(
        AssessmentItem(
            id=uuid.uuid4(),
            assessment_id=row.id,
            indicator=indicator,
            unit_kind=kind,
            unit_code=code,
            organization_id=r.organization_id,
            object_type=r.object_type,
            object_id=r.object_id,
            reference=r.reference[:200],
            due_on=r.due_on,
            done_on=r.done_on,
            reason=r.reason,
        )
        for indicator, kind, code, r in computed.items
    )
    session.flush()
    audit.record(
        session,
        "assessment:assessment:issue",
        actor=actor,
        object_type="assessment",
        object_id=row.id,
        data={
            "number": number,
            "period": period.label,
            "indicators": compiled.version,
            "region": region_code,
            "digest": digest,
        },
    )
    return row


def recompute_digest(session: Session, assessment: Assessment) -> str:
    """The digest of the document computed again from the facts as of ``as_of``."""
    computed = compute(
        session,
        number=assessment.number,
        period=period_of(assessment.period_kind, assessment.period_label),
        region_code=assessment.region_code,
        as_of=assessment.as_of,
        compiled=_indicators_of(session, assessment.indicator_version),
    )
    return hashlib.sha256(canonical(computed.document)).hexdigest()


def verify(session: Session, assessment: Assessment) -> bool:
    """Whether the stored document still has its digest and the digest the platform's signature."""
    digest = hashlib.sha256(canonical(assessment.document)).hexdigest()
    if digest != assessment.digest:
        return False
    ring = keyring_of(session)
    if assessment.key_id != ring.signing_key_id:
        return False
    return ring.check_signature(signed_message(assessment.number, digest), assessment.signature)


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    every: bool  # every unit of the assessments it sees
    city: str | None  # a city-bound operator's city; or the city of the reader's organization
    department: str | None  # a non-operator's own department


def _scope(session: Session, actor: Actor) -> _Scope:
    if sees_every_organization(session, actor):
        city = None if actor.region_code is None else city_of(actor.region_code)
        return _Scope(every=True, city=city, department=None)
    org = session.get(Organization, actor.organization_id) if actor.organization_id else None
    if org is None:
        return _Scope(every=False, city=None, department=None)
    city = city_of(org.region_code) if org.region_code else None
    return _Scope(every=False, city=city, department=org.department)


def _sees_assessment(scope: _Scope, assessment: Assessment) -> bool:
    if scope.every and scope.city is None:
        return True
    if not scope.every and scope.department is None:
        return False
    return assessment.region_code is None or assessment.region_code == scope.city


def _sees_unit(scope: _Scope, assessment: Assessment, kind: str, code: str) -> bool:
    if scope.every:
        if scope.city is None or assessment.region_code == scope.city:
            return True
        return kind == UnitKind.CITY.value and code == scope.city
    return kind == UnitKind.DEPARTMENT.value and code == scope.department


def list_assessments(session: Session, *, actor: Actor) -> list[Assessment]:
    """The assessments the actor sees (some of their units), newest first."""
    scope = _scope(session, actor)
    rows = session.execute(
        select(Assessment).order_by(Assessment.issued_at.desc(), Assessment.number.desc())
    ).scalars()
    return [a for a in rows if _sees_assessment(scope, a)]


def get_or_raise(session: Session, assessment_id: uuid.UUID, *, actor: Actor) -> Assessment:
    """An assessment the actor sees; ``assessment-not-found`` otherwise."""
    row = session.get(Assessment, assessment_id)
    if row is None or not _sees_assessment(_scope(session, actor), row):
        raise AssessmentNotFound
    return row


def _figures(indicators: tuple[Indicator, ...], unit: dict[str, Any]) -> UnitResult:
    by_code = {i.code: i for i in indicators}
    figures = {
        code: Figure(
            indicator=code,
            whole=int(f["whole"]),
            part=int(f["part"]),
            value=float(f["value"]),
            points=float(f["points"]),
            target=by_code[code].target if code in by_code else None,
            finding=bool(f["finding"]),
        )
        for code, f in unit["figures"].items()
    }
    return UnitResult(unit["kind"], unit["code"], float(unit["total"]), int(unit["rank"]), figures)


def view(session: Session, assessment: Assessment, *, actor: Actor) -> AssessmentView:
    """The assessment's indicators and the units the actor sees (departments, then cities, each
    by rank), read from the signed document."""
    scope = _scope(session, actor)
    compiled = _indicators_of(session, assessment.indicator_version)
    units = [
        _figures(compiled.indicators, u)
        for u in assessment.document.get("units", [])
        if _sees_unit(scope, assessment, u["kind"], u["code"])
    ]
    return AssessmentView(assessment, compiled.indicators, units)


def items(
    session: Session,
    assessment: Assessment,
    *,
    actor: Actor,
    indicator: str,
    unit_kind: str,
    unit_code: str,
) -> list[Item]:
    """The facts behind the bad part of one unit's figure (``assessment-unit-invalid`` for an
    indicator or a unit the assessment has not, or the actor does not see)."""
    scope = _scope(session, actor)
    known = {(u["kind"], u["code"]) for u in assessment.document.get("units", [])}
    codes = {i["code"] for i in assessment.document.get("indicators", [])}
    if (
        indicator not in codes
        or (unit_kind, unit_code) not in known
        or not _sees_unit(scope, assessment, unit_kind, unit_code)
    ):
        raise AssessmentUnitInvalid
    return items_of_units(session, assessment, [(unit_kind, unit_code)], indicator=indicator)


def items_of_units(
    session: Session,
    assessment: Assessment,
    units: list[tuple[str, str]],
    *,
    indicator: str | None = None,
) -> list[Item]:
    """The items of these units (of one indicator, or all), by indicator, unit, due day. The
    caller has checked that the reader sees the units (``view``'s units, ``items``)."""
    if not units:
        return []
    query = (
        select(AssessmentItem, Organization.name)
        .join(Organization, Organization.id == AssessmentItem.organization_id)
        .where(AssessmentItem.assessment_id == assessment.id)
        .order_by(
            AssessmentItem.indicator,
            AssessmentItem.unit_kind,
            AssessmentItem.unit_code,
            AssessmentItem.due_on,
            AssessmentItem.done_on,
            AssessmentItem.reference,
            AssessmentItem.object_id,
        )
    )
    if indicator is not None:
        query = query.where(AssessmentItem.indicator == indicator)
    if len(units) == 1:
        [(kind, code)] = units
        query = query.where(AssessmentItem.unit_kind == kind, AssessmentItem.unit_code == code)
    wanted = set(units)
    return [
        Item(
            indicator=r.indicator,
            unit_kind=r.unit_kind,
            unit_code=r.unit_code,
            organization_id=r.organization_id,
            organization=name,
            object_type=r.object_type,
            object_id=r.object_id,
            reference=r.reference,
            due_on=r.due_on,
            done_on=r.done_on,
            reason=r.reason,
        )
        for r, name in session.execute(query).all()
        if (r.unit_kind, r.unit_code) in wanted
    ]


def trend(
    session: Session, *, actor: Actor, kind: str = "month", limit: int = 12
) -> list[tuple[str, list[UnitResult]]]:
    """The units the actor sees in the latest assessment of each period of this kind (the
    last ``limit`` periods, oldest first)."""
    latest: dict[str, Assessment] = {}
    scope = _scope(session, actor)
    for row in list_assessments(session, actor=actor):  # newest first
        if row.period_kind != kind or row.period_label in latest:
            continue
        if scope.every and scope.city is None and row.region_code is not None:
            continue  # a province-wide reader follows the province-wide assessments
        latest[row.period_label] = row
    labels = sorted(latest)[-limit:] if limit > 0 else []
    return [(label, view(session, latest[label], actor=actor).units) for label in labels]
