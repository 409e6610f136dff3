"""Monitoring of use (R4.3): alerts for operators when an organization deviates from its usual
pattern — many distinct people in an hour, night-time bursts, a scene never used before, and
checks that never receive feedback. Alerts are rows an operator reads and acknowledges."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.access.errors import AlertNotFound
from chengxin.access.models import Alert, Query, QueryStatus, QuerySubject
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.security.actor import Actor
from chengxin.settings import Settings

BEIJING = timezone(timedelta(hours=8))
NIGHT_HOURS = range(6)  # 00:00-05:59 Beijing time


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _raise(  # noqa: PLR0917  # one row's columns, in the order of the table
    session: Session,
    organization_id: uuid.UUID,
    rule: str,
    window_start: datetime,
    detail: dict[str, Any],
    now: datetime,
) -> Alert | None:
    """One alert per organization, rule and window; repeats in the window are not re-raised."""
    exists = session.execute(
        select(Alert.id).where(
            Alert.organization_id == organization_id,
            Alert.rule == rule,
            Alert.window_start == window_start,
        )
    ).first()
    if exists:
        return None
    alert = Alert(
        organization_id=organization_id,
        rule=rule,
        window_start=window_start,
        detail=detail,
        created_at=now,
    )
    session.add(alert)
    session.flush()
    return alert


def observe(session: Session, query: Query, *, settings: Settings, now: datetime) -> list[Alert]:
    """Check the rules that a just-released query can trip."""
    raised: list[Alert | None] = []
    org, since = query.organization_id, now - timedelta(hours=1)
    recent = (Query.organization_id == org, Query.released_at > since)
    subjects = session.execute(
        select(func.count(func.distinct(QuerySubject.subject_id)))
        .join(Query, Query.id == QuerySubject.query_id)
        .where(*recent)
    ).scalar_one()
    if subjects > settings.access_alert_subjects_per_hour:
        raised.append(
            _raise(session, org, "many-subjects", _hour(now), {"subjects": subjects}, now)
        )
    if now.astimezone(BEIJING).hour in NIGHT_HOURS:
        count = session.execute(select(func.count()).select_from(Query).where(*recent)).scalar_one()
        if count > settings.access_alert_night_queries:
            raised.append(_raise(session, org, "night-burst", _hour(now), {"queries": count}, now))
    if (
        "new-scene" in query.review_reasons
        or not session.execute(
            select(Query.id)
            .where(
                Query.organization_id == org,
                Query.scene == query.scene,
                Query.id != query.id,
                Query.status == QueryStatus.RELEASED.value,
            )
            .limit(1)
        ).first()
    ):
        raised.append(_raise(session, org, "new-scene", _hour(now), {"scene": query.scene}, now))
    return [a for a in raised if a is not None]


def scan_feedback(
    session: Session, *, settings: Settings, now: datetime | None = None
) -> list[Alert]:
    """Organizations with released queries older than the feedback period and no feedback."""
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.access_feedback_days)
    rows = session.execute(
        select(Query.organization_id, func.count())
        .where(
            Query.status == QueryStatus.RELEASED.value,
            Query.released_at < cutoff,
            Query.feedback_at.is_(None),
        )
        .group_by(Query.organization_id)
    ).all()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    raised = [
        _raise(session, org, "no-feedback", day, {"queries": count}, now) for org, count in rows
    ]
    return [a for a in raised if a is not None]


def list_alerts(session: Session, *, open_only: bool, limit: int, offset: int) -> list[Alert]:
    """Alerts, newest first."""
    query = select(Alert)
    if open_only:
        query = query.where(Alert.acknowledged_at.is_(None))
    query = query.order_by(Alert.created_at.desc(), Alert.id).limit(limit).offset(offset)
    return list(session.execute(query).scalars())


def acknowledge(session: Session, alert_id: uuid.UUID, *, note: str | None, actor: Actor) -> Alert:
    """An operator has looked at the alert."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertNotFound
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = utcnow(), actor.name
        audit.record(
            session,
            "access:alert:acknowledge",
            actor=actor,
            object_type="access_alert",
            object_id=alert.id,
            message=note,
        )
    return alert
