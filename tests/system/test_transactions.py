"""One transaction per request: a failed commit is an error response, and nothing is kept."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import event, func, select

from chengxin.organizations.models import Organization
from chengxin.runtime import Runtime
from chengxin.security.permissions import Permission
from tests.helpers import auth

ORG = {"credit_code": "91350200776049653A", "name": "提交失败测试公司", "kind": "enterprise"}


def _count(runtime: Runtime) -> int:
    with runtime.scope() as session:
        return session.execute(select(func.count()).select_from(Organization)).scalar_one()


def test_failed_commit_is_500_and_the_write_is_not_kept(
    client: TestClient, runtime: Runtime, token_for
) -> None:  # type: ignore[no-untyped-def, type-arg]
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_MANAGE)
    before = _count(runtime)

    def fail(session: Any) -> None:
        if any(isinstance(o, Organization) for o in session.new | session.identity_map.values()):
            raise RuntimeError("simulated commit failure")

    event.listen(runtime.session_factory, "before_commit", fail)
    try:
        response = client.post("/api/v1/organizations", json=ORG, headers=auth(token))
    finally:
        event.remove(runtime.session_factory, "before_commit", fail)
    assert response.status_code == 500
    assert response.json()["type"].endswith("/internal-error")
    assert "simulated" not in response.text
    assert _count(runtime) == before


def test_successful_write_is_committed_with_its_audit_entry(
    client: TestClient, runtime: Runtime, token_for
) -> None:  # type: ignore[no-untyped-def, type-arg]
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_MANAGE)
    response = client.post("/api/v1/organizations", json=ORG, headers=auth(token))
    assert response.status_code == 201
    from chengxin.audit import service as audit_service

    with runtime.scope() as session:
        entries = audit_service.list_entries(session, limit=1000)
        created = [
            e
            for e in entries
            if e.action == "organizations:organization:create"
            and e.object_id == response.json()["id"]
        ]
        assert len(created) == 1
        assert created[0].request_id == response.headers["x-request-id"]
        assert created[0].actor_kind == "token"
