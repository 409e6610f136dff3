"""Whistleblowing tips (举报, R9.1; issue 7 item 8).

Anyone, without an account, reports suspected serious dishonesty: about whom (free text; an ID
number or credit code only as a keyed blind index and a masked form), in which domain (a
serious-dishonesty list type, or ``other``), what happened, and an optional contact — all sealed.
The answer is a reference (``JB-2026-7Q4M9KXA``) and a lookup secret; with both, the submitter
follows the state and the public notes (POST, so nothing is in a URL).

Abuse: per client (keyed HMAC of the address) a fixed hourly window of submits and of look-ups
(``chengxin.ratelimit``), counted in their own unit of work, so a refused or failed request still
counts; the same text is accepted only a few times a day, from anyone.

Routing: the list type's proposing departments (``lists.types``: organization kinds and
department codes) are the competent departments; one matching organization (narrowed by the
region given, if several) gets the tip; otherwise the platform operator's queue does, and
operators route it by hand. States: received → routed → in_progress → closed (substantiated,
unsubstantiated, transferred), each a ``tip_event`` row and an audit entry with the actor. A sweep
tells operators of tips nobody started on within ``tips_act_working_days`` working days.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin import casework, privacy, ratelimit, workdays
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.identity import idnumber
from chengxin.keys import keyring_of
from chengxin.keys.keyring import Keyring
from chengxin.keys.sealed import seal, unseal
from chengxin.lists import types as list_types
from chengxin.lists.models import ListKind
from chengxin.notifications import inbox
from chengxin.organizations import service as organization_service
from chengxin.organizations.errors import CreditCodeInvalid
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.security.actor import ANONYMOUS, Actor
from chengxin.settings import Settings
from chengxin.tips.errors import (
    TipFlood,
    TipInputInvalid,
    TipNotFound,
    TipNotYours,
    TipRateLimited,
    TipTransitionInvalid,
)
from chengxin.tips.models import (
    OPEN_STATUSES,
    Tip,
    TipEvent,
    TipOutcome,
    TipStatus,
)

TABLE, EVENT_TABLE = "tip", "tip_event"
OTHER_DOMAIN = "other"
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone
_DAY = timedelta(hours=24)
Scope = Callable[[], AbstractContextManager[Session]]

# Which state may follow which; "routed" again is an operator's re-routing.
ALLOWED: dict[TipStatus, frozenset[TipStatus]] = {
    TipStatus.RECEIVED: frozenset({TipStatus.ROUTED}),
    TipStatus.ROUTED: frozenset({TipStatus.ROUTED, TipStatus.IN_PROGRESS, TipStatus.CLOSED}),
    TipStatus.IN_PROGRESS: frozenset({TipStatus.ROUTED, TipStatus.CLOSED}),
    TipStatus.CLOSED: frozenset(),
}


class RateAction:
    """What tips count per client (``chengxin.ratelimit``)."""

    SUBMIT = "submit"
    LOOKUP = "lookup"


@dataclass(frozen=True)
class TipInput:
    """What a submitter sends (already shape-checked by the schema)."""

    domain: str
    about: str
    what: str
    id_number: str | None = None
    credit_code: str | None = None
    region_code: str | None = None
    contact: str | None = None


@dataclass(frozen=True)
class Receipt:
    """What the submitter keeps: the reference and the secret (shown once, never stored)."""

    tip: Tip
    secret: str
    handled_by: str  # the name of the organization whose queue it went to


# -- rate limit ------------------------------------------------------------------------------------


def take(scope: Scope, *, client_ip: str | None, action: str, limit: int, now: datetime) -> None:
    """Count one request of this client in the current hour (``chengxin.ratelimit``, committed
    at once); ``tip-rate-limited`` with ``retry_after`` past the limit."""
    ratelimit.take(
        scope, client_ip=client_ip, action=action, limit=limit, now=now, refuse=TipRateLimited
    )


# -- submit ----------------------------------------------------------------------------------------


def _reference(session: Session, now: datetime) -> str:
    for _ in range(5):
        tail = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        reference = f"JB-{now:%Y}-{tail}"
        if session.execute(select(Tip.id).where(Tip.reference == reference)).first() is None:
            return reference
    raise RuntimeError("no free tip reference after 5 draws")  # 31^8 per year: not reached


def _secret_hash(ring: Keyring, tip_id: uuid.UUID, secret: str) -> bytes:
    return ring.blind(b"tip-secret", f"{tip_id}:{secret}")


def _text_digest(ring: Keyring, what: str) -> bytes:
    # Whitespace and case do not make a text new (Chinese text needs no spaces at all).
    return ring.blind(b"tip-text", "".join(what.split()).casefold())


def mask_credit_code(code: str) -> str:
    """913502********653A: region and registration kept, the rest but the last four hidden."""
    return code[:6] + "*" * (len(code) - 10) + code[-4:]


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _check_domain(domain: str) -> str:
    if domain == OTHER_DOMAIN:
        return domain
    found = list_types.get(domain)
    if found is None or found.kind is not ListKind.BLACK:
        raise TipInputInvalid(
            "domain: one of GET /api/v1/tips/domains",
            field="domain",
        )
    return domain


@dataclass(frozen=True)
class Route:
    organization_id: uuid.UUID
    rule: str  # department, department-region, operator


def _operator_queue(session: Session) -> uuid.UUID:
    found = session.execute(
        select(Organization.id)
        .where(Organization.kind == OrganizationKind.OPERATOR.value)
        # The provincial centre (no region, or the shortest code) before city operators.
        .order_by(
            Organization.region_code.is_not(None),
            Organization.region_code,
            Organization.credit_code,
        )
        .limit(1)
    ).scalar_one_or_none()
    if found is None:
        raise TipInputInvalid("the platform has no operator to receive tips yet")
    return found


def route_for(session: Session, domain: str, region_code: str | None) -> Route:
    """The competent department's queue for a domain: the one organization of the list type's
    proposing kinds and departments (narrowed by region when several); else the operator's."""
    list_type = list_types.get(domain) if domain != OTHER_DOMAIN else None
    if list_type is None or not list_type.proposers.departments:
        return Route(_operator_queue(session), "operator")
    candidates = session.execute(
        select(Organization.id, Organization.region_code).where(
            Organization.kind.in_(list_type.proposers.organization_kinds),
            Organization.department.in_(list_type.proposers.departments),
            Organization.frozen_at.is_(None),
        )
    ).all()
    if len(candidates) == 1:
        return Route(candidates[0][0], "department")
    if region_code and candidates:
        for width in (6, 4):  # the county or city first, then the prefecture
            near = [c for c in candidates if (c[1] or "")[:width] == region_code[:width]]
            if len(near) == 1:
                return Route(near[0][0], "department-region")
    return Route(_operator_queue(session), "operator")


def _event(
    session: Session,
    tip: Tip,
    step: TipStatus,
    *,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    outcome: TipOutcome | None = None,
) -> TipEvent:
    event_id = uuid.uuid4()
    sealed, key_id = (None, None)
    if note:
        sealed, key_id = seal(keyring_of(session), EVENT_TABLE, event_id, {"note": note})
    event = TipEvent(
        id=event_id,
        tip_id=tip.id,
        at=now,
        step=step.value,
        outcome=outcome.value if outcome else None,
        actor_name=actor.name,
        organization_id=actor.organization_id,
        sealed_note=sealed,
        key_id=key_id,
    )
    session.add(event)
    return event


def _audit(
    session: Session, action: str, tip: Tip, *, actor: Actor, now: datetime, **data: object
) -> None:
    # No subject_id: the person reported must not learn of the tip from their audit trail.
    audit.record(
        session,
        f"tips:tip:{action}",
        actor=actor,
        object_type=TABLE,
        object_id=tip.id,
        at=now,
        data={"reference": tip.reference, "organization_id": str(tip.organization_id), **data},
    )


def _route(session: Session, tip: Tip, route: Route, *, actor: Actor, now: datetime) -> None:
    tip.organization_id, tip.route_rule = route.organization_id, route.rule
    tip.status, tip.routed_at = TipStatus.ROUTED.value, now
    _event(session, tip, TipStatus.ROUTED, actor=actor, now=now)
    _audit(session, "route", tip, actor=actor, now=now, rule=route.rule)
    inbox.post(
        session,
        organization_id=route.organization_id,
        topic="tip-routed",
        object_type=TABLE,
        object_id=tip.id,
        actor=actor,
        now=now,
        data={
            "reference": tip.reference,
            "domain": tip.domain,
            "act_due_at": tip.act_due_at.isoformat(),
        },
    )


def _flood(session: Session, digest: bytes, settings: Settings, now: datetime) -> None:
    count, first = session.execute(
        select(func.count(), func.min(Tip.received_at)).where(
            Tip.text_digest == digest, Tip.received_at > now - _DAY
        )
    ).one()
    if count >= settings.tips_same_text_per_day:
        retry = max(1, int((first + _DAY - now).total_seconds()) + 1)
        raise TipFlood(retry_after=retry)


def _identifiers(
    ring: Keyring, data: TipInput
) -> tuple[uuid.UUID | None, str | None, bytes | None, str | None]:
    subject_id = masked_id = code_index = masked_code = None
    if _clean(data.id_number):
        number = idnumber.parse(data.id_number or "").number  # a malformed one is a 422
        subject_id, masked_id = ring.subject_id(number), privacy.mask_id_number(number)
    if _clean(data.credit_code):
        try:
            code = organization_service.validate_credit_code((data.credit_code or "").strip())
        except CreditCodeInvalid:
            raise TipInputInvalid(
                "credit_code: not a valid unified social credit code", field="credit_code"
            ) from None
        code_index, masked_code = ring.blind(b"tip-credit-code", code), mask_credit_code(code)
    return subject_id, masked_id, code_index, masked_code


def _submit(session: Session, data: TipInput, *, settings: Settings, now: datetime) -> Receipt:
    ring = keyring_of(session)
    domain = _check_domain(data.domain)
    about, what = _clean(data.about), _clean(data.what)
    if about is None or what is None:
        raise TipInputInvalid("say about whom and what happened", field="what")
    subject_id, masked_id, code_index, masked_code = _identifiers(ring, data)
    digest = _text_digest(ring, what)
    _flood(session, digest, settings, now)
    tip_id, secret = uuid.uuid4(), secrets.token_urlsafe(18)
    contact = _clean(data.contact)
    sealed, key_id = seal(ring, TABLE, tip_id, {"about": about, "what": what, "contact": contact})
    route = route_for(session, domain, data.region_code)
    due = casework.deadlines(
        now,
        settings.tips_act_working_days,
        remind_days_before=0,
        calendar=workdays.calendar_of(session),
    )
    tip = Tip(
        id=tip_id,
        reference=_reference(session, now),
        secret_hash=_secret_hash(ring, tip_id, secret),
        domain=domain,
        subject_id=subject_id,
        masked_id_number=masked_id,
        credit_code_index=code_index,
        masked_credit_code=masked_code,
        region_code=data.region_code,
        text_digest=digest,
        sealed=sealed,
        key_id=key_id,
        has_contact=contact is not None,
        organization_id=route.organization_id,
        route_rule=route.rule,
        status=TipStatus.RECEIVED.value,
        received_at=now,
        act_due_at=due.due_at,
    )
    session.add(tip)
    _event(session, tip, TipStatus.RECEIVED, actor=ANONYMOUS, now=now)
    session.flush()
    _audit(
        session,
        "receive",
        tip,
        actor=ANONYMOUS,
        now=now,
        domain=domain,
        named_person=subject_id is not None,
        named_organization=code_index is not None,
    )
    _route(session, tip, route, actor=ANONYMOUS, now=now)
    return Receipt(tip, secret, session.get_one(Organization, route.organization_id).name)


def submit(
    scope: Scope,
    data: TipInput,
    *,
    client_ip: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> Receipt:
    """Accept a tip from anyone and route it; the reference and secret are the submitter's only
    way back to it. ``tip-rate-limited`` / ``tip-flood`` (429, ``retry_after``) on abuse."""
    now = now or utcnow()
    take(
        scope,
        client_ip=client_ip,
        action=RateAction.SUBMIT,
        limit=settings.tips_per_client_per_hour,
        now=now,
    )
    with scope() as session:
        receipt = _submit(session, data, settings=settings, now=now)
        session.expunge(receipt.tip)
    return receipt


# -- the submitter's view --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicUpdate:
    at: datetime
    step: str
    outcome: str | None
    note: str | None


@dataclass(frozen=True)
class PublicView:
    """What the reference and secret show: state and public notes, never the tip's content."""

    tip: Tip
    handled_by: str
    updates: list[PublicUpdate]


def _events(session: Session, tip_id: uuid.UUID) -> list[TipEvent]:
    rows = session.execute(select(TipEvent).where(TipEvent.tip_id == tip_id)).scalars()
    # Steps of one moment (received and routed at submission) in workflow order.
    rank = {status.value: i for i, status in enumerate(TipStatus)}
    return sorted(rows, key=lambda e: (e.at, rank[e.step]))


def _note(session: Session, event: TipEvent) -> str | None:
    if event.sealed_note is None or event.key_id is None:
        return None
    value = unseal(keyring_of(session), EVENT_TABLE, event.id, event.sealed_note, event.key_id)
    return str(value["note"])


def _public_view(session: Session, tip: Tip) -> PublicView:
    org = session.get_one(Organization, tip.organization_id)
    updates = [
        PublicUpdate(e.at, e.step, e.outcome, _note(session, e)) for e in _events(session, tip.id)
    ]
    return PublicView(tip, org.name, updates)


def lookup(
    scope: Scope,
    *,
    reference: str,
    secret: str,
    client_ip: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> PublicView:
    """The tip's state for whoever holds its reference and secret. An unknown reference and a
    wrong secret answer alike (``tip-not-found``); every look-up counts against the client."""
    now = now or utcnow()
    take(
        scope,
        client_ip=client_ip,
        action=RateAction.LOOKUP,
        limit=settings.tips_lookups_per_client_per_hour,
        now=now,
    )
    with scope() as session:
        ring = keyring_of(session)
        tip = session.execute(
            select(Tip).where(Tip.reference == reference.strip().upper())
        ).scalar_one_or_none()
        expected = _secret_hash(ring, tip.id if tip else uuid.UUID(int=0), secret)
        if tip is None or not hmac.compare_digest(tip.secret_hash, expected):
            raise TipNotFound
        view = _public_view(session, tip)
        session.expunge_all()
    return view


# -- staff -----------------------------------------------------------------------------------------


def _may_read(session: Session, tip: Tip, actor: Actor) -> bool:
    return tip.organization_id == actor.organization_id or casework.is_operator(session, actor)


def get(session: Session, tip_id: uuid.UUID, *, actor: Actor) -> Tip:
    """A tip in the actor's queue (operators: any); others are simply not found."""
    tip = session.get(Tip, tip_id)
    if tip is None or not _may_read(session, tip, actor):
        raise TipNotFound
    return tip


@dataclass(frozen=True)
class StaffView:
    """A tip opened for the department handling it: content, contact and history."""

    tip: Tip
    about: str
    what: str
    contact: str | None
    updates: list[PublicUpdate]


def view(session: Session, tip: Tip) -> StaffView:
    value = unseal(keyring_of(session), TABLE, tip.id, tip.sealed, tip.key_id)
    updates = [
        PublicUpdate(e.at, e.step, e.outcome, _note(session, e)) for e in _events(session, tip.id)
    ]
    return StaffView(tip, value["about"], value["what"], value.get("contact"), updates)


def open_tip(session: Session, tip_id: uuid.UUID, *, actor: Actor) -> StaffView:
    """Read a tip's content (logged: who opened which tip)."""
    tip = get(session, tip_id, actor=actor)
    _audit(session, "read", tip, actor=actor, now=utcnow())
    return view(session, tip)


def change_state(
    session: Session,
    tip_id: uuid.UUID,
    *,
    state: TipStatus,
    outcome: TipOutcome | None = None,
    note: str | None = None,
    organization_id: uuid.UUID | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> Tip:
    """Start on, close (with an outcome) or, for operators, re-route a tip; the public note is
    shown to the submitter."""
    now = now or utcnow()
    tip = get(session, tip_id, actor=actor)
    session.refresh(tip, with_for_update=True)
    current = TipStatus(tip.status)
    if state not in ALLOWED[current]:
        raise TipTransitionInvalid(f"{current.value} → {state.value}")
    operator = casework.is_operator(session, actor)
    if tip.organization_id != actor.organization_id and not operator:
        raise TipNotYours
    if (state is TipStatus.CLOSED) != (outcome is not None):
        raise TipInputInvalid("an outcome goes with closing, and only with it", field="outcome")
    note = _clean(note)
    if state is TipStatus.ROUTED:
        if not operator:
            raise TipNotYours("only operators route tips to another organization")
        target = session.get(Organization, organization_id) if organization_id else None
        if target is None:
            raise TipInputInvalid("name the organization to route to", field="organization_id")
        tip.escalated_at = None  # the new queue gets its own reminder
        _route(session, tip, Route(target.id, "operator-routed"), actor=actor, now=now)
        return tip
    tip.status = state.value
    tip.acted_at = tip.acted_at or now
    if state is TipStatus.CLOSED:
        tip.outcome, tip.closed_at = outcome.value if outcome else None, now
    _event(session, tip, state, actor=actor, now=now, note=note, outcome=outcome)
    _audit(
        session,
        state.value.replace("_", "-"),
        tip,
        actor=actor,
        now=now,
        outcome=tip.outcome,
        public_note=note is not None,
    )
    return tip


CASES = casework.CaseTable(
    Tip,
    Tip.organization_id,
    Tip.status,
    Tip.act_due_at,
    open=OPEN_STATUSES,
    waiting=(TipStatus.ROUTED.value,),
)


def queue(
    session: Session,
    *,
    actor: Actor,
    status: TipStatus | None = None,
    overdue_only: bool = False,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> casework.Queue[Tip]:
    """The organization's tips (operators: all), those due first, with open and overdue counts."""
    return casework.queue(
        session,
        CASES,
        actor=actor,
        status=status.value if status else None,
        overdue_only=overdue_only,
        limit=limit,
        offset=offset,
        now=now or utcnow(),
    )


def sweep(session: Session, *, actor: Actor, now: datetime | None = None) -> int:
    """Tell operators of tips nobody started on within the working days allowed; each once."""
    now = now or utcnow()
    late = session.execute(
        select(Tip).where(
            Tip.status == TipStatus.ROUTED.value,
            Tip.act_due_at <= now,
            Tip.escalated_at.is_(None),
        )
    ).scalars()
    told = 0
    for tip in late:
        tip.escalated_at = now
        _audit(
            session, "escalate", tip, actor=actor, now=now, act_due_at=tip.act_due_at.isoformat()
        )
        casework.tell_organizations(
            session,
            casework.operator_ids(session),
            "tip-overdue",
            object_type=TABLE,
            object_id=tip.id,
            actor=actor,
            now=now,
            data={
                "reference": tip.reference,
                "organization_id": str(tip.organization_id),
                "act_due_at": tip.act_due_at.isoformat(),
            },
        )
        told += 1
    return told
