"""Citizens' real-name sign-in (R1.3): check the person against the population registry, send a
one-time code to the registered phone, open a citizen session when the code comes back.

Failures are committed in their own unit of work before the error is raised (as for staff
sign-in), so the request's rollback cannot undo an attempt counter or its audit entry.
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from chengxin import privacy
from chengxin.accounts import service as accounts_service
from chengxin.audit import service as audit
from chengxin.citizens.errors import ChallengeExpired, CodeInvalid, PersonNotVerified, TooManyCodes
from chengxin.citizens.models import SignInAttempt, SignInChallenge
from chengxin.db import utcnow
from chengxin.errors import DomainError
from chengxin.identity import idnumber, rules
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.keys import keyring_of
from chengxin.keys.keyring import Keyring
from chengxin.notifications import service as notifications
from chengxin.notifications.models import NotificationOutbox
from chengxin.security.actor import ANONYMOUS, Actor
from chengxin.settings import Settings

CODE_TEMPLATE = "citizen-sign-in-code"
_DAY = timedelta(hours=24)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class CitizenPolicy:
    """One-time code rules, from settings (tests pass their own)."""

    code_ttl: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    resend_interval: timedelta = timedelta(minutes=1)  # per requester
    daily_codes: int = 10  # per requester
    address_hourly: int = 30  # per client address
    person_daily_codes: int = 20  # codes sent to one person's phone

    @classmethod
    def from_settings(cls, settings: Settings) -> CitizenPolicy:
        """The policy an operator configured."""
        return cls(
            code_ttl=timedelta(seconds=settings.citizen_code_ttl_seconds),
            max_attempts=settings.citizen_code_max_attempts,
            resend_interval=timedelta(seconds=settings.citizen_resend_seconds),
            daily_codes=settings.citizen_daily_codes,
            address_hourly=settings.citizen_address_hourly,
            person_daily_codes=settings.citizen_person_daily_codes,
        )


@dataclass(frozen=True)
class Challenge:
    """A code was sent: where (masked) and until when."""

    challenge_id: uuid.UUID
    masked_phone: str
    expires_at: datetime


class _Outcome:
    SENT = "sent"
    REFUSED = "refused"
    THROTTLED = "throttled"


def _code_hash(ring: Keyring, challenge_id: uuid.UUID, code: str) -> bytes:
    # Keyed (HMAC with the blind-index key): a million codes cannot be tried against a copy.
    return ring.blind(b"citizen-sign-in-code", f"{challenge_id}:{code}")


def _retry_after(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


@dataclass(frozen=True)
class _Keys:
    """Whom the limits count: keyed digests only (the blind-index key), never the clear values."""

    subject: uuid.UUID  # the ID number asked for (the subject's id when the person is known)
    requester: str  # client address + ID number + name: what a stranger cannot share with her
    address: str  # the client address alone

    @classmethod
    def of(cls, ring: Keyring, number: str, name: str, client_ip: str | None) -> _Keys:
        address = client_ip or "unknown"
        return cls(
            subject=ring.subject_id(number),
            requester=ring.blind(
                b"citizen-sign-in-requester", f"{address}\x00{number}\x00{name}"
            ).hex(),
            address=ring.blind(b"citizen-sign-in-address", address).hex(),
        )


def _window(
    session: Session, *where: ColumnElement[bool], since: datetime
) -> tuple[int, datetime | None]:
    count, first = session.execute(
        select(func.count(), func.min(SignInAttempt.at)).where(*where, SignInAttempt.at > since)
    ).one()
    return int(count), first


def _throttle(
    session: Session, keys: _Keys, policy: CitizenPolicy, now: datetime
) -> TooManyCodes | None:
    # Only the requester's own requests count: wrong names from elsewhere never reach the person.
    counted = SignInAttempt.outcome != _Outcome.THROTTLED
    count, first = _window(
        session, SignInAttempt.address_key == keys.address, counted, since=now - _HOUR
    )
    if first is not None and count >= policy.address_hourly:
        return TooManyCodes(retry_after=_retry_after(first + _HOUR, now))
    mine = SignInAttempt.requester_key == keys.requester
    last = session.execute(select(func.max(SignInAttempt.at)).where(mine, counted)).scalar()
    if last is not None and policy.resend_interval and last > now - policy.resend_interval:
        return TooManyCodes(retry_after=_retry_after(last + policy.resend_interval, now))
    count, first = _window(session, mine, counted, since=now - _DAY)
    if first is not None and count >= policy.daily_codes:
        return TooManyCodes(retry_after=_retry_after(first + _DAY, now))
    return None


def _phone_flooded(
    session: Session, keys: _Keys, policy: CitizenPolicy, now: datetime
) -> TooManyCodes | None:
    # Codes actually sent to the person's phone, whoever asked: only the right name sends one.
    count, first = _window(
        session,
        SignInAttempt.subject_key == keys.subject,
        SignInAttempt.outcome == _Outcome.SENT,
        since=now - _DAY,
    )
    if first is not None and count >= policy.person_daily_codes:
        return TooManyCodes(retry_after=_retry_after(first + _DAY, now))
    return None


def _attempt_row(keys: _Keys, now: datetime, outcome: str) -> SignInAttempt:
    return SignInAttempt(
        subject_key=keys.subject,
        requester_key=keys.requester,
        address_key=keys.address,
        at=now,
        outcome=outcome,
    )


def _verified_phone(session: Session, subject: Subject | None, name: str) -> str | None:
    if subject is None or not subject.in_registry or subject.phone_ct is None:
        return None
    clear = identity_service.reveal(keyring_of(session), subject)
    # Compared in constant time: the registry name is personal data.
    same = hmac.compare_digest(clear.name.encode("utf-8"), name.encode("utf-8"))
    return clear.phone if same and clear.phone else None


def _request(
    session: Session,
    *,
    keys: _Keys,
    name: str,
    client_ip: str | None,
    policy: CitizenPolicy,
    now: datetime,
) -> Challenge | DomainError:
    subject = session.get(Subject, keys.subject)
    known = subject.id if subject is not None else None
    throttled = _throttle(session, keys, policy, now)
    if throttled is not None:
        session.add(_attempt_row(keys, now, _Outcome.THROTTLED))
        audit.record(
            session,
            "citizens:sign-in:throttle",
            actor=ANONYMOUS,
            object_type="subject",
            object_id=known,
            subject_id=known,
            data={"client_ip": client_ip},
            at=now,
        )
        return throttled
    phone = _verified_phone(session, subject, name)
    if phone is None:
        session.add(_attempt_row(keys, now, _Outcome.REFUSED))
        audit.record(
            session,
            "citizens:sign-in:refuse",
            actor=ANONYMOUS,
            object_type="subject",
            object_id=known,
            subject_id=known,
            data={"client_ip": client_ip},
            at=now,
        )
        return PersonNotVerified()
    assert subject is not None  # noqa: S101  # a phone was found for it
    flooded = _phone_flooded(session, keys, policy, now)
    if flooded is not None:
        session.add(_attempt_row(keys, now, _Outcome.THROTTLED))
        audit.record(
            session,
            "citizens:sign-in:throttle",
            actor=ANONYMOUS,
            object_type="subject",
            object_id=known,
            subject_id=known,
            data={"client_ip": client_ip, "limit": "person-daily-codes"},
            at=now,
        )
        return flooded
    # A new code replaces any earlier one still open.
    session.execute(
        update(SignInChallenge)
        .where(
            SignInChallenge.subject_id == subject.id,
            SignInChallenge.verified_at.is_(None),
            SignInChallenge.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    challenge_id = uuid.uuid4()
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = max(1, int(policy.code_ttl.total_seconds()) // 60)
    outbox_id = notifications.notify(
        session,
        subject_id=subject.id,
        template=CODE_TEMPLATE,
        params={"code": code, "minutes": str(minutes)},
        actor=ANONYMOUS,
        now=now,
    )
    challenge = SignInChallenge(
        id=challenge_id,
        subject_id=subject.id,
        code_hash=_code_hash(keyring_of(session), challenge_id, code),
        outbox_id=outbox_id,
        client_ip=client_ip,
        attempts=0,
        max_attempts=policy.max_attempts,
        created_at=now,
        expires_at=now + policy.code_ttl,
    )
    session.add(challenge)
    session.add(_attempt_row(keys, now, _Outcome.SENT))
    session.flush()
    audit.record(
        session,
        "citizens:sign-in:challenge",
        actor=ANONYMOUS,
        object_type="citizen_challenge",
        object_id=challenge_id,
        subject_id=subject.id,
        data={"client_ip": client_ip, "outbox_id": str(outbox_id)},
        at=now,
    )
    return Challenge(challenge_id, privacy.mask_phone(phone), challenge.expires_at)


def request_code(  # keyword-only inputs of one sign-in
    scope: Callable[[], AbstractContextManager[Session]],
    *,
    id_number: str,
    name: str,
    client_ip: str | None,
    policy: CitizenPolicy,
    now: datetime | None = None,
) -> Challenge:
    """Step 1: check the person (in the registry, same name, a registered phone) and send a
    6-digit code to that phone. Unknown person, wrong name and no phone all raise the same
    ``person-not-verified``; ``too-many-codes`` (``retry_after``) past the limits of this
    requester (client address + ID number + name), of the client address, or of codes sent to
    the person's phone (reached only with the right name)."""
    now = now or utcnow()
    number = idnumber.parse(id_number).number  # a malformed number is a 422, known or not
    clean_name = rules.normalize_name(name)
    with scope() as session:
        keys = _Keys.of(keyring_of(session), number, clean_name, client_ip)
        outcome = _request(
            session, keys=keys, name=clean_name, client_ip=client_ip, policy=policy, now=now
        )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def _verify(
    session: Session,
    *,
    challenge_id: uuid.UUID,
    code: str,
    client_ip: str | None,
    session_policy: accounts_service.Policy,
    now: datetime,
) -> accounts_service.IssuedSession | DomainError:
    challenge = session.execute(
        select(SignInChallenge).where(SignInChallenge.id == challenge_id).with_for_update()
    ).scalar_one_or_none()
    if challenge is None:
        return CodeInvalid(attempts_left=0)
    subject_id = challenge.subject_id

    def _audit(action: str, **data: object) -> None:
        audit.record(
            session,
            action,
            actor=ANONYMOUS,
            object_type="citizen_challenge",
            object_id=challenge_id,
            subject_id=subject_id,
            data={"client_ip": client_ip, **data},
            at=now,
        )

    if challenge.verified_at is not None or challenge.expires_at <= now:
        _audit("citizens:sign-in:fail", reason="expired")
        return ChallengeExpired()
    if challenge.attempts >= challenge.max_attempts:
        _audit("citizens:sign-in:fail", reason="exhausted")
        return CodeInvalid(attempts_left=0)
    expected = _code_hash(keyring_of(session), challenge.id, code)
    if not hmac.compare_digest(challenge.code_hash, expected):
        challenge.attempts += 1
        left = challenge.max_attempts - challenge.attempts
        _audit("citizens:sign-in:fail", reason="wrong-code", attempts=challenge.attempts)
        return CodeInvalid(attempts_left=left)
    challenge.verified_at = now
    issued = accounts_service.open_session(
        session,
        actor=accounts_service.citizen_actor(subject_id),
        policy=session_policy,
        client_ip=client_ip,
        now=now,
    )
    audit.record(
        session,
        "citizens:sign-in:succeed",
        actor=issued.actor,
        object_type="citizen_challenge",
        object_id=challenge_id,
        subject_id=subject_id,
        data={"client_ip": client_ip, "session_id": str(issued.row.id)},
        at=now,
    )
    return issued


def attempts_kept(policy: CitizenPolicy) -> timedelta:
    """How long ``citizen_sign_in_attempt`` rows are still read by a limit: the address's hour,
    the requester's and the phone's 24 hours, the requester's resend interval."""
    return max(_HOUR, _DAY, policy.resend_interval) + accounts_service.PRUNE_MARGIN


def prune_attempts(
    session: Session,
    *,
    policy: CitizenPolicy,
    now: datetime,
    after: datetime | None,
    limit: int,
) -> accounts_service.Pruned:
    """Delete at most ``limit`` of the oldest sign-in attempts no limit reads any more
    (``attempts_kept``), by primary key, from ``after`` on."""
    return accounts_service.delete_oldest(
        session,
        SignInAttempt,
        SignInAttempt.at < now - attempts_kept(policy),
        after=after,
        limit=limit,
    )


def verify_code(  # keyword-only inputs of one sign-in
    scope: Callable[[], AbstractContextManager[Session]],
    *,
    challenge_id: uuid.UUID,
    code: str,
    client_ip: str | None,
    session_policy: accounts_service.Policy,
    now: datetime | None = None,
) -> accounts_service.IssuedSession:
    """Step 2: the code from the phone opens a citizen session (own data only). Wrong codes
    count (``code-invalid`` with ``attempts_left``); a used-up challenge is ``code-invalid``, an
    expired or already used one ``challenge-expired``."""
    now = now or utcnow()
    with scope() as session:
        outcome = _verify(
            session,
            challenge_id=challenge_id,
            code=code,
            client_ip=client_ip,
            session_policy=session_policy,
            now=now,
        )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


_CODE = re.compile(r"验证码为(\d{6})")


def latest_code(session: Session) -> str | None:
    """The newest sign-in code in the outbox, digits only (the demo's SMS: ``chengxin outbox
    show --code``); None when none was sent. Never log it."""
    row = session.execute(
        select(NotificationOutbox)
        .where(NotificationOutbox.template == CODE_TEMPLATE)
        .order_by(NotificationOutbox.created_at.desc(), NotificationOutbox.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    found = _CODE.search(notifications.text_of(session, row))
    return found.group(1) if found else None


@dataclass(frozen=True)
class MyNotice:
    """A message the platform sent the signed-in person, as the person sees it."""

    id: uuid.UUID
    at: datetime
    template: str
    status: str
    text: str


def my_notices(session: Session, *, actor: Actor, limit: int, offset: int) -> list[MyNotice]:
    """The signed-in person's own messages, newest first, a page at a time (the session's subject
    only, as ``/me/notices``; sign-in codes left out: a used code is worthless)."""
    subject_id = audit.own_subject(actor)
    rows = session.execute(
        select(NotificationOutbox)
        .where(
            NotificationOutbox.subject_id == subject_id,
            NotificationOutbox.template.not_in(sorted(notifications.NOT_SHOWN_TO_PERSON)),
        )
        .order_by(NotificationOutbox.created_at.desc(), NotificationOutbox.id)
        .offset(offset)
        .limit(limit)
    ).scalars()
    return [
        MyNotice(r.id, r.created_at, r.template, r.status, notifications.text_of(session, r))
        for r in rows
    ]
