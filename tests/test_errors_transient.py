"""Contention answers 503 ``database-busy`` with Retry-After, never a 500 (issue 23, finding 6).

Each test holds a real write lock from another connection, gives the app a short lock wait and
sends a write: the answer is 503 with the stable code and Retry-After, and nothing was stored, so
the client knows a resend is safe. The classification of driver errors is tested on its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from litestar.testing import TestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from chengxin.app import create_app
from chengxin.db import make_engine
from chengxin.errors import is_transient
from chengxin.keys.keyring import Keyring
from chengxin.organizations.models import Organization
from chengxin.runtime import Runtime, build_runtime
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from tests.helpers import auth

CODE = "91350200776049653A"
NEW_ORG = {"credit_code": CODE, "name": "忙时登记的单位", "kind": "enterprise"}
WAIT = 0.3  # seconds the app waits for the lock


def _count(runtime: Runtime) -> int:
    with runtime.scope() as session:
        return session.scalar(
            select(func.count()).select_from(Organization).where(Organization.credit_code == CODE)
        )


def _assert_busy(response: object, runtime: Runtime) -> None:
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    assert response.json()["type"].endswith("/database-busy")  # type: ignore[attr-defined]
    assert int(response.headers["retry-after"]) >= 1  # type: ignore[attr-defined]
    assert response.json()["request_id"]  # type: ignore[attr-defined]
    assert _count(runtime) == 0


@contextmanager
def _client(runtime: Runtime) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=create_app(runtime=runtime)) as client:
        yield client


@pytest.mark.sqlite
def test_sqlite_write_behind_a_held_lock_answers_503_and_stores_nothing(
    settings: Settings, keyring: Keyring, token_for
) -> None:  # type: ignore[no-untyped-def]
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_MANAGE)
    impatient = build_runtime(
        settings.model_copy(update={"db_lock_wait_seconds": WAIT}), keyring=keyring
    )
    path = settings.resolved_database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        with _client(impatient) as client:
            holder.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
            response = client.post("/api/v1/organizations", json=NEW_ORG, headers=auth(token))
            holder.execute("ROLLBACK")
            _assert_busy(response, impatient)
            again = client.post("/api/v1/organizations", json=NEW_ORG, headers=auth(token))
            assert again.status_code == 201  # the same request, resent, goes through
    finally:
        holder.close()
        impatient.engine.dispose()


@pytest.mark.postgresql
def test_postgresql_lock_timeout_answers_503_and_stores_nothing(
    settings: Settings, keyring: Keyring, token_for
) -> None:  # type: ignore[no-untyped-def]
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_MANAGE)
    url = settings.resolved_database_url
    engine = make_engine(url, lock_wait_seconds=WAIT)
    impatient = build_runtime(settings, keyring=keyring, engine=engine)
    holder = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        with _client(impatient) as client:
            # Writers wait for this lock; readers (authentication) do not.
            holder.execute("LOCK TABLE organization IN EXCLUSIVE MODE")
            response = client.post("/api/v1/organizations", json=NEW_ORG, headers=auth(token))
            holder.rollback()
            _assert_busy(response, impatient)
            again = client.post("/api/v1/organizations", json=NEW_ORG, headers=auth(token))
            assert again.status_code == 201
    finally:
        holder.close()
        engine.dispose()


def _operational(orig: BaseException) -> sa_exc.OperationalError:
    return sa_exc.OperationalError("SELECT 1", None, orig)


@pytest.mark.parametrize(
    "sqlstate", ["40001", "40P01", "55P03", "57P01", "08006", "08001", "53300"]
)
def test_contention_and_lost_connections_are_transient(sqlstate: str) -> None:
    error = psycopg.errors.lookup(sqlstate)("x")
    assert is_transient(_operational(error))


@pytest.mark.parametrize("sqlstate", ["23505", "22003", "42P01", "57014"])
def test_other_database_errors_are_not_transient(sqlstate: str) -> None:
    error = psycopg.errors.lookup(sqlstate)("x")
    assert not is_transient(sa_exc.DBAPIError("SELECT 1", None, error))
    assert not is_transient(_operational(error))


def test_sqlite_busy_is_transient_and_other_sqlite_errors_are_not() -> None:
    assert is_transient(_operational(sqlite3.OperationalError("database is locked")))
    assert is_transient(_operational(Exception("database is locked (no write turn in time)")))
    assert not is_transient(_operational(sqlite3.OperationalError("no such table: x")))
    assert not is_transient(sa_exc.IntegrityError("INSERT", None, sqlite3.IntegrityError("x")))
    assert is_transient(sa_exc.TimeoutError("QueuePool limit reached"))
    assert not is_transient(ValueError("x"))


@pytest.mark.sqlite
def test_a_page_behind_a_held_lock_answers_a_503_page(settings: Settings, keyring: Keyring) -> None:
    impatient = build_runtime(
        settings.model_copy(update={"db_lock_wait_seconds": WAIT}), keyring=keyring
    )
    path = settings.resolved_database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        with _client(impatient) as client:
            client.get("/lists")
            token = client.cookies.get("chengxin_csrf")
            form = {"by": "id_number", "query": "11010519491231002X", "_csrf_token": token}
            holder.execute("BEGIN IMMEDIATE")
            response = client.post("/lists/search", data=form)
            holder.execute("ROLLBACK")
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("text/html")
            assert "database-busy" in response.text
            assert int(response.headers["retry-after"]) >= 1
            assert client.post("/lists/search", data=form).status_code == 200
    finally:
        holder.close()
        impatient.engine.dispose()
