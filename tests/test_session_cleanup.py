"""A request whose database connection dies under it answers with its own error, never a 500.

bench/soak.py found it while restarting the primary: a handler refused a request (422) after the
restart had closed its connection, the request's rollback then failed on the dead connection, and
Litestar wrapped that failure in an ExceptionGroup no handler matches: 500 ``internal-error``.
Here the connection is closed for certain (``pg_terminate_backend`` from another connection,
waited for) between the handler's first statement and its refusal.
"""

from __future__ import annotations

import time

import pytest
from litestar import get
from litestar.testing import TestClient
from sqlalchemy import text

from chengxin.app import create_app
from chengxin.deps import SessionDep
from chengxin.errors import InvalidInput
from chengxin.runtime import Runtime

pytestmark = pytest.mark.postgresql
ROUTE = "/test/refused-after-its-connection-died"


def test_a_refusal_over_a_dead_connection_is_the_answer_not_a_500(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)

    @get(ROUTE, opt={"public": True}, sync_to_thread=True)
    def refused_after_its_connection_died(session: SessionDep) -> None:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()  # a transaction
        with runtime.engine.connect() as other:
            assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
            alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            deadline = time.monotonic() + 30
            # pg_stat_activity is a snapshot taken once per transaction: end it on every turn,
            # or a backend that was there at the first look stays there for ever.
            while other.execute(alive, {"pid": pid}).scalar_one():
                other.rollback()
                assert time.monotonic() < deadline, "the terminated backend did not go away"
                time.sleep(0.01)
        raise InvalidInput("refused after its connection died")

    app.register(refused_after_its_connection_died)
    with TestClient(app=app) as client:
        answer = client.get(ROUTE)
        assert answer.status_code == 422, answer.text
        assert answer.json()["type"].endswith("/invalid-input")
        assert client.get("/health").status_code == 200  # the pool gave up the dead connection
