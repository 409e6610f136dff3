"""The indicator formulas: each counts the platform's own facts per organization in a period,
as they stood at a moment (``as_of``).

Every formula returns, per organization, the whole (cases counted) and the bad part (late,
rejected, missing, alerts), and the bad cases as items. A fact whose timestamp is after
``as_of`` does not exist yet (a record received later is not counted; a decision made later is
not made), so an assessment can be computed again, byte for byte, after more activity.

Deadlines follow the platform's one rule (``workdays.in_time``: an act is in time strictly
before the exclusive deadline ``workdays.due_after`` gives). Period bounds are Beijing days.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from chengxin import workdays
from chengxin.access.models import Alert, Query
from chengxin.assessment.rules import Indicator
from chengxin.checks.models import Check, CheckSubject
from chengxin.ingestion.models import IngestBatch, IngestRejection
from chengxin.lists.models import ListEntry
from chengxin.objections.models import Objection
from chengxin.records.models import CreditRecord
from chengxin.repair.models import RepairApplication
from chengxin.tips.models import Tip
from chengxin.workdays.days import day_of, midnight

# How far before a period a deadline-bound case may start (checks, list terms) to fall due in it.
LOOKBACK = timedelta(days=120)
NOTICE_MISSING = "notice-missing"  # the exchange's code for a dishonest row without its notice


@dataclass(frozen=True)
class Window:
    """A period as moments, and the moment facts are counted up to."""

    since: date
    until: date  # inclusive
    as_of: datetime

    @property
    def start(self) -> datetime:
        return midnight(self.since)

    @property
    def end(self) -> datetime:
        """The exclusive end of the period (midnight after its last day, Beijing)."""
        return midnight(self.until + timedelta(days=1))

    @property
    def cut(self) -> datetime:
        """The earlier of the period's end and ``as_of``."""
        return min(self.end, self.as_of)

    def falls_in(self, day: date) -> bool:
        return self.since <= day <= self.until


@dataclass(frozen=True)
class ItemRow:
    organization_id: uuid.UUID
    object_type: str
    object_id: str
    reference: str
    due_on: date | None
    done_on: date | None
    reason: str  # late, open_overdue, rejected, not_notified, missing, alert


@dataclass
class Counted:
    """Per organization: [whole, part]; and the bad cases."""

    counts: dict[uuid.UUID, list[int]] = field(default_factory=dict)
    items: list[ItemRow] = field(default_factory=list)

    def add(self, org: uuid.UUID, whole: int, part: int) -> None:
        pair = self.counts.setdefault(org, [0, 0])
        pair[0] += whole
        pair[1] += part


Formula = Callable[[Session, Indicator, Window, workdays.Calendar], Counted]


def push_timeliness(
    session: Session, indicator: Indicator, window: Window, calendar: workdays.Calendar
) -> Counted:
    """Records first pushed (version 1) in the period; on time when received on or before the
    N-th working day after the finding date (N: ``within_workdays``, or ``by_kind``'s)."""
    within: int = indicator.params["within_workdays"]
    by_kind: dict[str, int] = indicator.params.get("by_kind") or {}
    rows = session.execute(
        select(
            CreditRecord.id,
            CreditRecord.provider_id,
            CreditRecord.source_id,
            CreditRecord.kind_code,
            CreditRecord.finding_on,
            CreditRecord.received_at,
        ).where(
            CreditRecord.version == 1,
            CreditRecord.received_at >= window.start,
            CreditRecord.received_at < window.cut,
            CreditRecord.received_at <= window.as_of,
        )
    ).all()
    out = Counted()
    dues: dict[tuple[date, int], date] = {}  # a month's records share few finding days
    for record_id, provider, source_id, kind, finding_on, received_at in rows:
        days = by_kind.get(kind, within)
        due_on = dues.get((finding_on, days))
        if due_on is None:
            due_on = dues[finding_on, days] = workdays.add_working_days(
                finding_on, days, calendar=calendar
            )
        done_on = day_of(received_at)
        late = done_on > due_on
        out.add(provider, 1, int(late))
        if late:
            out.items.append(
                ItemRow(
                    provider, "credit_record", str(record_id), source_id, due_on, done_on, "late"
                )
            )
    return out


def rejection_rate(
    session: Session,
    indicator: Indicator,  # noqa: ARG001
    window: Window,
    calendar: workdays.Calendar,  # noqa: ARG001
) -> Counted:
    """Rows submitted and rows rejected in the batches received in the period and finished by
    ``as_of`` (a batch still being processed then has no final counts)."""
    rows = session.execute(
        select(
            IngestBatch.id,
            IngestBatch.provider_id,
            IngestBatch.submitted,
            IngestBatch.rejected,
            IngestBatch.received_at,
        ).where(
            IngestBatch.received_at >= window.start,
            IngestBatch.received_at < window.cut,
            IngestBatch.finished_at.is_not(None),
            IngestBatch.finished_at <= window.as_of,
        )
    ).all()
    out = Counted()
    for batch_id, provider, submitted, rejected, received_at in rows:
        out.add(provider, submitted, rejected)
        if rejected:
            out.items.append(
                ItemRow(
                    provider,
                    "ingest_batch",
                    str(batch_id),
                    f"{rejected}/{submitted}",
                    None,
                    day_of(received_at),
                    "rejected",
                )
            )
    return out


def notice_share(
    session: Session,
    indicator: Indicator,  # noqa: ARG001
    window: Window,
    calendar: workdays.Calendar,  # noqa: ARG001
) -> Counted:
    """Dishonest findings pushed in the period: with the day the person was told (notified)
    or without. The exchange rejects a dishonest row without it (``notice-missing``, 湖北省社会
    信用信息管理条例 Art. 23), so the part without counts those rejected rows, and any version-1
    dishonest record stored without a notice date that no version received by ``as_of`` has
    added (records that came in before the rule)."""
    later = aliased(CreditRecord)
    notified = exists().where(
        later.provider_id == CreditRecord.provider_id,
        later.source_id == CreditRecord.source_id,
        later.notified_on.is_not(None),
        later.received_at <= window.as_of,
    )
    rows = session.execute(
        select(
            CreditRecord.id,
            CreditRecord.provider_id,
            CreditRecord.source_id,
            CreditRecord.received_at,
            notified,
        ).where(
            CreditRecord.version == 1,
            CreditRecord.category == "dishonest",
            CreditRecord.received_at >= window.start,
            CreditRecord.received_at < window.cut,
        )
    ).all()
    out = Counted()
    for record_id, provider, source_id, received_at, told in rows:
        out.add(provider, 1, int(not told))
        if not told:
            out.items.append(
                ItemRow(
                    provider,
                    "credit_record",
                    str(record_id),
                    source_id,
                    None,
                    day_of(received_at),
                    "not_notified",
                )
            )
    rejected = session.execute(
        select(
            IngestRejection.batch_id,
            IngestRejection.row_no,
            IngestRejection.source_id,
            IngestRejection.errors,
            IngestBatch.provider_id,
            IngestBatch.received_at,
        )
        .join(IngestBatch, IngestBatch.id == IngestRejection.batch_id)
        .where(
            IngestBatch.received_at >= window.start,
            IngestBatch.received_at < window.cut,
            IngestBatch.finished_at.is_not(None),
            IngestBatch.finished_at <= window.as_of,
        )
    ).all()
    for batch_id, row_no, source_id, errors, provider, received_at in rejected:
        if not any(e.get("code") == NOTICE_MISSING for e in errors or []):
            continue
        out.add(provider, 1, 1)
        out.items.append(
            ItemRow(
                provider,
                "ingest_rejection",
                f"{batch_id}:{row_no}",
                source_id or f"#{row_no}",
                None,
                day_of(received_at),
                "not_notified",
            )
        )
    return out


def _decided_on_time(
    session: Session,
    window: Window,
    table: Any,
    *,
    org: Any,
    at: Any,
    due: Any,
    filed: Any,
    object_type: str,
) -> Counted:
    """Cases decided in the period (late unless in time) and cases still open at ``as_of`` whose
    deadline passed before the period's end (late)."""
    decided = and_(at.is_not(None), at >= window.start, at < window.cut, at <= window.as_of)
    open_overdue = and_(
        filed <= window.as_of, or_(at.is_(None), at > window.as_of), due < window.cut
    )
    rows = session.execute(
        select(table.id, org, table.reference, at, due).where(or_(decided, open_overdue))
    ).all()
    out = Counted()
    for case_id, organization, reference, done_at, due_at in rows:
        made = done_at is not None and done_at <= window.as_of
        late = not (made and workdays.in_time(done_at, due_at))
        out.add(organization, 1, int(late))
        if late:
            out.items.append(
                ItemRow(
                    organization,
                    object_type,
                    str(case_id),
                    reference,
                    workdays.last_day(due_at),
                    day_of(done_at) if made else None,
                    "late" if made else "open_overdue",
                )
            )
    return out


def objections_on_time(
    session: Session,
    indicator: Indicator,  # noqa: ARG001
    window: Window,
    calendar: workdays.Calendar,  # noqa: ARG001
) -> Counted:
    """Objections decided by the provider that answered (R4 deadlines)."""
    return _decided_on_time(
        session,
        window,
        Objection,
        org=Objection.provider_id,
        at=Objection.decided_at,
        due=Objection.decide_due_at,
        filed=Objection.filed_at,
        object_type="objection",
    )


def repairs_on_time(
    session: Session,
    indicator: Indicator,  # noqa: ARG001
    window: Window,
    calendar: workdays.Calendar,  # noqa: ARG001
) -> Counted:
    """Repair applications decided by the finding provider."""
    return _decided_on_time(
        session,
        window,
        RepairApplication,
        org=RepairApplication.provider_id,
        at=RepairApplication.decided_at,
        due=RepairApplication.decide_due_at,
        filed=RepairApplication.filed_at,
        object_type="repair_application",
    )


def tips_on_time(
    session: Session,
    indicator: Indicator,  # noqa: ARG001
    window: Window,
    calendar: workdays.Calendar,  # noqa: ARG001
) -> Counted:
    """Tips first acted on by the organization whose queue holds them, by the first-action
    deadline (``act_due_at``)."""
    return _decided_on_time(
        session,
        window,
        Tip,
        org=Tip.organization_id,
        at=Tip.acted_at,
        due=Tip.act_due_at,
        filed=Tip.received_at,
        object_type="tip",
    )


def check_feedback(
    session: Session, indicator: Indicator, window: Window, calendar: workdays.Calendar
) -> Counted:
    """Checks whose answer carried measures need the checking organization's feedback within
    ``within_workdays`` working days; counted in the period the deadline falls in (once it has
    passed by ``as_of``), late when no feedback came before it."""
    within: int = indicator.params["within_workdays"]
    checks = session.execute(
        select(
            Check.id, Check.organization_id, Check.scene, Check.created_at, Check.feedback_at
        ).where(
            Check.found_count > 0,
            Check.created_at >= window.start - LOOKBACK,
            Check.created_at < window.cut,
        )
    ).all()
    ids = [c[0] for c in checks]
    with_measures: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for check_id, measures in session.execute(
            select(CheckSubject.check_id, CheckSubject.measures).where(
                CheckSubject.check_id.in_(chunk)
            )
        ).all():
            if measures:
                with_measures.add(check_id)
    out = Counted()
    for check_id, organization, scene, created_at, feedback_at in checks:
        if check_id not in with_measures:
            continue
        due = workdays.due_after(created_at, within, calendar=calendar)
        if due > window.as_of or not window.falls_in(workdays.last_day(due)):
            continue
        given = feedback_at if feedback_at is not None and feedback_at <= window.as_of else None
        late = given is None or not workdays.in_time(given, due)
        out.add(organization, 1, int(late))
        if late:
            out.items.append(
                ItemRow(
                    organization,
                    "service_check",
                    str(check_id),
                    f"{day_of(created_at).isoformat()} {scene}",
                    workdays.last_day(due),
                    day_of(given) if given else None,
                    "late" if given else "missing",
                )
            )
    return out


def list_exits_on_time(
    session: Session, indicator: Indicator, window: Window, calendar: workdays.Calendar
) -> Counted:
    """Published list entries whose term ended: removed within ``within_workdays`` working days
    of the term's end; counted in the period that deadline falls in, by the entry's provider."""
    within: int = indicator.params["within_workdays"]
    rows = session.execute(
        select(
            ListEntry.id,
            ListEntry.provider_id,
            ListEntry.reference,
            ListEntry.term_ends_at,
            ListEntry.exited_at,
        ).where(
            ListEntry.provider_id.is_not(None),
            ListEntry.term_ends_at.is_not(None),
            ListEntry.published_at.is_not(None),
            ListEntry.published_at <= window.as_of,
            ListEntry.term_ends_at >= window.start - LOOKBACK,
            ListEntry.term_ends_at < window.cut,
        )
    ).all()
    out = Counted()
    for entry_id, provider, reference, term_ends_at, exited_at in rows:
        if provider is None or term_ends_at is None:
            continue
        due = workdays.due_after(term_ends_at, within, calendar=calendar)
        if due > window.as_of or not window.falls_in(workdays.last_day(due)):
            continue
        gone = exited_at if exited_at is not None and exited_at <= window.as_of else None
        late = gone is None or not workdays.in_time(gone, due)
        out.add(provider, 1, int(late))
        if late:
            out.items.append(
                ItemRow(
                    provider,
                    "list_entry",
                    str(entry_id),
                    reference,
                    workdays.last_day(due),
                    day_of(gone) if gone else None,
                    "late" if gone else "open_overdue",
                )
            )
    return out


def audit_anomalies(
    session: Session,
    indicator: Indicator,  # noqa: ARG001
    window: Window,
    calendar: workdays.Calendar,  # noqa: ARG001
) -> Counted:
    """Access alerts raised about the organization's queries in the period (the part) against
    the queries it registered (the whole); the value falls by 1/``per_point`` an alert."""
    out = Counted()
    queries = session.execute(
        select(Query.organization_id).where(
            Query.created_at >= window.start, Query.created_at < window.cut
        )
    ).all()
    for (organization,) in queries:
        out.add(organization, 1, 0)
    alerts = session.execute(
        select(Alert.id, Alert.organization_id, Alert.rule, Alert.created_at).where(
            Alert.created_at >= window.start, Alert.created_at < window.cut
        )
    ).all()
    for alert_id, organization, rule, created_at in alerts:
        out.add(organization, 0, 1)
        out.items.append(
            ItemRow(
                organization, "access_alert", str(alert_id), rule, None, day_of(created_at), "alert"
            )
        )
    return out


FORMULAS: dict[str, Formula] = {
    "push_timeliness": push_timeliness,
    "rejection_rate": rejection_rate,
    "notice_share": notice_share,
    "objections_on_time": objections_on_time,
    "repairs_on_time": repairs_on_time,
    "check_feedback": check_feedback,
    "list_exits_on_time": list_exits_on_time,
    "tips_on_time": tips_on_time,
    "audit_anomalies": audit_anomalies,
}


def value_of(indicator: Indicator, whole: int, part: int) -> float:
    """The good share 0..1: 1 - part/whole (1 with nothing counted); for ``audit_anomalies``
    max(0, 1 - part/per_point) whatever the whole."""
    if indicator.formula == "audit_anomalies":
        return max(0.0, 1 - part / float(indicator.params["per_point"]))
    if whole <= 0:
        return 1.0
    return max(0.0, 1 - part / whole)
