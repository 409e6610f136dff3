"""Watch (issue 7 item 9): an organization subscribes to changes about a person it holds a valid
grant for, and receives them signed, by webhook or in its inbox.

Subscribing names the person (ID number and name, checked against the registry like a query) and
the grant; the grant must be this person's, for this organization, not revoked and not expired.
Watching does not count a use of the grant: a delivery carries no record content, only what
changed (kinds, actions, dates, list steps) and the masked identity. It honours the same rule as
queries: kinds the organization's audience and the grant reach; new or corrected versions only
when visible (current, inside their display window); list entries only once published.

``deliver`` (the ``watch.deliver`` job) scans each active subscription from its watermarks
(``record_event`` / ``list_entry_event`` seq) up to the heads it read, one range scan per batch
of subscriptions, and advances the watermarks even when nothing concerned the person, so the
next scan starts near the head. The grant is checked at every scan and before every webhook
attempt: a revoked or expired grant ends the subscription. Each delivery is an audit entry about
the person naming the organization, so the person sees who watched them (their report's "who
queried me").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin import casework
from chengxin.access import queries as access_queries
from chengxin.access.models import Grant
from chengxin.audit import service as audit
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.identity import idnumber
from chengxin.identity.resolve import PersonAsked, resolve
from chengxin.jobs import service as jobs_service
from chengxin.keys import keyring_of
from chengxin.lists.models import ListEntryEvent
from chengxin.notifications import inbox
from chengxin.organizations.models import Organization
from chengxin.records.models import CreditRecord, RecordEvent
from chengxin.records.visibility import Audience, AudienceKind, allowed_kinds, is_visible
from chengxin.security.actor import Actor, ActorKind
from chengxin.settings import Settings
from chengxin.watch import delivery as transport
from chengxin.watch.errors import (
    WatchAlreadySubscribed,
    WatchGrantInvalid,
    WatchInputInvalid,
    WatchNeedsOrganization,
    WatchSubjectNotFound,
    WatchSubscriptionNotFound,
)
from chengxin.watch.models import (
    Channel,
    DeliveryStatus,
    SubscriptionStatus,
    WatchDelivery,
    WatchSubscription,
)
from chengxin.workdays.days import day_of

TABLE, DELIVERY_TABLE = "watch_subscription", "watch_delivery"
WATCH_SEND = "watch.send"  # job kind: one webhook delivery (tasks.py)
SCENE = "watch"  # how deliveries show in the person's list of who looked at their data
# List steps an outsider may learn of: before publication an entry is not public.
LIST_STEPS = ("published", "exited")
VISIBLE_ACTIONS = ("created", "corrected")  # versions that must be visible to be announced
Scope = Callable[[], AbstractContextManager[Session]]


def watchable(grant: Grant | None, now: datetime) -> str | None:
    """Why a grant cannot carry a watch now (None: it can). Uses are not counted by watching."""
    if grant is None:
        return "grant-missing"
    if grant.revoked_at is not None:
        return "grant-revoked"
    if now >= grant.valid_until:
        return "grant-expired"
    if now < grant.valid_from:
        return "grant-not-yet-valid"
    return None


def _heads(session: Session) -> tuple[int, int]:
    record = session.execute(select(func.max(RecordEvent.seq))).scalar()
    listed = session.execute(select(func.max(ListEntryEvent.seq))).scalar()
    return int(record or 0), int(listed or 0)


def _own_organization(actor: Actor) -> uuid.UUID:
    if actor.organization_id is None:
        raise WatchNeedsOrganization
    return actor.organization_id


def subscribe(
    session: Session,
    *,
    id_number: str,
    name: str,
    grant_id: uuid.UUID,
    channel: Channel,
    webhook_url: str | None,
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> WatchSubscription:
    """Start watching a person under their grant; changes from now on are delivered."""
    now = now or utcnow()
    organization_id = _own_organization(actor)
    access_queries.organization_of(session, actor)  # a blacklisted agency may not watch either
    idnumber.parse(id_number)  # a malformed number is a 422 of its own
    [(_, subject_id)] = resolve(session, [PersonAsked(id_number, name)])
    if subject_id is None:
        raise WatchSubjectNotFound  # unknown and name mismatch answer alike
    grant = session.get(Grant, grant_id)
    if grant is None or (grant.organization_id, grant.subject_id) != (organization_id, subject_id):
        raise WatchGrantInvalid
    reason = watchable(grant, now)
    if reason is not None:
        raise WatchGrantInvalid(f"the grant is not valid now ({reason})", grant_status=reason)
    url = None
    if channel is Channel.WEBHOOK:
        if not webhook_url:
            raise WatchInputInvalid("a webhook delivery needs webhook_url", field="webhook_url")
        url = transport.check_url(
            webhook_url, private_allowed=settings.watch_webhook_private_allowed
        )
    elif webhook_url:
        raise WatchInputInvalid("webhook_url goes with the webhook channel", field="webhook_url")
    already = session.execute(
        select(WatchSubscription.id).where(
            WatchSubscription.organization_id == organization_id,
            WatchSubscription.subject_id == subject_id,
            WatchSubscription.status == SubscriptionStatus.ACTIVE.value,
        )
    ).first()
    if already is not None:
        raise WatchAlreadySubscribed
    masks = casework.masked_identity(session, subject_id)
    record_head, list_head = _heads(session)
    subscription = WatchSubscription(
        id=uuid.uuid4(),
        organization_id=organization_id,
        subject_id=subject_id,
        grant_id=grant.id,
        channel=channel.value,
        webhook_url=url,
        status=SubscriptionStatus.ACTIVE.value,
        masked_name=masks.get("masked_name", ""),
        masked_id_number=masks.get("masked_id_number", ""),
        record_seq=record_head,
        list_seq=list_head,
        created_at=now,
        created_by=actor.name,
    )
    session.add(subscription)
    session.flush()
    audit.record(
        session,
        "watch:subscription:create",
        actor=actor,
        object_type=TABLE,
        object_id=subscription.id,
        subject_id=subject_id,
        at=now,
        data={
            "organization_id": str(organization_id),
            "grant_id": str(grant.id),
            "channel": channel.value,
            "scene": SCENE,
            "purpose": grant.purpose,
        },
    )
    return subscription


def mine(session: Session, *, actor: Actor, include_ended: bool = False) -> list[WatchSubscription]:
    """The organization's subscriptions, newest first."""
    query = select(WatchSubscription).where(
        WatchSubscription.organization_id == _own_organization(actor)
    )
    if not include_ended:
        query = query.where(WatchSubscription.status == SubscriptionStatus.ACTIVE.value)
    return list(session.execute(query.order_by(WatchSubscription.created_at.desc())).scalars())


def get(session: Session, subscription_id: uuid.UUID, *, actor: Actor) -> WatchSubscription:
    """One of the organization's subscriptions (another's is not found)."""
    found = session.get(WatchSubscription, subscription_id)
    if found is None or found.organization_id != _own_organization(actor):
        raise WatchSubscriptionNotFound
    return found


def _end(
    session: Session, subscription: WatchSubscription, reason: str, *, actor: Actor, now: datetime
) -> None:
    subscription.status, subscription.ended_at = SubscriptionStatus.ENDED.value, now
    subscription.end_reason = reason
    audit.record(
        session,
        "watch:subscription:end",
        actor=actor,
        object_type=TABLE,
        object_id=subscription.id,
        subject_id=subscription.subject_id,
        at=now,
        data={
            "organization_id": str(subscription.organization_id),
            "reason": reason,
            "scene": SCENE,
        },
    )


def cancel(
    session: Session, subscription_id: uuid.UUID, *, actor: Actor, now: datetime | None = None
) -> WatchSubscription:
    """The organization stops watching; nothing more is delivered (pending webhooks drop)."""
    subscription = get(session, subscription_id, actor=actor)
    if subscription.status == SubscriptionStatus.ACTIVE.value:
        _end(session, subscription, "cancelled", actor=actor, now=now or utcnow())
    return subscription


# -- the scan --------------------------------------------------------------------------------------


def _for_organization(org: Organization) -> Actor:
    """The job acting for the watching organization: its audit entries name the organization,
    so the person sees who received news about them."""
    return Actor(ActorKind.SYSTEM, "watch", f"system:watch/{org.name}"[:200], org.id)


def _audience(org: Organization, grant: Grant) -> Audience:
    kind = (
        AudienceKind.GOVERNMENT
        if org.kind in access_queries.GOVERNMENT_KINDS
        else AudienceKind.THIRD_PARTY
    )
    return Audience(kind, frozenset(grant.kinds) if grant.kinds is not None else None)


@dataclass
class _Batch:
    records: dict[uuid.UUID, CreditRecord]
    record_events: dict[uuid.UUID, list[RecordEvent]]
    list_events: dict[uuid.UUID, list[ListEntryEvent]]


def _load(session: Session, live: Sequence[WatchSubscription], heads: tuple[int, int]) -> _Batch:
    subjects = sorted({s.subject_id for s in live})
    low_record = min(s.record_seq for s in live)
    low_list = min(s.list_seq for s in live)
    # One range scan of the feed past the lowest watermark (its primary key), not one per person.
    events = list(
        session.execute(
            select(RecordEvent)
            .where(
                RecordEvent.seq > low_record,
                RecordEvent.seq <= heads[0],
                RecordEvent.subject_id.in_(subjects),
            )
            .order_by(RecordEvent.seq)
        ).scalars()
    )
    listed = list(
        session.execute(
            select(ListEntryEvent)
            .where(
                ListEntryEvent.seq > low_list,
                ListEntryEvent.seq <= heads[1],
                ListEntryEvent.subject_id.in_(subjects),
                ListEntryEvent.step.in_(LIST_STEPS),
            )
            .order_by(ListEntryEvent.seq)
        ).scalars()
    )
    ids = sorted({e.record_id for e in events})
    records = (
        {
            r.id: r
            for r in session.execute(select(CreditRecord).where(CreditRecord.id.in_(ids))).scalars()
        }
        if ids
        else {}
    )
    by_subject: dict[uuid.UUID, list[RecordEvent]] = {}
    for event in events:
        by_subject.setdefault(event.subject_id, []).append(event)
    lists_by: dict[uuid.UUID, list[ListEntryEvent]] = {}
    for entry_event in listed:
        if entry_event.subject_id is not None:
            lists_by.setdefault(entry_event.subject_id, []).append(entry_event)
    return _Batch(records, by_subject, lists_by)


def changes_for(
    subscription: WatchSubscription,
    batch: _Batch,
    *,
    kinds: frozenset[str] | None,
    audience: Audience,
    document: Any,
    now: datetime,
) -> list[dict[str, Any]]:
    """What this subscription may learn from the batch: kinds, actions, dates; no content."""
    today = day_of(now)
    found: list[dict[str, Any]] = []
    for event in batch.record_events.get(subscription.subject_id, []):
        if event.seq <= subscription.record_seq or (
            kinds is not None and event.kind_code not in kinds
        ):
            continue
        record = batch.records.get(event.record_id)
        if record is None:
            continue
        if event.action in VISIBLE_ACTIONS:
            if not is_visible(document, audience, record, today):
                continue
        elif record.display_from_on > today:
            continue  # an ending of a version that was never shown tells nothing anyone saw
        found.append(
            {
                "source": "record",
                "seq": event.seq,
                "action": event.action,
                "kind_code": event.kind_code,
                "at": event.at.isoformat(),
                "record_id": str(record.id),
                "finding_on": record.finding_on.isoformat(),
            }
        )
    for entry_event in batch.list_events.get(subscription.subject_id, []):
        if entry_event.seq <= subscription.list_seq:
            continue
        found.append(
            {
                "source": "list",
                "seq": entry_event.seq,
                "step": entry_event.step,
                "list_type": entry_event.list_type,
                "entry_id": str(entry_event.entry_id),
                "at": entry_event.at.isoformat(),
                "reason": entry_event.reason,
            }
        )
    return found


@dataclass(frozen=True)
class DeliverResult:
    scanned: int
    ended: int
    delivered: int  # into inboxes
    queued: int  # webhook deliveries waiting for their job


def _create_delivery(
    session: Session,
    subscription: WatchSubscription,
    org: Organization,
    grant: Grant,
    changes: list[dict[str, Any]],
    *,
    settings: Settings,
    now: datetime,
) -> WatchDelivery:
    delivery_id = uuid.uuid4()
    payload = {
        "type": "chengxin.watch.changes",
        "version": 1,
        "delivery_id": str(delivery_id),
        "subscription_id": str(subscription.id),
        "grant_id": str(grant.id),
        "subject": {
            "masked_name": subscription.masked_name,
            "masked_id_number": subscription.masked_id_number,
        },
        "changes": changes,
        "created_at": now.isoformat(),
    }
    body = transport.canonical(payload)
    signature, key_id = transport.sign(keyring_of(session), body)
    delivery = WatchDelivery(
        id=delivery_id,
        subscription_id=subscription.id,
        organization_id=org.id,
        subject_id=subscription.subject_id,
        channel=subscription.channel,
        body=body.decode("utf-8"),
        signature=signature,
        key_id=key_id,
        changes=len(changes),
        status=DeliveryStatus.PENDING.value,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    if subscription.channel == Channel.OUTBOX.value:
        acting = _for_organization(org)
        inbox.post(
            session,
            organization_id=org.id,
            topic="watch-changes",
            object_type=DELIVERY_TABLE,
            object_id=delivery.id,
            actor=acting,
            now=now,
            data={"payload": payload, "signature": signature, "key_id": key_id},
        )
        _delivered(session, delivery, org, grant, status=None, now=now)
    else:
        audit.record(
            session,
            "watch:delivery:queue",
            actor=_for_organization(org),
            object_type=DELIVERY_TABLE,
            object_id=delivery.id,
            at=now,
            data={"subscription_id": str(subscription.id), "changes": len(changes)},
        )
        jobs_service.enqueue(
            session,
            WATCH_SEND,
            {"delivery_id": str(delivery.id)},
            idempotency_key=f"watch-send:{delivery.id}",
            max_attempts=settings.watch_webhook_attempts,
            now=now,
        )
    return delivery


def _delivered(
    session: Session,
    delivery: WatchDelivery,
    org: Organization,
    grant: Grant,
    *,
    status: int | None,
    now: datetime,
) -> None:
    delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED.value, now
    delivery.response_status = status
    audit.record(
        session,
        "watch:delivery:deliver",
        actor=_for_organization(org),
        object_type=DELIVERY_TABLE,
        object_id=delivery.id,
        subject_id=delivery.subject_id,
        at=now,
        data={
            "organization_id": str(org.id),
            "organization": org.name,
            "scene": SCENE,
            "purpose": grant.purpose,
            "grant_id": str(grant.id),
            "channel": delivery.channel,
            "changes": delivery.changes,
        },
    )


def _scan(
    session: Session,
    subs: list[WatchSubscription],
    *,
    heads: tuple[int, int],
    document: Any,
    settings: Settings,
    actor: Actor,
    now: datetime,
) -> DeliverResult:
    """One batch of subscriptions: end those whose grant ended, deliver or queue the rest's
    changes, move every watermark to the heads."""
    grants = {
        g.id: g
        for g in session.execute(
            select(Grant).where(Grant.id.in_({s.grant_id for s in subs}))
        ).scalars()
    }
    orgs = {
        o.id: o
        for o in session.execute(
            select(Organization).where(Organization.id.in_({s.organization_id for s in subs}))
        ).scalars()
    }
    live = []
    for sub in subs:
        reason = watchable(grants.get(sub.grant_id), now)
        if reason is None:
            live.append(sub)
        else:
            _end(session, sub, reason, actor=actor, now=now)
    batch = _load(session, live, heads) if live else _Batch({}, {}, {})
    delivered = queued = 0
    for sub in live:
        grant, org = grants[sub.grant_id], orgs[sub.organization_id]
        audience = _audience(org, grant)
        changes = changes_for(
            sub,
            batch,
            kinds=allowed_kinds(document, audience),
            audience=audience,
            document=document,
            now=now,
        )
        sub.record_seq = max(sub.record_seq, heads[0])
        sub.list_seq = max(sub.list_seq, heads[1])
        if changes:
            _create_delivery(session, sub, org, grant, changes, settings=settings, now=now)
            delivered += sub.channel == Channel.OUTBOX.value
            queued += sub.channel == Channel.WEBHOOK.value
    return DeliverResult(len(subs), len(subs) - len(live), delivered, queued)


def deliver(
    session: Session, *, settings: Settings, actor: Actor, now: datetime | None = None
) -> DeliverResult:
    """Scan every active subscription from its watermarks, in batches; end those whose grant
    ended; put what changed into inboxes, or queue it for webhooks."""
    now = now or utcnow()
    active = WatchSubscription.status == SubscriptionStatus.ACTIVE.value
    if session.execute(select(WatchSubscription.id).where(active).limit(1)).first() is None:
        return DeliverResult(0, 0, 0, 0)  # nothing to scan (and no catalog needed)
    heads = _heads(session)
    _, document = catalog_service.active_document(session)
    totals = DeliverResult(0, 0, 0, 0)
    after: uuid.UUID | None = None
    while True:
        query = select(WatchSubscription).where(active)
        if after is not None:
            query = query.where(WatchSubscription.id > after)
        subs = list(
            session.execute(
                query.order_by(WatchSubscription.id).limit(settings.watch_scan_batch)
            ).scalars()
        )
        if not subs:
            return totals
        after = subs[-1].id
        done = _scan(
            session, subs, heads=heads, document=document, settings=settings, actor=actor, now=now
        )
        totals = DeliverResult(
            totals.scanned + done.scanned,
            totals.ended + done.ended,
            totals.delivered + done.delivered,
            totals.queued + done.queued,
        )


# -- one webhook delivery --------------------------------------------------------------------------


def send(
    scope: Scope, delivery_id: uuid.UUID, *, settings: Settings, now: datetime | None = None
) -> str:
    """POST one pending webhook delivery. The grant and subscription are checked first (a
    delivery whose grant ended is dropped); the POST runs outside any transaction, so no
    database lock waits on the receiver. A failure raises ``WebhookFailed`` (the job retries)."""
    now = now or utcnow()
    with scope() as session:
        delivery = session.get(WatchDelivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.PENDING.value:
            return "nothing"
        subscription = session.get_one(WatchSubscription, delivery.subscription_id)
        grant = session.get(Grant, subscription.grant_id)
        reason = watchable(grant, now)
        if subscription.status != SubscriptionStatus.ACTIVE.value or reason is not None:
            delivery.status = DeliveryStatus.DROPPED.value
            org = session.get_one(Organization, delivery.organization_id)
            if subscription.status == SubscriptionStatus.ACTIVE.value and reason is not None:
                _end(session, subscription, reason, actor=_for_organization(org), now=now)
            audit.record(
                session,
                "watch:delivery:drop",
                actor=_for_organization(org),
                object_type=DELIVERY_TABLE,
                object_id=delivery.id,
                at=now,
                data={"reason": reason or subscription.end_reason},
            )
            return "dropped"
        url = subscription.webhook_url or ""
        body, signature, key_id = delivery.body.encode(), delivery.signature, delivery.key_id
    # Checked again at send time: the name may resolve elsewhere than when it was registered.
    transport.check_url(url, private_allowed=settings.watch_webhook_private_allowed)
    sent = transport.post(
        url,
        body,
        signature=signature,
        key_id=key_id,
        delivery_id=str(delivery_id),
        timeout=settings.watch_webhook_timeout_seconds,
    )
    with scope() as session:
        delivery = session.get_one(WatchDelivery, delivery_id)
        if delivery.status != DeliveryStatus.PENDING.value:
            return "nothing"
        subscription = session.get_one(WatchSubscription, delivery.subscription_id)
        org = session.get_one(Organization, delivery.organization_id)
        grant = session.get_one(Grant, subscription.grant_id)
        _delivered(session, delivery, org, grant, status=sent.status, now=now)
    return "delivered"


def deliveries_of(
    session: Session, subscription_id: uuid.UUID, *, actor: Actor, limit: int = 50
) -> list[WatchDelivery]:
    """A subscription's deliveries, newest first (the organization's own)."""
    subscription = get(session, subscription_id, actor=actor)
    return list(
        session.execute(
            select(WatchDelivery)
            .where(WatchDelivery.subscription_id == subscription.id)
            .order_by(WatchDelivery.created_at.desc(), WatchDelivery.id)
            .limit(limit)
        ).scalars()
    )
