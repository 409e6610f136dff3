"""What may run on a replica, on both databases (ADR 0033): the routes marked read-only answer
in a read-only transaction (a write fails loudly, on the primary too), the check's unit of work
refuses writes, replica settings are refused on SQLite, and WAL positions, multi-host URLs and
lost connections are read the way PostgreSQL means them."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy import insert

from chengxin.cli import main
from chengxin.db import normalize_url
from chengxin.errors import is_transient, is_unavailable
from chengxin.keys.keyring import Keyring
from chengxin.lists import types as list_types
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.replicas import READ_ONLY_OPT, READ_ONLY_ROUTES, format_lsn, parse_lsn
from chengxin.runtime import Runtime, UnsafeConfiguration, build_runtime
from chengxin.security.actor import system_actor
from chengxin.settings import Settings

REQUESTS: dict[str, dict[str, object]] = {
    "POST /api/v1/public/lists/search": {"json": {"name": "张三"}},
    "POST /api/v1/reports/verify": {"json": {"number": "CX0000000000", "code": "ABCD-EFGH"}},
    "POST /verify": {"data": {"number": "CX0000000000", "code": "ABCD-EFGH"}},
}
PATHS = {"/lists/{code}": f"/lists/{list_types.all_types()[0].code}", "/pages/{slug}": "/pages/x"}


def test_every_read_only_route_exists_and_answers_without_writing(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    marked: set[str] = set()
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler) and handler.opt.get(READ_ONLY_OPT):
                marked |= {f"{m} {route.path_format}" for m in handler.http_methods}
    assert marked == READ_ONLY_ROUTES
    client.get("/verify")  # the page's CSRF cookie
    csrf = client.cookies.get("chengxin_csrf")
    for operation in sorted(READ_ONLY_ROUTES):
        method, path = operation.split(" ", 1)
        kwargs = dict(REQUESTS.get(operation, {}))
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "_csrf_token": csrf}  # type: ignore[dict-item]
        response = client.request(method, PATHS.get(path, path), **kwargs)  # type: ignore[arg-type]
        # A read-only transaction that wrote would be a 500 (not a 503: nothing transient).
        assert response.status_code < 500, (operation, response.status_code, response.text[:300])


def test_the_checks_unit_of_work_refuses_a_write(runtime: Runtime) -> None:
    with (
        pytest.raises(sa_exc.DBAPIError) as refused,
        runtime.read_scope(replica=True) as session,
    ):
        session.execute(insert(Organization).values(credit_code="x", name="x"))
    assert not is_transient(refused.value)
    with runtime.scope() as session:  # the connection went back to the pool able to write
        organization_service.create(
            session,
            credit_code="91350200776049653A",
            name="只读之后",
            region_code="420100",
            kind=OrganizationKind.OPERATOR,
            actor=system_actor("test"),
        )
        session.flush()


@pytest.mark.sqlite
def test_replicas_are_refused_on_sqlite(settings: Settings, keyring: Keyring) -> None:
    wanting = settings.model_copy(update={"replica_urls": ["postgresql://h/db"]})
    with pytest.raises(UnsafeConfiguration, match="SQLite, which has no replicas"):
        build_runtime(wanting, keyring=keyring)


@pytest.mark.sqlite
def test_a_worker_started_with_replicas_on_sqlite_stops_with_the_reason(
    cli_env: dict[str, str],
) -> None:
    env = {**cli_env, "CHENGXIN_REPLICA_URLS": "postgresql://postgres@127.0.0.1:5432/chengxin"}
    result = CliRunner().invoke(main, ["worker", "--once"], env=env)
    assert result.exit_code != 0
    assert "SQLite, which has no replicas" in result.output


def test_replica_urls_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHENGXIN_REPLICA_URLS", "postgresql://a:5432/db, postgresql://b:5432/db")
    assert Settings().replica_urls == ["postgresql://a:5432/db", "postgresql://b:5432/db"]  # type: ignore[call-arg]


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_a_wal_position_reads_back_as_written(value: int) -> None:
    assert parse_lsn(format_lsn(value)) == value


def test_wal_positions_order_as_postgresql_orders_them() -> None:
    assert parse_lsn("0/16B3748") == 0x16B3748
    assert parse_lsn("1/0") > parse_lsn("0/FFFFFFFF")  # type: ignore[operator]
    for bad in ("", "16B3748", "x/1", "1/123456789", None):
        assert parse_lsn(bad) is None


def test_a_multi_host_url_names_every_host_for_the_driver() -> None:
    url = (
        "postgresql://postgres@10.0.0.1:5432,10.0.0.2:5433/chengxin?target_session_attrs=read-write"
    )
    assert normalize_url(url) == (
        "postgresql+psycopg://postgres@/chengxin?host=10.0.0.1:5432&host=10.0.0.2:5433"
        "&target_session_attrs=read-write"
    )
    assert normalize_url("postgresql://u@h:1/db") == "postgresql+psycopg://u@h:1/db"


def _operational(orig: BaseException) -> sa_exc.OperationalError:
    return sa_exc.OperationalError("SELECT 1", None, orig)


@pytest.mark.parametrize("sqlstate", ["57P01", "57P02", "57P03", "08006", "08001"])
def test_a_lost_or_refused_connection_is_unavailable(sqlstate: str) -> None:
    assert is_unavailable(_operational(psycopg.errors.lookup(sqlstate)("x")))


@pytest.mark.parametrize("sqlstate", ["40001", "40P01", "55P03", "53300", "23505"])
def test_contention_and_other_errors_are_not_unavailable(sqlstate: str) -> None:
    assert not is_unavailable(_operational(psycopg.errors.lookup(sqlstate)("x")))


def test_a_refused_connection_without_sqlstate_is_unavailable() -> None:
    assert is_unavailable(_operational(psycopg.OperationalError("connection refused")))
    assert not is_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))
