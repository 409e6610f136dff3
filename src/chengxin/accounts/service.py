"""Staff accounts: create, list (region-scoped), roles, passwords, freeze; password sign-in with
lockout and rate limits; sessions for staff and citizens (ADR 0010)."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from chengxin.accounts import passwords
from chengxin.accounts.errors import (
    AccountFrozen,
    AccountLocked,
    LoginFailed,
    LoginInvalid,
    LoginTaken,
    OrganizationFrozen,
    RegionNotGrantable,
    RoleNotForOrganizationKind,
    RoleNotGrantable,
    RoleUnknown,
    SessionInvalid,
    TooManyAttempts,
    UserNotFound,
)
from chengxin.accounts.models import (
    AuthSession,
    LoginAttempt,
    SessionKind,
    UserAccount,
    UserStatus,
)
from chengxin.accounts.schemas import MeRead
from chengxin.agencies import service as agencies_service
from chengxin.agencies.errors import AgencyBlacklisted
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.errors import DomainError, InvalidInput
from chengxin.identity.rules import normalize_region
from chengxin.keys import keyring_of
from chengxin.keys.keyring import Keyring
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.security.actor import ANONYMOUS, Actor, ActorKind
from chengxin.security.roles import (
    ROLE_PERMISSIONS,
    STAFF_ROLES,
    Role,
    permissions_of,
    roles_not_for_kind,
)
from chengxin.security.scope import in_region, within
from chengxin.settings import Settings

SESSION_PREFIX = "cxs"
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_TOUCH_EVERY = timedelta(seconds=60)  # write last_seen_at at most once a minute per session


@dataclass(frozen=True)
class Policy:
    """Password, sign-in brake and session rules, from settings (tests pass their own)."""

    password_min_length: int = 12
    hash_memory_kib: int = 65536
    hash_time_cost: int = 3
    backoff_base: timedelta = timedelta(seconds=1)
    backoff_max: timedelta = timedelta(minutes=15)
    backoff_reset: timedelta = timedelta(hours=24)
    brake_failures: int = 20
    brake_window: timedelta = timedelta(minutes=15)
    brake_interval: timedelta = timedelta(seconds=5)
    known_address: timedelta = timedelta(days=30)
    session_absolute: timedelta = timedelta(hours=12)
    session_idle: timedelta = timedelta(minutes=30)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        """The policy an operator configured."""
        return cls(
            password_min_length=settings.password_min_length,
            hash_memory_kib=settings.password_hash_memory_kib,
            hash_time_cost=settings.password_hash_time_cost,
            backoff_base=timedelta(seconds=settings.login_backoff_base_seconds),
            backoff_max=timedelta(seconds=settings.login_backoff_max_seconds),
            backoff_reset=timedelta(hours=settings.login_backoff_reset_hours),
            brake_failures=settings.login_account_brake_failures,
            brake_window=timedelta(minutes=settings.login_account_brake_window_minutes),
            brake_interval=timedelta(seconds=settings.login_account_brake_seconds),
            known_address=timedelta(days=settings.login_known_address_days),
            session_absolute=timedelta(hours=settings.session_absolute_hours),
            session_idle=timedelta(minutes=settings.session_idle_minutes),
        )

    def hash(self, password: str) -> str:
        """Hash a password with the configured argon2id costs."""
        return passwords.hash_password(
            password, memory_kib=self.hash_memory_kib, time_cost=self.hash_time_cost
        )

    def verify(self, encoded: str | None, password: str) -> bool:
        """Check a password (a dummy hash when ``encoded`` is None: same time either way)."""
        return passwords.verify_password(
            encoded, password, memory_kib=self.hash_memory_kib, time_cost=self.hash_time_cost
        )


# -- actors ----------------------------------------------------------------------------------------


def user_actor(user: UserAccount) -> Actor:
    """The actor of a signed-in staff account: its roles' permissions, organization and region."""
    return Actor(
        kind=ActorKind.USER,
        id=str(user.id),
        name=f"{user.display_name} ({user.login})",
        organization_id=user.organization_id,
        permissions=permissions_of(tuple(user.roles)),
        region_code=user.region_code,
    )


def citizen_actor(subject_id: uuid.UUID) -> Actor:
    """The actor of a signed-in citizen: own data only (the name carries no personal data)."""
    return Actor(
        kind=ActorKind.CITIZEN,
        id=str(subject_id),
        name="citizen",
        permissions=ROLE_PERMISSIONS[Role.CITIZEN],
        subject_id=subject_id,
    )


# -- accounts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserWithPassword:
    """An account and, when the platform generated it, the password (shown this once)."""

    user: UserAccount
    password: str | None


def normalize_login(raw: str) -> str:
    """A login name in its stored form (lowercase); ``login-invalid`` for anything else."""
    login = raw.strip().casefold()
    if not _LOGIN.match(login):
        raise LoginInvalid
    return login


def _staff_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    names = sorted(set(roles))
    staff = {r.value for r in STAFF_ROLES}
    unknown = [r for r in names if r not in staff]
    if unknown:
        raise RoleUnknown(f"not a staff role: {', '.join(unknown)}")
    return names


def _check_grantable(actor: Actor, roles: set[str]) -> None:
    # An administrator cannot hand out (or take away) more than they hold: no escalation.
    missing = permissions_of(tuple(roles)) - actor.permissions
    if missing:
        raise RoleNotGrantable(f"not held: {', '.join(sorted(missing))}")


def _check_kind(org: Organization, roles: list[str]) -> None:
    # A role only for staff of the organization kinds it is for (platform roles: the operator's).
    refused = roles_not_for_kind(roles, org.kind)
    if refused:
        raise RoleNotForOrganizationKind(f"not for a {org.kind} organization: {', '.join(refused)}")


def _check_region(actor: Actor, org: Organization, region_code: str | None) -> None:
    # A city administrator manages accounts of its city's organizations, bound to its city.
    if not (within(actor, org.region_code) and within(actor, region_code)):
        raise RegionNotGrantable


def _audit_user(
    session: Session, action: str, user: UserAccount, *, actor: Actor, **data: object
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        object_type="user_account",
        object_id=user.id,
        data={"login": user.login, "organization_id": str(user.organization_id), **data},
    )


def create_user(
    session: Session,
    *,
    organization_id: uuid.UUID,
    login: str,
    display_name: str,
    roles: list[str],
    region_code: str | None,
    password: str | None,
    policy: Policy,
    actor: Actor,
    now: datetime | None = None,
) -> UserWithPassword:
    """Open a staff account; without ``password`` one is generated and returned once."""
    org = organization_service.get_or_raise(session, organization_id)
    name = normalize_login(login)
    role_names = _staff_roles(roles)
    region = normalize_region(region_code)
    _check_region(actor, org, region)
    _check_grantable(actor, set(role_names))
    _check_kind(org, role_names)
    generated = None
    if password is None:
        password = generated = passwords.generate_password()
    else:
        passwords.check_policy(password, login=name, min_length=policy.password_min_length)
    if session.execute(select(UserAccount.id).where(UserAccount.login == name)).first():
        raise LoginTaken
    now = now or utcnow()
    user = UserAccount(
        organization_id=org.id,
        login=name,
        display_name=display_name.strip()[:100] or name,
        roles=role_names,
        region_code=region,
        status=UserStatus.ACTIVE.value,
        password_hash=policy.hash(password),
        password_set_at=now,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    _audit_user(
        session, "accounts:user:create", user, actor=actor, roles=role_names, region_code=region
    )
    return UserWithPassword(user, generated)


def get_user(session: Session, user_id: uuid.UUID, *, actor: Actor) -> UserAccount | None:
    """A staff account the actor may see (its region's organizations), or None."""
    query = (
        select(UserAccount)
        .join(Organization, Organization.id == UserAccount.organization_id)
        .where(UserAccount.id == user_id, in_region(actor, Organization.region_code))
    )
    return session.execute(query).scalar_one_or_none()


def get_user_or_raise(session: Session, user_id: uuid.UUID, *, actor: Actor) -> UserAccount:
    """A staff account the actor may see; ``user-not-found`` otherwise."""
    user = get_user(session, user_id, actor=actor)
    if user is None:
        raise UserNotFound
    return user


def get_by_login(session: Session, login: str) -> UserAccount | None:
    """A staff account by login name (any case), or None."""
    name = login.strip().casefold()
    return session.execute(
        select(UserAccount).where(UserAccount.login == name)
    ).scalar_one_or_none()


def list_users(
    session: Session,
    *,
    actor: Actor,
    organization_id: uuid.UUID | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[UserAccount]:
    """Staff accounts by login; a region-bound actor sees only its region's organizations."""
    query = (
        select(UserAccount)
        .join(Organization, Organization.id == UserAccount.organization_id)
        .where(in_region(actor, Organization.region_code))
        .order_by(UserAccount.login)
    )
    if organization_id is not None:
        query = query.where(UserAccount.organization_id == organization_id)
    return list(session.execute(query.offset(offset).limit(limit)).scalars())


def _locked_user(session: Session, user_id: uuid.UUID, actor: Actor) -> UserAccount:
    user = get_user_or_raise(session, user_id, actor=actor)
    session.refresh(user, with_for_update=True)
    return user


def assign_roles(
    session: Session,
    user_id: uuid.UUID,
    roles: list[str],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> UserAccount:
    """Replace an account's roles; every role given or taken must be within the actor's own
    permissions. Takes effect on the account's next request."""
    user = _locked_user(session, user_id, actor)
    org = session.get_one(Organization, user.organization_id)
    _check_region(actor, org, user.region_code)
    new = _staff_roles(roles)
    _check_grantable(actor, set(new) ^ set(user.roles))
    _check_kind(org, new)
    before = list(user.roles)
    user.roles = new
    user.updated_at = now or utcnow()
    _audit_user(session, "accounts:user:roles", user, actor=actor, before=before, after=new)
    return user


def _revoke_sessions(session: Session, user_id: uuid.UUID, now: datetime) -> int:
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def reset_password(
    session: Session,
    user_id: uuid.UUID,
    *,
    password: str | None,
    policy: Policy,
    actor: Actor,
    now: datetime | None = None,
) -> UserWithPassword:
    """Set a new password (generated when None), lift a lockout and end the account's sessions."""
    user = _locked_user(session, user_id, actor)
    org = session.get_one(Organization, user.organization_id)
    _check_region(actor, org, user.region_code)
    generated = None
    if password is None:
        password = generated = passwords.generate_password()
    else:
        passwords.check_policy(password, login=user.login, min_length=policy.password_min_length)
    now = now or utcnow()
    user.password_hash = policy.hash(password)
    user.password_set_at = user.updated_at = now
    user.failed_logins, user.locked_until = 0, None
    ended = _revoke_sessions(session, user.id, now)
    _audit_user(session, "accounts:user:reset-password", user, actor=actor, sessions_ended=ended)
    return UserWithPassword(user, generated)


def freeze_user(
    session: Session, user_id: uuid.UUID, *, reason: str, actor: Actor, now: datetime | None = None
) -> UserAccount:
    """Freeze an account at once (R3.4): sign-in and every open session are refused."""
    if not reason.strip():
        raise InvalidInput("a reason is required")
    user = _locked_user(session, user_id, actor)
    now = now or utcnow()
    if user.status != UserStatus.FROZEN.value:
        user.status, user.frozen_at, user.updated_at = UserStatus.FROZEN.value, now, now
        ended = _revoke_sessions(session, user.id, now)
        _audit_user(
            session, "accounts:user:freeze", user, actor=actor, reason=reason, sessions_ended=ended
        )
    return user


def unfreeze_user(
    session: Session, user_id: uuid.UUID, *, reason: str, actor: Actor, now: datetime | None = None
) -> UserAccount:
    """Lift a freeze; the person signs in again (sessions ended by the freeze stay ended)."""
    if not reason.strip():
        raise InvalidInput("a reason is required")
    user = _locked_user(session, user_id, actor)
    if user.status == UserStatus.FROZEN.value:
        user.status, user.frozen_at, user.updated_at = (
            UserStatus.ACTIVE.value,
            None,
            now or utcnow(),
        )
        _audit_user(session, "accounts:user:unfreeze", user, actor=actor, reason=reason)
    return user


# -- sessions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedSession:
    """A new session; ``token`` (``cxs_<id>_<secret>``) exists only in this answer."""

    row: AuthSession
    token: str
    actor: Actor


def _digest(text: str) -> str:
    # Session secrets are 256 random bits: a fast hash suffices (as for API tokens).
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def open_session(
    session: Session,
    *,
    actor: Actor,
    policy: Policy,
    client_ip: str | None = None,
    now: datetime | None = None,
) -> IssuedSession:
    """Start a session for a signed-in staff account (USER actor) or citizen (CITIZEN actor)."""
    now = now or utcnow()
    if actor.kind is ActorKind.USER and actor.id is not None:
        kind, user_id, subject_id = SessionKind.USER, uuid.UUID(actor.id), None
    elif actor.kind is ActorKind.CITIZEN and actor.subject_id is not None:
        kind, user_id, subject_id = SessionKind.CITIZEN, None, actor.subject_id
    else:
        msg = f"no session for a {actor.kind} actor"
        raise ValueError(msg)
    secret = secrets.token_urlsafe(32)
    row = AuthSession(
        id=uuid.uuid4(),
        kind=kind.value,
        user_id=user_id,
        subject_id=subject_id,
        secret_hash=_digest(secret),
        client_ip=client_ip,
        created_at=now,
        last_seen_at=now,
        idle_seconds=int(policy.session_idle.total_seconds()),
        expires_at=now + policy.session_absolute,
    )
    session.add(row)
    session.flush()
    return IssuedSession(row, f"{SESSION_PREFIX}_{row.id.hex}_{secret}", actor)


def find_session(session: Session, presented: str, *, now: datetime) -> AuthSession:
    """The live session a ``cxs_`` token names; ``session-invalid`` when unknown, wrong, ended,
    idle too long or past its absolute expiry."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != SESSION_PREFIX:  # noqa: PLR2004
        raise SessionInvalid
    try:
        session_id = uuid.UUID(hex=parts[1])
    except ValueError:
        raise SessionInvalid from None
    row = session.get(AuthSession, session_id)
    if (
        row is None
        or not hmac.compare_digest(row.secret_hash, _digest(parts[2]))
        or row.revoked_at is not None
        or row.expires_at <= now
        or row.last_seen_at + timedelta(seconds=row.idle_seconds) <= now
    ):
        raise SessionInvalid
    return row


def session_actor(session: Session, presented: str, *, now: datetime | None = None) -> Actor:
    """The actor behind a session token, checked on every request: a frozen account or
    organization is refused at once; activity keeps the session from idling out."""
    now = now or utcnow()
    row = find_session(session, presented, now=now)
    if row.kind == SessionKind.CITIZEN.value and row.subject_id is not None:
        actor = citizen_actor(row.subject_id)
    elif row.user_id is not None:
        user = session.get_one(UserAccount, row.user_id)
        if user.status != UserStatus.ACTIVE.value:
            raise AccountFrozen
        if session.get_one(Organization, user.organization_id).frozen_at is not None:
            raise OrganizationFrozen
        actor = user_actor(user)
    else:
        raise SessionInvalid
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
    return actor


def end_session(session: Session, presented: str, *, now: datetime | None = None) -> bool:
    """Sign out: end the session the token names (True), or do nothing if it is not live."""
    now = now or utcnow()
    try:
        row = find_session(session, presented, now=now)
    except SessionInvalid:
        return False
    row.revoked_at = now
    actor = citizen_actor(row.subject_id) if row.subject_id else _user_actor_by_id(session, row)
    audit.record(
        session,
        "accounts:session:end",
        actor=actor,
        object_type="auth_session",
        object_id=row.id,
        subject_id=row.subject_id,
    )
    return True


def _user_actor_by_id(session: Session, row: AuthSession) -> Actor:
    return user_actor(session.get_one(UserAccount, row.user_id))


# -- password sign-in ------------------------------------------------------------------------------
#
# Two brakes (ADR 0027), counted from ``login_attempt`` rows so that every process sees them:
# 1. Per login name and client address: after the k-th failed password in a row from an address,
#    that address waits base * 2^(k-1) seconds (capped) before its next check of the name
#    (``account-locked`` with ``retry_after``; the password is not even checked). A guesser's
#    failures delay only the guesser's own address, never the owner at hers.
# 2. Per login name, all addresses: past a number of failures in a window, password checks of the
#    name are spaced out, one per interval (``too-many-attempts``), except from an address that
#    signed in to the name recently. A distributed guesser is slowed; nobody is locked out.
# Unknown names go through the same brakes, the same work and the same answers.


class _Outcome:
    OK = "ok"
    FAILED = "failed"
    REFUSED = "refused"  # right password, frozen account or organization
    # A request a brake refuses checks nothing and writes no row ("locked" rows are older).


_CHECKED = (_Outcome.OK, _Outcome.FAILED, _Outcome.REFUSED)


def _retry_after(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


@dataclass(frozen=True)
class _Try:
    login_key: str
    client_key: str
    client_ip: str | None
    now: datetime


def _keys(ring: Keyring, name: str, client_ip: str | None) -> tuple[str, str]:
    # Keyed digests: neither the name typed (sometimes a password) nor the address is kept here.
    return (
        ring.blind(b"staff-login", name).hex(),
        ring.blind(b"staff-login-client", f"{name}\n{client_ip or ''}").hex(),
    )


def _login_audit(
    session: Session, action: str, attempt: _Try, *, user: UserAccount | None, **data: object
) -> None:
    # Never the password; for unknown names only a digest prefix (the field may hold a password).
    body: dict[str, object] = {"client_ip": attempt.client_ip, **data}
    if user is None:
        body["login_digest"] = attempt.login_key[:16]
    audit.record(
        session,
        action,
        actor=ANONYMOUS if user is None else user_actor(user),
        object_type="user_account",
        object_id=None if user is None else user.id,
        data=body,
        at=attempt.now,
    )


def _record_attempt(session: Session, attempt: _Try, outcome: str) -> None:
    session.add(
        LoginAttempt(
            at=attempt.now,
            login_key=attempt.login_key,
            client_key=attempt.client_key,
            outcome=outcome,
        )
    )


def backoff_delay(failures: int, policy: Policy) -> timedelta:
    """How long an address waits after its ``failures``-th failed password in a row for a name."""
    if failures <= 0:
        return timedelta(0)
    seconds = policy.backoff_base.total_seconds() * 2 ** min(failures - 1, 40)
    return min(timedelta(seconds=seconds), policy.backoff_max)


def _client_failures(
    session: Session, attempt: _Try, policy: Policy
) -> tuple[int, datetime | None]:
    # Failures from this address for this name since its last success, within the reset window.
    last_ok = session.execute(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.client_key == attempt.client_key, LoginAttempt.outcome == _Outcome.OK
        )
    ).scalar()
    since = attempt.now - policy.backoff_reset
    if last_ok is not None and last_ok > since:
        since = last_ok
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.client_key == attempt.client_key,
            LoginAttempt.outcome == _Outcome.FAILED,
            LoginAttempt.at > since,
        )
    ).one()
    return int(count), last


def _braked(session: Session, attempt: _Try, policy: Policy) -> DomainError | None:
    now = attempt.now
    failures, last_failed = _client_failures(session, attempt, policy)
    if last_failed is not None:
        until = last_failed + backoff_delay(failures, policy)
        if now < until:
            return AccountLocked(retry_after=_retry_after(until, now))
    name_failures = session.execute(
        select(func.count()).where(
            LoginAttempt.login_key == attempt.login_key,
            LoginAttempt.outcome == _Outcome.FAILED,
            LoginAttempt.at > now - policy.brake_window,
        )
    ).scalar_one()
    if name_failures < policy.brake_failures:
        return None
    known = session.execute(
        select(LoginAttempt.id)
        .where(
            LoginAttempt.client_key == attempt.client_key,
            LoginAttempt.outcome == _Outcome.OK,
            LoginAttempt.at > now - policy.known_address,
        )
        .limit(1)
    ).first()
    if known is not None:
        return None
    last_check = session.execute(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.login_key == attempt.login_key, LoginAttempt.outcome.in_(_CHECKED)
        )
    ).scalar()
    if last_check is not None and now < last_check + policy.brake_interval:
        return TooManyAttempts(retry_after=_retry_after(last_check + policy.brake_interval, now))
    return None


def _refuse_braked(
    session: Session, attempt: _Try, user: UserAccount | None, refusal: DomainError
) -> DomainError:
    action = (
        "accounts:login:refuse-locked"
        if isinstance(refusal, AccountLocked)
        else "accounts:login:throttle"
    )
    _login_audit(session, action, attempt, user=user, retry_after=refusal.extra["retry_after"])
    return refusal


def _unknown_login(session: Session, attempt: _Try, password: str, policy: Policy) -> DomainError:
    # An unknown name behaves like an account: the same work, the same answers, the same brakes.
    policy.verify(None, password)
    _record_attempt(session, attempt, _Outcome.FAILED)
    _login_audit(session, "accounts:login:fail", attempt, user=None)
    return LoginFailed()


def _wrong_password(
    session: Session, attempt: _Try, user: UserAccount, policy: Policy
) -> DomainError:
    now = attempt.now
    if user.last_failed_at is None or user.last_failed_at <= now - policy.backoff_reset:
        user.failed_logins = 0  # a count for administrators: failures since the last success
    user.failed_logins += 1
    user.last_failed_at = now
    _record_attempt(session, attempt, _Outcome.FAILED)
    _login_audit(session, "accounts:login:fail", attempt, user=user, failures=user.failed_logins)
    return LoginFailed()


def _attempt(
    session: Session, attempt: _Try, name: str, password: str, policy: Policy
) -> IssuedSession | DomainError:
    now = attempt.now
    # The account row lock first: parallel guesses at one name are checked one after another,
    # each seeing the failures of the ones before.
    user = session.execute(
        select(UserAccount).where(UserAccount.login == name).with_for_update()
    ).scalar_one_or_none()
    braked = _braked(session, attempt, policy)
    if braked is not None:
        return _refuse_braked(session, attempt, user, braked)
    if user is None:
        return _unknown_login(session, attempt, password, policy)
    if not policy.verify(user.password_hash, password):
        return _wrong_password(session, attempt, user, policy)

    refusal: DomainError | None = None
    org = session.get_one(Organization, user.organization_id)
    if user.status != UserStatus.ACTIVE.value:
        refusal = AccountFrozen()
    elif org.frozen_at is not None:
        refusal = OrganizationFrozen()
    elif org.kind == OrganizationKind.CREDIT_AGENCY.value and agencies_service.is_blacklisted(
        session, org.id, now=now
    ):
        refusal = AgencyBlacklisted()  # R3.5: a blacklisted agency's staff cannot sign in
    if refusal is not None:
        _record_attempt(session, attempt, _Outcome.REFUSED)
        _login_audit(session, "accounts:login:fail", attempt, user=user, reason=refusal.code)
        return refusal

    user.failed_logins, user.last_failed_at, user.locked_until = 0, None, None
    user.last_login_at = now
    if passwords.needs_rehash(
        user.password_hash, memory_kib=policy.hash_memory_kib, time_cost=policy.hash_time_cost
    ):
        user.password_hash = policy.hash(password)
    _record_attempt(session, attempt, _Outcome.OK)
    issued = open_session(
        session, actor=user_actor(user), policy=policy, client_ip=attempt.client_ip, now=now
    )
    _login_audit(
        session, "accounts:login:succeed", attempt, user=user, session_id=str(issued.row.id)
    )
    return issued


def login(
    scope: Callable[[], AbstractContextManager[Session]],
    *,
    login: str,
    password: str,
    client_ip: str | None,
    policy: Policy,
    now: datetime | None = None,
) -> IssuedSession:
    """Password sign-in for staff. Failures are committed (attempt row, audit entry) before the
    error is raised, in their own unit of work: ``login-failed`` for an unknown name and a wrong
    password alike; ``account-locked`` (this address's back-off for this name) and
    ``too-many-attempts`` (the name's brake) with ``retry_after`` seconds."""
    now = now or utcnow()
    name = login.strip().casefold()[:64]
    with scope() as session:
        login_key, client_key = _keys(keyring_of(session), name, client_ip)
        attempt = _Try(login_key, client_key, client_ip, now)
        outcome = _attempt(session, attempt, name, password, policy)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


# -- pruning sign-in attempts ----------------------------------------------------------------------
#
# ``login_attempt`` (and ``citizen_sign_in_attempt``) rows are written on every try: without
# pruning a guesser grows them without bound. A row no limit reads any more is deleted; every
# sign-in stays in the audit log (network logs are kept there, 网络安全法 Art. 21).

PRUNE_ATTEMPTS_JOB = "accounts.prune-attempts"
# Past the longest window read: the clocks of the processes that write and prune may differ.
PRUNE_MARGIN = timedelta(hours=1)


def attempts_kept(policy: Policy) -> tuple[timedelta, timedelta]:
    """How long ``login_attempt`` rows are still read by a brake: (any row, a success).

    Failures count toward the back-off (``backoff_reset``) and the name's brake
    (``brake_window``); any checked try spaces the braked name's next check
    (``brake_interval``). A success also restarts the back-off (read within
    ``backoff_reset``) and makes its address known (``known_address``)."""
    kept = max(policy.backoff_reset, policy.brake_window, policy.brake_interval) + PRUNE_MARGIN
    return kept, max(kept, policy.known_address + PRUNE_MARGIN)


@dataclass(frozen=True)
class Pruned:
    """One chunk of a prune: rows deleted, the ``at`` of the last one (the next chunk starts
    there), and whether nothing older is left (fewer rows than asked for)."""

    deleted: int
    after: datetime | None
    done: bool


def prune_attempts(
    session: Session, *, policy: Policy, now: datetime, after: datetime | None, limit: int
) -> Pruned:
    """Delete at most ``limit`` of the oldest ``login_attempt`` rows no brake reads any more
    (``attempts_kept``), by primary key, from ``after`` on: successes the known-address rule
    still reads are kept, and passed over once (the cursor moves past them)."""
    kept, kept_ok = attempts_kept(policy)
    return delete_oldest(
        session,
        LoginAttempt,
        LoginAttempt.at < now - kept,
        or_(LoginAttempt.at < now - kept_ok, LoginAttempt.outcome != _Outcome.OK),
        after=after,
        limit=limit,
    )


def delete_oldest(
    session: Session,
    model: Any,  # an attempts table: LoginAttempt, citizens' SignInAttempt
    *where: ColumnElement[bool],
    after: datetime | None,
    limit: int,
) -> Pruned:
    """Delete at most ``limit`` of the oldest rows of an attempts table (``id``, ``at``) meeting
    ``where``, from ``after`` on, by primary key; the cursor is the last deleted row's moment."""
    query = select(model.id, model.at).where(*where)
    if after is not None:
        query = query.where(model.at >= after)
    rows = session.execute(query.order_by(model.at).limit(limit)).all()
    if rows:
        session.execute(
            delete(model)
            .where(model.id.in_([row.id for row in rows]))
            .execution_options(synchronize_session=False)
        )
    return Pruned(len(rows), rows[-1].at if rows else after, len(rows) < limit)


def whoami(session: Session, *, actor: Actor) -> MeRead:
    """Who the caller is: kind, name, organization, roles, permissions and data scope."""
    roles: list[str] = []
    if actor.kind is ActorKind.USER and actor.id is not None:
        user = session.get(UserAccount, uuid.UUID(actor.id))
        roles = list(user.roles) if user else []
    org = session.get(Organization, actor.organization_id) if actor.organization_id else None
    return MeRead(
        kind=actor.kind.value,
        name=actor.name,
        organization_id=actor.organization_id,
        organization_name=org.name if org else None,
        roles=roles,
        permissions=sorted(p.value for p in actor.permissions),
        region_code=actor.region_code,
        subject_id=actor.subject_id,
    )
