"""Reads served by a hot standby, read-your-writes, a lagging or unreachable replica left out
(ADR 0033). Lag is made on purpose: the standby's replay is paused, the primary written, and
what each caller reads shows where the read ran (the replica cannot have the write)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from chengxin.accounts.emergency import service as emergency_service
from chengxin.app import create_app
from chengxin.checks.models import Check
from chengxin.keys.keyring import Keyring
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.replicas import LSN_COOKIE, parse_lsn, reading_after
from chengxin.runtime import Runtime, build_runtime
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from chengxin.settings import Settings
from tests.checks.fixtures import NOW, build_checks
from tests.conftest import _as_a_fresh_process
from tests.helpers import auth
from tests.lists.fixtures import listed
from tests.pgcluster import free_port
from tests.replicas.conftest import Pair

LOCKDOWN = "/api/v1/system/lockdown"
REASON = {"reason": "演练：副本读取"}
pytestmark = pytest.mark.postgresql


def _with_replicas(settings: Settings, pair: Pair, urls: list[str], max_lag: float) -> Settings:
    return settings.model_copy(
        update={
            "database_url": pair.primary_url,
            "replica_urls": urls,
            "replica_max_lag_seconds": max_lag,
        }
    )


@pytest.fixture
def runtime(pair: Pair, settings: Settings, keyring: Keyring) -> Iterator[Runtime]:
    """This module's runtime (and so its ``client``, ``user_for``): the pair's primary with its
    standby as the one replica, lag bound an hour (a paused replay stays in)."""
    _as_a_fresh_process()
    rt = build_runtime(_with_replicas(settings, pair, [pair.replica_url], 3600.0), keyring=keyring)
    yield rt
    assert rt.replicas is not None
    rt.replicas.close()
    rt.engine.dispose()


def _locked(client: TestClient, **kwargs: object) -> bool:  # type: ignore[type-arg]
    response = client.get(LOCKDOWN, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return bool(response.json()["locked"])


def test_reads_run_on_the_replica_and_a_writer_reads_its_own_write(  # noqa: PLR0917
    pair: Pair,
    runtime: Runtime,
    client: TestClient,  # type: ignore[type-arg]
    user_for: Callable[..., str],
    settings: Settings,
    keyring: Keyring,
) -> None:
    officer = user_for(Role.SECURITY_OFFICER)
    pair.catch_up()
    assert runtime.replicas is not None
    runtime.replicas.refresh()
    pair.pause()

    locked = client.post(LOCKDOWN, json=REASON, headers=auth(officer))
    assert locked.status_code == 200, locked.text
    lsn = locked.headers["chengxin-lsn"]
    assert parse_lsn(lsn)
    assert client.cookies.get(LSN_COOKIE) == lsn
    runtime.replicas.refresh()  # behind the write now, still within the bound

    anyone = TestClient(app=client.app)  # another caller: no credential, no cookie
    assert _locked(anyone) is False  # the replica answered: the primary has the lockdown
    assert _locked(client, headers=auth(officer)) is True  # the writer: cookie and credential
    assert _locked(anyone, headers={"Chengxin-LSN": lsn}) is True  # the floor, carried

    # Another server process knows nothing of the caller but what the request carries.
    other = build_runtime(runtime.settings, keyring=keyring)
    try:
        elsewhere = TestClient(app=create_app(runtime=other))
        assert other.replicas is not None
        other.replicas.refresh()
        assert _locked(elsewhere) is False
        elsewhere.cookies.set(LSN_COOKIE, lsn)
        assert _locked(elsewhere) is True
    finally:
        assert other.replicas is not None
        other.replicas.close()
        other.engine.dispose()

    pair.resume()
    pair.catch_up()
    runtime.replicas.refresh()
    assert _locked(anyone) is True


def test_a_replica_lagging_past_the_bound_is_left_out_until_it_catches_up(
    pair: Pair,
    runtime: Runtime,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    replicas = runtime.replicas
    assert replicas is not None
    replicas.refresh()
    assert replicas.pick(0) is not None
    pair.pause()
    with runtime.scope() as session:
        emergency_service.lock(session, reason="演练", actor=system_actor("test"))
    replicas.max_lag_seconds = 1e-6  # behind by anything at all is too far
    replicas.refresh()
    (status,) = [r.status for r in replicas.replicas]
    assert (status.healthy, status.reason) == (False, "lagging")
    assert status.lag_seconds is not None
    assert status.lag_seconds > 0
    assert replicas.pick(0) is None
    assert _locked(client) is True  # read on the primary: the replica has no lockdown yet

    pair.resume()
    pair.catch_up()
    replicas.max_lag_seconds = 3600.0
    replicas.refresh()
    assert replicas.pick(0) is not None
    assert _locked(client) is True


def test_an_unreachable_replica_is_left_out(
    pair: Pair, settings: Settings, keyring: Keyring
) -> None:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/chengxin"
    rt = build_runtime(_with_replicas(settings, pair, [nowhere], 5.0), keyring=keyring)
    try:
        assert rt.replicas is not None
        rt.replicas.refresh()
        (status,) = [r.status for r in rt.replicas.replicas]
        assert (status.healthy, status.reason) == (False, "unreachable")
        with rt.read_scope(replica=True) as session:  # on the primary
            assert session.scalar(select(Organization).limit(1)) is None
    finally:
        assert rt.replicas is not None
        rt.replicas.close()
        rt.engine.dispose()


def test_the_checks_reads_run_on_the_replica_unless_the_caller_wrote_after_it(
    pair: Pair, runtime: Runtime
) -> None:
    assert runtime.replicas is not None
    runtime.replicas.refresh()
    pair.pause()
    with runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code="91350200776049653A",
            name=f"副本测试 {uuid.uuid4().hex[:6]}",
            kind=OrganizationKind.OPERATOR,
            region_code="420100",
            actor=system_actor("test"),
        )
    lsn = parse_lsn(pair.primary_lsn())
    assert lsn
    runtime.replicas.refresh()
    with runtime.read_scope(replica=True) as reader:  # the check's unit of work
        assert reader.get(Organization, org.id) is None
    with reading_after(lsn), runtime.read_scope(replica=True) as reader:
        assert reader.get(Organization, org.id) is not None


def test_a_service_window_check_is_read_on_the_replica(
    pair: Pair,
    runtime: Runtime,
    client: TestClient,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    """The hot path over HTTP: a person listed on the primary after the standby stopped
    replaying is not yet on the list the check reads; once replayed, the same check finds it.
    The check's audit entry and registration are the primary's (the writer's)."""
    cw = build_checks(runtime, tmp_path, runtime.settings)
    with runtime.scope() as session:
        token = organization_service.issue_token(
            session,
            cw.licensing.organization_id,
            name="window",
            valid_days=1,
            permissions=[Permission.CHECKS_CHECK_RUN],
            actor=system_actor("test"),
        ).secret
    person = cw.people[5]
    body = {
        "scene": "administrative_licensing",
        "purpose": "食品经营许可审查",
        "persons": [{"id_number": person.id_number, "name": person.name}],
    }
    pair.catch_up()
    assert runtime.replicas is not None
    runtime.replicas.refresh()
    pair.pause()
    listed(runtime, cw.sid(person), "black-judgment-defaulter", now=NOW - timedelta(days=1))
    runtime.replicas.refresh()

    stale = client.post("/api/v1/checks", json=body, headers=auth(token))
    assert stale.status_code == 200, stale.text
    assert stale.json()["subjects"][0]["memberships"] == []  # the replica's view

    pair.resume()
    pair.catch_up()
    runtime.replicas.refresh()
    fresh = client.post("/api/v1/checks", json=body, headers=auth(token))
    assert fresh.status_code == 200, fresh.text
    [membership] = fresh.json()["subjects"][0]["memberships"]
    assert membership["list_type"] == "black-judgment-defaulter"
    with runtime.scope() as session:  # both checks registered, on the primary
        assert session.scalar(select(func.count()).select_from(Check)) == 2
