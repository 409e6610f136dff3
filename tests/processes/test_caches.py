"""Two real servers on one database: what one changes, the other stops trusting (ADR 0034).

Each server trusts a credential it found good for ``TRUSTED_SECONDS`` (far longer than a test
waits): only the change watcher can make server B refuse in time what server A revoked or froze.
Both databases: ``pytest tests/processes`` and ``pytest --db=postgresql tests/processes``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from chengxin.access import policy
from chengxin.access.scenes import Scene
from chengxin.accounts.models import UserAccount
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import Sharing
from chengxin.demo import generator
from chengxin.demo.generator import credit_code
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import ApiToken, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from tests.helpers import auth
from tests.processes.conftest import TRUSTED_SECONDS, Server, until

ME = "/api/v1/auth/me"
REASON = {"reason": "多进程测试 · test of several processes"}
TWO_SERVERS = {
    "CHENGXIN_AUTH_CACHE_SECONDS": str(TRUSTED_SECONDS),
    "CHENGXIN_CHECK_CONTEXT_SECONDS": str(TRUSTED_SECONDS),
}
ACTOR = system_actor("test")


def _token_id(secret: str) -> uuid.UUID:
    return uuid.UUID(hex=secret.split("_")[1])


def _two(serve: Callable[..., Server]) -> tuple[Server, Server]:
    return serve("a", **TWO_SERVERS), serve("b", **TWO_SERVERS)


def test_a_token_frozen_through_one_server_is_refused_by_the_other(
    serve: Callable[..., Server],
    token_for: Callable[..., str],
    user_for: Callable[..., str],
) -> None:
    a, b = _two(serve)
    officer = user_for(Role.SECURITY_OFFICER)
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_READ)
    assert b.client.get(ME, headers=auth(token)).status_code == 200  # B now trusts it
    assert b.client.get(ME, headers=auth(token)).status_code == 200  # from its cache

    frozen = a.client.post(
        f"/api/v1/tokens/{_token_id(token)}/freeze", json=REASON, headers=auth(officer)
    )
    assert frozen.status_code == 200, frozen.text

    until(lambda: b.client.get(ME, headers=auth(token)).status_code == 401)
    assert b.client.get(ME, headers=auth(token)).json()["type"].endswith("/token-frozen")


def test_a_token_revoked_through_one_server_is_refused_by_the_other(
    serve: Callable[..., Server], token_for: Callable[..., str], runtime: Runtime
) -> None:
    a, b = _two(serve)
    manager = token_for(Permission.ORGANIZATION_TOKEN_MANAGE)
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_READ)
    assert b.client.get(ME, headers=auth(token)).status_code == 200

    revoked = a.client.post(f"/api/v1/tokens/{_token_id(token)}/revoke", headers=auth(manager))
    assert revoked.status_code == 200, revoked.text

    until(lambda: b.client.get(ME, headers=auth(token)).status_code == 401)
    with runtime.scope() as session:
        assert session.get_one(ApiToken, _token_id(token)).revoked_at is not None


def test_an_account_frozen_through_one_server_is_signed_out_of_the_other(
    serve: Callable[..., Server], user_for: Callable[..., str], runtime: Runtime
) -> None:
    a, b = _two(serve)
    officer = user_for(Role.SECURITY_OFFICER)
    clerk = user_for(Role.CONSUMER_OFFICER)
    with runtime.scope() as session:
        clerk_id = session.execute(  # the account opened last
            select(UserAccount.id).order_by(UserAccount.created_at.desc()).limit(1)
        ).scalar_one()
    assert b.client.get(ME, headers=auth(clerk)).json()["kind"] == "user"

    frozen = a.client.post(
        f"/api/v1/accounts/users/{clerk_id}/freeze", json=REASON, headers=auth(officer)
    )
    assert frozen.status_code == 200, frozen.text

    until(lambda: b.client.get(ME, headers=auth(clerk)).status_code == 401)


def test_a_lockdown_through_one_server_stops_changes_on_the_other_and_its_lift_too(
    serve: Callable[..., Server], user_for: Callable[..., str]
) -> None:
    a, b = _two(serve)
    officer = user_for(Role.SECURITY_OFFICER)
    change = "/api/v1/organizations"  # a change without credentials: 401, or 503 locked down
    assert b.client.post(change, json={}).status_code == 401

    locked = a.client.post("/api/v1/system/lockdown", json=REASON, headers=auth(officer))
    assert locked.status_code == 200, locked.text
    until(lambda: b.client.post(change, json={}).status_code == 503)

    lifted = a.client.request(
        "DELETE", "/api/v1/system/lockdown", json=REASON, headers=auth(officer)
    )
    assert lifted.status_code == 200, lifted.text
    until(lambda: b.client.post(change, json={}).status_code == 401)


def _checking_body(runtime: Runtime) -> tuple[str, uuid.UUID]:
    """A government body allowed to check in licensing: its token (checks only) and the id of
    its permission-list line."""
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=ACTOR)
        org = organization_service.create(
            session,
            credit_code=credit_code(random.Random(7), registration="11", region_code="420100"),
            name="市场监督管理局（测试）",
            kind=OrganizationKind.GOVERNMENT,
            region_code="420100",
            actor=ACTOR,
        )
        _, document = catalog_service.active_document(session)
        rule = policy.add_rule(
            session,
            document,
            organization_id=org.id,
            scene=Scene.ADMINISTRATIVE_LICENSING,
            kinds=[],
            sharing=[Sharing.PUBLIC, Sharing.GOVERNMENT],
            basis="测试依据",
            valid_from_on=date(2026, 1, 1),
            valid_until_on=None,
            actor=ACTOR,
        )
        issued = organization_service.issue_token(
            session,
            org.id,
            name="window",
            permissions=[Permission.CHECKS_CHECK_RUN],
            valid_days=1,
            actor=ACTOR,
        )
        return issued.secret, rule.id


def test_a_permission_line_ended_through_one_server_stops_checks_on_the_other(
    serve: Callable[..., Server], token_for: Callable[..., str], runtime: Runtime
) -> None:
    a, b = _two(serve)
    window, rule_id = _checking_body(runtime)
    manager = token_for(Permission.ACCESS_POLICY_MANAGE)
    person = next(iter(generator.people(1, seed=11)))
    body = {
        "scene": Scene.ADMINISTRATIVE_LICENSING.value,
        "purpose": "食品经营许可审查",
        "persons": [{"id_number": person.id_number, "name": person.name}],
    }
    assert b.client.post("/api/v1/checks", json=body, headers=auth(window)).status_code == 200

    ended = a.client.delete(f"/api/v1/access/permissions/{rule_id}", headers=auth(manager))
    assert ended.status_code == 200, ended.text

    until(
        lambda: b.client.post("/api/v1/checks", json=body, headers=auth(window)).status_code == 403
    )
    refused = b.client.post("/api/v1/checks", json=body, headers=auth(window))
    assert refused.json()["type"].endswith("/scene-not-permitted")


def test_without_the_watcher_the_other_server_keeps_trusting_a_frozen_token(
    serve: Callable[..., Server],
    token_for: Callable[..., str],
    user_for: Callable[..., str],
) -> None:
    """The control: with the poll off, B keeps its cached actor (so the tests above can fail)."""
    settings = {**TWO_SERVERS, "CHENGXIN_CHANGE_POLL_SECONDS": "0"}
    a, b = serve("a", **settings), serve("b", **settings)
    officer = user_for(Role.SECURITY_OFFICER)
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_READ)
    assert b.client.get(ME, headers=auth(token)).status_code == 200
    frozen = a.client.post(
        f"/api/v1/tokens/{_token_id(token)}/freeze", json=REASON, headers=auth(officer)
    )
    assert frozen.status_code == 200, frozen.text
    assert a.client.get(ME, headers=auth(token)).status_code == 401  # A forgot at once
    # B, which never polls, still answers from its cache (a read B's own database would refuse).
    assert b.client.get(ME, headers=auth(token)).status_code == 200
