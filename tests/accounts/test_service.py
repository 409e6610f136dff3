"""Staff accounts, password sign-in, lockout, sessions and authentication (service level)."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chengxin.accounts import authn, passwords
from chengxin.accounts import service as accounts_service
from chengxin.accounts.errors import (
    AccountFrozen,
    AccountLocked,
    LoginFailed,
    LoginTaken,
    OrganizationFrozen,
    PasswordTooWeak,
    RegionNotGrantable,
    RoleNotGrantable,
    RoleUnknown,
    SessionInvalid,
    TokenFrozen,
    TooManyAttempts,
    UserNotFound,
)
from chengxin.accounts.models import LoginAttempt, UserAccount
from chengxin.audit.models import AuditEntry
from chengxin.demo.generator import credit_code
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import ApiToken, Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import ROLE_PERMISSIONS, Role, permissions_of

ADMIN = system_actor("test")
PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _policy(runtime: Runtime, **changes) -> accounts_service.Policy:
    return replace(accounts_service.Policy.from_settings(runtime.settings), **changes)


def _org(session, region: str = "420100", kind=OrganizationKind.GOVERNMENT) -> Organization:  # type: ignore[no-untyped-def]
    return organization_service.create(
        session,
        credit_code=credit_code(
            random.Random(uuid.uuid4().int), registration="11", region_code=region
        ),
        name=f"测试单位 {uuid.uuid4().hex[:6]}",
        kind=kind,
        region_code=region,
        actor=ADMIN,
    )


def _user(
    runtime: Runtime,
    *roles: Role,
    region: str | None = None,
    org_region: str = "420100",
    login: str | None = None,
    kind: OrganizationKind = OrganizationKind.OPERATOR,
) -> UserAccount:  # type: ignore[no-untyped-def]
    with runtime.scope() as session:
        org = _org(session, org_region, kind)
        return accounts_service.create_user(
            session,
            organization_id=org.id,
            login=login or f"u{uuid.uuid4().hex[:10]}",
            display_name="张测试",
            roles=[r.value for r in roles],
            region_code=region,
            password=PASSWORD,
            policy=_policy(runtime),
            actor=ADMIN,
        ).user


def _login(
    runtime: Runtime, login: str, password: str = PASSWORD, *, now=T0, ip="10.0.0.1", policy=None
):  # type: ignore[no-untyped-def]
    return accounts_service.login(
        runtime.scope,
        login=login,
        password=password,
        client_ip=ip,
        policy=policy or _policy(runtime),
        now=now,
    )


def _actions(runtime: Runtime) -> list[str]:
    with runtime.scope() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def test_passwords_are_hashed_with_argon2id() -> None:
    encoded = passwords.hash_password(PASSWORD, memory_kib=1024, time_cost=1)
    assert encoded.startswith("$argon2id$v=19$m=1024,t=1,p=4$")
    assert PASSWORD not in encoded
    assert passwords.verify_password(encoded, PASSWORD, memory_kib=1024, time_cost=1)
    assert not passwords.verify_password(encoded, PASSWORD + "!", memory_kib=1024, time_cost=1)
    assert not passwords.verify_password(None, PASSWORD, memory_kib=1024, time_cost=1)
    assert not passwords.verify_password("not a hash", PASSWORD, memory_kib=1024, time_cost=1)
    assert passwords.needs_rehash(encoded, memory_kib=2048, time_cost=1)


def test_password_policy() -> None:
    with pytest.raises(PasswordTooWeak):
        passwords.check_policy("short", login="zhang", min_length=12)
    with pytest.raises(PasswordTooWeak):
        passwords.check_policy("my-name-is-Zhang.San", login="zhang.san", min_length=12)
    with pytest.raises(PasswordTooWeak):
        passwords.check_policy("abababababab", login="zhang", min_length=12)
    passwords.check_policy(PASSWORD, login="zhang", min_length=12)


def test_login_success_gives_a_session_the_authenticator_accepts(runtime: Runtime) -> None:
    user = _user(runtime, Role.AUDITOR, region="420100")
    issued = _login(runtime, user.login.upper())
    assert issued.token.startswith("cxs_")
    with runtime.scope() as session:
        actor = authn.authenticate(session, issued.token, now=T0 + timedelta(minutes=1))
        stored = session.get_one(UserAccount, user.id)
        assert stored.last_login_at == T0
        assert issued.token.removeprefix("cxs_") not in repr(
            session.get(type(issued.row), issued.row.id).__dict__
        )
    assert actor.kind is ActorKind.USER
    assert actor.permissions == ROLE_PERMISSIONS[Role.AUDITOR]
    assert actor.organization_id == user.organization_id
    assert actor.region_code == "420100"
    assert "accounts:login:succeed" in _actions(runtime)


def test_unknown_login_and_wrong_password_fail_alike(runtime: Runtime) -> None:
    user = _user(runtime, Role.REVIEWER)
    with pytest.raises(LoginFailed) as wrong:
        _login(runtime, user.login, "wrong password entirely")
    with pytest.raises(LoginFailed) as unknown:
        _login(runtime, "nobody-here", "wrong password entirely")
    assert (wrong.value.code, wrong.value.detail) == (unknown.value.code, unknown.value.detail)
    with runtime.scope() as session:
        entries = (
            session.execute(select(AuditEntry).where(AuditEntry.action == "accounts:login:fail"))
            .scalars()
            .all()
        )
        assert len(entries) == 2
        for entry in entries:
            assert "wrong password" not in str(entry.data)
            assert "nobody-here" not in str(entry.data)  # a login field may hold a password
        assert session.get_one(UserAccount, user.id).failed_logins == 1


def test_failures_back_off_exponentially_per_login_and_address(runtime: Runtime) -> None:
    """1 s, 2 s, 4 s … (capped) after each failure in a row from one address; a try inside the
    wait is refused without a password check; a success from that address starts afresh."""
    user = _user(runtime, Role.REVIEWER)
    policy = _policy(runtime, backoff_base=timedelta(seconds=1), backoff_max=timedelta(seconds=60))
    wrong = "wrong-password-123"
    at = T0
    for failures in range(1, 9):
        with pytest.raises(LoginFailed):
            _login(runtime, user.login, wrong, now=at, policy=policy)
        wait = min(2 ** (failures - 1), 60)
        with pytest.raises(AccountLocked) as locked:  # even the right password waits
            _login(runtime, user.login, now=at + timedelta(seconds=wait - 0.5), policy=policy)
        assert locked.value.extra["retry_after"] == 1
        at += timedelta(seconds=wait)
    assert [accounts_service.backoff_delay(k, policy).total_seconds() for k in (1, 2, 3, 7, 8)] == [
        1,
        2,
        4,
        60,
        60,
    ]
    assert _login(runtime, user.login, now=at, policy=policy).token.startswith("cxs_")
    with pytest.raises(LoginFailed):  # afresh: one failure, one second
        _login(runtime, user.login, wrong, now=at + timedelta(seconds=1), policy=policy)
    with pytest.raises(AccountLocked):
        _login(runtime, user.login, now=at + timedelta(seconds=1.5), policy=policy)
    actions = _actions(runtime)
    assert actions.count("accounts:login:fail") == 9
    assert actions.count("accounts:login:refuse-locked") == 9
    with runtime.scope() as session:
        stored = session.get_one(UserAccount, user.id)
        assert (stored.failed_logins, stored.locked_until) == (1, None)


def test_a_guesser_cannot_lock_the_owner_out_from_another_address(runtime: Runtime) -> None:
    """Issue 23 finding 4: 5 bad passwords from anywhere locked the account for everyone."""
    user = _user(runtime, Role.REVIEWER)
    policy = _policy(runtime)  # the configured defaults
    at = T0
    for i in range(12):  # a guesser keeps at it from one address, waiting out each back-off
        if i:
            at += timedelta(minutes=15, seconds=1)
        with pytest.raises(LoginFailed):
            _login(runtime, user.login, "wrong-password-123", now=at, ip="203.0.113.9")
    at += timedelta(minutes=1)
    with pytest.raises(AccountLocked) as held:
        _login(runtime, user.login, now=at, ip="203.0.113.9")  # the guesser is held back
    assert held.value.extra["retry_after"] == 14 * 60
    issued = _login(runtime, user.login, now=at, ip="10.0.0.1", policy=policy)
    assert issued.token.startswith("cxs_")  # the owner, from her own address, is not


def test_an_unknown_login_backs_off_like_an_account(runtime: Runtime) -> None:
    user = _user(runtime, Role.REVIEWER)
    policy = _policy(runtime, backoff_base=timedelta(seconds=2))
    answers = {}
    for name in (user.login, "ghost"):
        seen = []
        for offset in (0, 1, 2, 3, 5, 6, 9, 13):
            try:
                _login(
                    runtime,
                    name,
                    "wrong-password-123",
                    now=T0 + timedelta(seconds=offset),
                    policy=policy,
                )
            except (LoginFailed, AccountLocked) as exc:
                seen.append((type(exc).__name__, exc.extra.get("retry_after")))
        answers[name] = seen
    assert answers[user.login] == answers["ghost"]
    assert [kind for kind, _ in answers["ghost"]] == [
        "LoginFailed",
        "AccountLocked",
        "LoginFailed",
        "AccountLocked",
        "AccountLocked",
        "LoginFailed",
        "AccountLocked",
        "AccountLocked",
    ]


def test_a_distributed_guesser_is_slowed_not_locked(runtime: Runtime) -> None:
    """Past N failures from all addresses, the name's password checks are one per interval; an
    address that signed in to the name recently is not slowed at all."""
    user = _user(runtime, Role.REVIEWER)
    policy = _policy(
        runtime,
        brake_failures=5,
        brake_window=timedelta(minutes=15),
        brake_interval=timedelta(seconds=10),
    )
    _login(runtime, user.login, now=T0 - timedelta(days=1), ip="10.0.0.1", policy=policy)
    start = T0
    for i in range(5):
        with pytest.raises(LoginFailed):
            _login(
                runtime,
                user.login,
                "wrong-password-123",
                now=start + timedelta(seconds=i),
                ip=f"198.51.100.{i}",
                policy=policy,
            )
    with pytest.raises(TooManyAttempts) as slowed:
        _login(
            runtime,
            user.login,
            "wrong-password-123",
            now=start + timedelta(seconds=5),
            ip="198.51.100.99",
            policy=policy,
        )
    assert slowed.value.extra["retry_after"] == 9
    with pytest.raises(LoginFailed):  # one check per interval still gets through
        _login(
            runtime,
            user.login,
            "wrong-password-123",
            now=start + timedelta(seconds=14),
            ip="198.51.100.99",
            policy=policy,
        )
    # The owner from a new address is slowed like anyone else, never locked ...
    with pytest.raises(TooManyAttempts) as owner_slowed:
        _login(runtime, user.login, now=start + timedelta(seconds=15), ip="10.9.9.9", policy=policy)
    assert owner_slowed.value.extra["retry_after"] <= 10
    assert _login(
        runtime, user.login, now=start + timedelta(seconds=24), ip="10.9.9.9", policy=policy
    ).token
    # ... and from the address she signed in from yesterday she is not slowed at all.
    assert _login(
        runtime,
        user.login,
        now=start + timedelta(seconds=24, milliseconds=1),
        ip="10.0.0.1",
        policy=policy,
    ).token
    assert "accounts:login:throttle" in _actions(runtime)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attempts=st.lists(
        st.tuples(st.booleans(), st.integers(0, 20), st.sampled_from(["10.0.0.1", "10.0.0.2"])),
        min_size=1,
        max_size=12,
    )
)
def test_backoff_follows_the_rule(runtime: Runtime, attempts: list[tuple[bool, int, str]]) -> None:
    """Per address: after the k-th failure in a row, a try before base * 2^(k-1) (at most the cap)
    has passed is refused; a success from that address resets its count; the other address's
    failures never count."""
    base, cap = timedelta(minutes=1), timedelta(minutes=10)
    policy = _policy(runtime, backoff_base=base, backoff_max=cap, brake_failures=10_000)
    user = _user(runtime, Role.REVIEWER)
    now = T0
    state: dict[str, tuple[int, datetime | None]] = {}
    for correct, gap, ip in attempts:
        now += timedelta(minutes=gap, seconds=1)
        failures, last = state.get(ip, (0, None))
        expected: type[Exception] | None
        if last is not None and now < last + min(base * 2 ** (failures - 1), cap):
            expected = AccountLocked
        elif correct:
            expected, state[ip] = None, (0, None)
        else:
            expected, state[ip] = LoginFailed, (failures + 1, now)
        password = PASSWORD if correct else "wrong-password-123"
        if expected is None:
            _login(runtime, user.login, password, now=now, ip=ip, policy=policy)
        else:
            with pytest.raises(expected):
                _login(runtime, user.login, password, now=now, ip=ip, policy=policy)


def test_sessions_expire_when_idle_and_absolutely(runtime: Runtime) -> None:
    user = _user(runtime, Role.REVIEWER)
    policy = _policy(
        runtime, session_idle=timedelta(minutes=30), session_absolute=timedelta(hours=2)
    )
    token = _login(runtime, user.login, policy=policy).token
    with runtime.scope() as session, pytest.raises(SessionInvalid):
        authn.authenticate(session, token, now=T0 + timedelta(minutes=31))
    token = _login(runtime, user.login, policy=policy).token
    # Activity every 20 minutes keeps it alive until the absolute end.
    at = T0
    while at + timedelta(minutes=20) < T0 + timedelta(hours=2):
        at += timedelta(minutes=20)
        with runtime.scope() as session:
            authn.authenticate(session, token, now=at)
    with runtime.scope() as session, pytest.raises(SessionInvalid):
        authn.authenticate(session, token, now=T0 + timedelta(hours=2))


def test_logout_ends_the_session(runtime: Runtime) -> None:
    user = _user(runtime, Role.REVIEWER)
    token = _login(runtime, user.login).token
    with runtime.scope() as session:
        assert accounts_service.end_session(session, token, now=T0 + timedelta(minutes=1))
    with runtime.scope() as session:
        assert not accounts_service.end_session(session, token, now=T0 + timedelta(minutes=2))
        with pytest.raises(SessionInvalid):
            authn.authenticate(session, token, now=T0 + timedelta(minutes=2))
        for forged in ("cxs_zz_x", "cxs_" + uuid.uuid4().hex + "_x", token[:-2] + "xx", "nope"):
            with pytest.raises(Exception) as raised:
                authn.authenticate(session, forged, now=T0)
            assert getattr(raised.value, "status", None) == 401
    assert "accounts:session:end" in _actions(runtime)


def test_citizen_sessions_carry_only_the_subject(runtime: Runtime) -> None:
    subject_id = uuid.uuid4()
    with runtime.scope() as session:
        issued = accounts_service.open_session(
            session,
            actor=accounts_service.citizen_actor(subject_id),
            policy=_policy(runtime),
            now=T0,
        )
    with runtime.scope() as session:
        actor = authn.authenticate(session, issued.token, now=T0 + timedelta(minutes=1))
    assert actor.kind is ActorKind.CITIZEN
    assert actor.subject_id == subject_id
    assert actor.permissions == ROLE_PERMISSIONS[Role.CITIZEN]
    assert actor.organization_id is None


def test_roles_given_or_taken_must_be_held_by_the_administrator(runtime: Runtime) -> None:
    target = _user(runtime, Role.PROVIDER_CLERK)
    admin = Actor(
        ActorKind.USER,
        "a",
        "admin",
        permissions=permissions_of(["operator"]) | {Permission.ACCOUNTS_USER_MANAGE},
    )
    with runtime.scope() as session:
        with pytest.raises(RoleNotGrantable):
            accounts_service.assign_roles(session, target.id, ["reviewer"], actor=admin)
        with pytest.raises(RoleUnknown):
            accounts_service.assign_roles(session, target.id, ["citizen"], actor=ADMIN)
    with runtime.scope() as session:
        user = accounts_service.assign_roles(
            session, target.id, ["operator", "provider_clerk"], actor=admin
        )
        assert user.roles == ["operator", "provider_clerk"]
    strong = _user(runtime, Role.PLATFORM_ADMIN)
    with runtime.scope() as session, pytest.raises(RoleNotGrantable):
        accounts_service.assign_roles(session, strong.id, [], actor=admin)  # cannot take it away
    assert "accounts:user:roles" in _actions(runtime)


def test_region_bound_administrators_see_and_manage_their_region_only(runtime: Runtime) -> None:
    wuhan = _user(runtime, Role.REVIEWER, org_region="420100")
    yichang = _user(runtime, Role.REVIEWER, org_region="420500")
    city = Actor(
        ActorKind.USER,
        "c",
        "city",
        permissions=permissions_of(["platform_admin"]),
        region_code="420100",
    )
    with runtime.scope() as session:
        seen = {u.id for u in accounts_service.list_users(session, actor=city)}
        assert wuhan.id in seen
        assert yichang.id not in seen
        assert {wuhan.id, yichang.id} <= {
            u.id for u in accounts_service.list_users(session, actor=ADMIN)
        }
        with pytest.raises(UserNotFound):
            accounts_service.get_user_or_raise(session, yichang.id, actor=city)
        org = session.get_one(Organization, wuhan.organization_id)
        with pytest.raises(RegionNotGrantable):  # a province-wide account from a city admin
            accounts_service.create_user(
                session,
                organization_id=org.id,
                login="wide",
                display_name="x",
                roles=[],
                region_code=None,
                password=None,
                policy=_policy(runtime),
                actor=city,
            )
        created = accounts_service.create_user(
            session,
            organization_id=org.id,
            login="narrow",
            display_name="x",
            roles=[],
            region_code="420100",
            password=None,
            policy=_policy(runtime),
            actor=city,
        )
        assert created.password is not None


def test_create_user_checks_login_and_shows_a_generated_password_once(runtime: Runtime) -> None:
    with runtime.scope() as session:
        org = _org(session, kind=OrganizationKind.OPERATOR)
        created = accounts_service.create_user(
            session,
            organization_id=org.id,
            login="Zhang.San",
            display_name="张三",
            roles=["auditor"],
            region_code=None,
            password=None,
            policy=_policy(runtime),
            actor=ADMIN,
        )
        assert created.user.login == "zhang.san"
        assert created.password
        assert created.password not in created.user.password_hash
        with pytest.raises(LoginTaken):
            accounts_service.create_user(
                session,
                organization_id=org.id,
                login="ZHANG.SAN",
                display_name="x",
                roles=[],
                region_code=None,
                password=None,
                policy=_policy(runtime),
                actor=ADMIN,
            )
    _login(runtime, "zhang.san", created.password)
    entry = [a for a in _actions(runtime) if a.startswith("accounts:user")]
    assert entry == ["accounts:user:create"]


def test_password_reset_lifts_the_lock_and_ends_sessions(runtime: Runtime) -> None:
    user = _user(runtime, Role.REVIEWER)
    token = _login(runtime, user.login).token
    with runtime.scope() as session:
        stored = session.get_one(UserAccount, user.id)
        stored.locked_until = T0 + timedelta(days=1)
    with runtime.scope() as session:
        reset = accounts_service.reset_password(
            session, user.id, password=None, policy=_policy(runtime), actor=ADMIN
        )
    with runtime.scope() as session, pytest.raises(SessionInvalid):
        authn.authenticate(session, token, now=T0)
    with pytest.raises(LoginFailed):
        _login(runtime, user.login)
    # One second later: the address's back-off after that failure (ADR 0027).
    assert _login(runtime, user.login, reset.password or "", now=T0 + timedelta(seconds=1)).token
    assert "accounts:user:reset-password" in _actions(runtime)


def test_frozen_user_token_and_organization_are_refused(runtime: Runtime) -> None:
    user = _user(runtime, Role.REVIEWER)
    token = _login(runtime, user.login).token
    with runtime.scope() as session:
        accounts_service.freeze_user(session, user.id, reason="可疑登录", actor=ADMIN)
    with runtime.scope() as session, pytest.raises(SessionInvalid):
        authn.authenticate(session, token)
    with pytest.raises(AccountFrozen):
        _login(runtime, user.login)
    with runtime.scope() as session:
        accounts_service.unfreeze_user(session, user.id, reason="已核实", actor=ADMIN)
    # Signed in now: the checks below authenticate at the real time (the token's validity too).
    token = _login(runtime, user.login, now=datetime.now(UTC)).token
    with runtime.scope() as session:
        issued = organization_service.issue_token(
            session,
            user.organization_id,
            name="s",
            permissions=[Permission.CATALOG_CATALOG_READ],
            valid_days=1,
            actor=ADMIN,
        )
        session.get_one(ApiToken, issued.token.id).frozen_at = T0
    with runtime.scope() as session, pytest.raises(TokenFrozen):
        authn.authenticate(session, issued.secret)
    with runtime.scope() as session:
        session.get_one(ApiToken, issued.token.id).frozen_at = None
        session.get_one(Organization, user.organization_id).frozen_at = T0
    for presented in (token, issued.secret):
        with runtime.scope() as session, pytest.raises(OrganizationFrozen):
            authn.authenticate(session, presented)
    with pytest.raises(OrganizationFrozen):
        _login(runtime, user.login)
    actions = _actions(runtime)
    assert {"accounts:user:freeze", "accounts:user:unfreeze"} <= set(actions)


def test_attempts_are_stored_without_the_login_name(runtime: Runtime) -> None:
    with pytest.raises(LoginFailed):
        _login(runtime, "someone", "wrong-password-123")
    with runtime.scope() as session:
        row = session.execute(select(LoginAttempt)).scalar_one()
        assert "someone" not in (row.login_key + row.client_key)
