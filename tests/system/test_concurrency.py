"""The server under concurrent load: no request waits for a thread it blocks (ADR 0019).

A tiny pool (2 connections) and 2 handler threads against 48 concurrent requests, half of them
writes. Before ADR 0019 the commit of a finished request queued behind handlers waiting for the
connection (PostgreSQL) or write lock (SQLite) it held, and every request timed out."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import exc as sqlalchemy_exc

from chengxin.app import create_app
from chengxin.db import WriteTurns
from chengxin.demo.generator import credit_code
from chengxin.keys.keyring import Keyring
from chengxin.runtime import build_runtime
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from tests.helpers import auth


def _org(i: int) -> dict[str, str]:
    code = credit_code(random.Random(i), registration="91", region_code="420100")
    return {"credit_code": code, "name": f"并发测试公司{i}", "kind": "enterprise"}


def test_many_concurrent_requests_on_a_tiny_pool_all_answer(
    settings: Settings, keyring: Keyring, token_for: Callable[..., str]
) -> None:
    token = token_for(
        Permission.ORGANIZATION_ORGANIZATION_MANAGE, Permission.ORGANIZATION_ORGANIZATION_READ
    )
    tiny = settings.model_copy(
        update={"db_pool_size": 2, "db_max_overflow": 0, "server_threads": 2}
    )
    runtime = build_runtime(tiny, keyring=keyring)

    async def load() -> list[int]:
        async with AsyncTestClient(app=create_app(runtime=runtime), timeout=60) as client:
            headers = auth(token)

            async def one(i: int) -> int:
                if i % 2:
                    response = await client.post(
                        "/api/v1/organizations", json=_org(i), headers=headers
                    )
                else:
                    response = await client.get("/api/v1/organizations", headers=headers)
                return response.status_code

            return list(await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(48))), 60))

    try:
        statuses = asyncio.run(load())
    finally:
        runtime.engine.dispose()
    assert set(statuses) == {200, 201}
    assert statuses.count(201) == 24


def test_write_turns_are_taken_in_arrival_order() -> None:
    turns = WriteTurns(timeout=5)
    order: list[int] = []
    turns.acquire()  # held by "the main thread's transaction"
    threads = []
    for i in range(8):
        t = threading.Thread(target=lambda i=i: (turns.acquire(), order.append(i), turns.release()))
        t.start()
        threads.append(t)
        time.sleep(0.02)  # arrive one after another
    turns.release()
    for t in threads:
        t.join(5)
    assert order == list(range(8))


def test_a_turn_not_given_in_time_fails_like_sqlite_and_is_skipped() -> None:
    turns = WriteTurns(timeout=0.1)
    turns.acquire()
    with pytest.raises(sqlalchemy_exc.OperationalError, match="locked"):
        turns.acquire()  # times out; its ticket is abandoned
    turns.release()
    done = threading.Event()
    threading.Thread(target=lambda: (turns.acquire(), done.set(), turns.release())).start()
    assert done.wait(2), "the abandoned ticket must not block the next one"


def test_credential_cache_trusts_for_its_seconds_and_forgets_on_change(
    client: Any, token_for: Callable[..., str], runtime: Any
) -> None:
    from chengxin.organizations import service as organization_service
    from chengxin.security.actor import system_actor
    from chengxin.security.guards import CREDENTIALS, CredentialCache

    cache = CredentialCache()
    actor = system_actor("test")
    cache.put("cxt_x", actor, 0)
    assert cache.get("cxt_x", 0) is None  # 0 seconds: never cached
    cache.put("cxt_x", actor, 60)
    assert cache.get("cxt_x", 60) is actor
    assert cache.get("cxt_x", -1) is None
    cache.forget_all()
    assert cache.get("cxt_x", 60) is None

    # A revocation committed in this process takes effect on the next request, cache or not.
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_READ)
    assert client.get("/api/v1/organizations", headers=auth(token)).status_code == 200
    assert CREDENTIALS.get(token, 60) is not None
    token_id = uuid.UUID(hex=token.split("_")[1])
    with runtime.scope() as session:
        organization_service.revoke_token(session, token_id, actor=system_actor("test"))
    assert CREDENTIALS.get(token, 60) is None
    assert client.get("/api/v1/organizations", headers=auth(token)).status_code == 401
