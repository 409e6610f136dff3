"""Failover (ADR 0033): the primary is killed (``kill -9``) and its standby promoted; servers and
workers named with a multi-host URL find the new primary on their own. Requests in the gap
answer 503 ``database-unavailable`` with Retry-After, a write cut by the death is not half-done,
and a job cut by it completes exactly once. Each test has a pair of its own with synchronous
replication (an acknowledged commit is on the standby), never CI's standby."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from chengxin.audit.models import AuditEntry
from chengxin.errors import is_unavailable
from chengxin.jobs import service as jobs_service
from chengxin.jobs.models import Job
from chengxin.jobs.registry import JobContext, Registry
from chengxin.jobs.worker import Worker
from chengxin.keys.keyring import Keyring
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.runtime import Runtime, build_runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.settings import Settings
from tests import pgcluster
from tests.conftest import _as_a_fresh_process
from tests.helpers import auth
from tests.replicas.conftest import own_pair

LOCKDOWN = "/api/v1/system/lockdown"
REASON = {"reason": "演练：主库切换"}
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
pytestmark = pytest.mark.postgresql


@pytest.fixture
def servers() -> Iterator[tuple[pgcluster.PgServer, pgcluster.PgServer]]:
    root = pgcluster.scratch_dir()
    primary, standby = own_pair(root, synchronous=True)
    try:
        yield primary, standby
    finally:
        standby.remove()
        primary.remove()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def runtime(
    servers: tuple[pgcluster.PgServer, pgcluster.PgServer], settings: Settings, keyring: Keyring
) -> Iterator[Runtime]:
    """Named as production names it: both servers, whichever is read-write."""
    _as_a_fresh_process()
    url = pgcluster.multi_host_url(list(servers), "chengxin")
    rt = build_runtime(settings.model_copy(update={"database_url": url}), keyring=keyring)
    yield rt
    rt.engine.dispose()


def _unavailable(response: Any) -> bool:
    return (
        response.status_code == 503
        and response.json()["type"].endswith("/database-unavailable")
        and int(response.headers["retry-after"]) >= 1
    )


def test_the_server_answers_through_a_promotion_with_503_only_around_it(
    servers: tuple[pgcluster.PgServer, pgcluster.PgServer],
    client: TestClient,  # type: ignore[type-arg]
    user_for: Callable[..., str],
) -> None:
    primary, standby = servers
    officer = user_for(Role.SECURITY_OFFICER)
    assert client.get(LOCKDOWN, headers=auth(officer)).json()["locked"] is False  # signed in

    primary.kill()
    refused = client.post(LOCKDOWN, json=REASON, headers=auth(officer))
    assert _unavailable(refused), refused.text
    assert _unavailable(client.get(LOCKDOWN))

    standby.promote()
    after = [client.get(LOCKDOWN) for _ in range(3)]
    assert [r.status_code for r in after] == [200, 200, 200]
    assert after[-1].json()["locked"] is False  # the write refused in the gap is nowhere
    locked = client.post(LOCKDOWN, json=REASON, headers=auth(officer))
    assert locked.status_code == 200, locked.text
    assert client.get(LOCKDOWN).json()["locked"] is True


def test_a_write_cut_by_the_primarys_death_is_not_half_done(
    servers: tuple[pgcluster.PgServer, pgcluster.PgServer], runtime: Runtime
) -> None:
    primary, standby = servers
    with pytest.raises(sa_exc.DBAPIError) as cut, runtime.scope() as session:  # noqa: PT012
        organization_service.create(
            session,
            credit_code="91350200776049653A",
            name=f"切换中 {uuid.uuid4().hex[:6]}",
            kind=OrganizationKind.OPERATOR,
            region_code="420100",
            actor=system_actor("test"),
        )
        session.flush()  # the organization and its audit entry are on the primary, uncommitted
        primary.kill()
    assert is_unavailable(cut.value)

    standby.promote()
    with runtime.scope() as session:
        assert session.scalar(select(func.count()).select_from(Organization)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_job_cut_by_a_promotion_completes_exactly_once(
    servers: tuple[pgcluster.PgServer, pgcluster.PgServer], runtime: Runtime
) -> None:
    primary, standby = servers
    registry = Registry()
    runs: list[tuple[str, int]] = []

    def effect(session: Any, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
        runs.append((payload["name"], ctx.attempt))
        # The job's effect, in its transaction: committed with its completion or not at all.
        # (A job row due in a year, which no worker here claims; no idempotency key, so a
        # second committed run would leave a second row.)
        jobs_service.enqueue(
            session,
            "test.effect",
            {"of": payload["name"]},
            now=ctx.now,
            run_at=T0 + timedelta(days=365),
        )
        if payload["name"] == "cut" and ctx.attempt == 1:
            primary.kill()  # before its completion commits
            standby.promote()
        return {"name": payload["name"]}

    registry.register("test.work", effect)
    worker = Worker(runtime, name="w1", registry=registry)
    with runtime.scope() as session:
        steady = jobs_service.enqueue(session, "test.work", {"name": "steady"}, now=T0)
    assert worker.run_once(now=T0) == 1
    with runtime.scope() as session:
        cut = jobs_service.enqueue(session, "test.work", {"name": "cut"}, now=T0)
    assert worker.run_once(now=T0) == 1  # ran, and its completion was lost with the primary

    # On the new primary: the cut job's attempt is recorded as failed, then it runs again.
    assert worker.run_once(now=T0 + timedelta(hours=1)) == 1
    assert worker.run_once(now=T0 + timedelta(hours=2)) == 0
    assert runs == [("steady", 1), ("cut", 1), ("cut", 2)]
    with runtime.scope() as session:
        jobs = {j.id: j for j in session.scalars(select(Job).where(Job.kind == "test.work"))}
        effects = session.scalars(select(Job.payload).where(Job.kind == "test.effect")).all()
    assert (jobs[steady.id].status, jobs[steady.id].attempts) == ("done", 1)
    assert (jobs[cut.id].status, jobs[cut.id].attempts) == ("done", 2)
    assert sorted(e["of"] for e in effects) == ["cut", "steady"]  # each effect once


def test_a_fenced_old_primary_is_left_for_the_promoted_one(
    servers: tuple[pgcluster.PgServer, pgcluster.PgServer], runtime: Runtime
) -> None:
    """The old primary fenced by making it read-only (``default_transaction_read_only``), not
    killed: pooled connections to it still answer a ping, and their first write is refused as
    read-only. That write is a 503 ``database-unavailable``; the pool is dropped, and the next
    unit of work finds the promoted server."""
    old, new = servers
    with runtime.scope() as session:  # a pooled connection to the old primary
        _create_org(session, "围栏前")
    old.psql("ALTER SYSTEM SET default_transaction_read_only = on")
    old.psql("SELECT pg_reload_conf()")
    new.promote()
    with pytest.raises(sa_exc.DBAPIError) as refused, runtime.scope() as session:
        _create_org(session, "围栏中")
    assert is_unavailable(refused.value)
    with runtime.scope() as session:
        _create_org(session, "切换后")
        names = set(session.scalars(select(Organization.name)))
        assert session.connection().exec_driver_sql("SELECT pg_is_in_recovery()").scalar() is False
    assert names == {"围栏前", "切换后"}  # on the promoted server: the write before, and after


def _create_org(session: Any, name: str) -> None:
    organization_service.create(
        session,
        credit_code=_CODES[name],
        name=name,
        kind=OrganizationKind.OPERATOR,
        region_code="420100",
        actor=system_actor("test"),
    )
    session.flush()


_CODES = {
    "围栏前": "91350200776049653A",
    "围栏中": "9142010029141777XQ",
    "切换后": "91420100011524491G",
}
