"""Organizations, roles and API tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient

from chengxin.audit import service as audit_service
from chengxin.identity import service as identity_service
from chengxin.organizations import service as organization_service
from chengxin.organizations.errors import (
    CreditCodeInvalid,
    OrganizationExists,
    PermissionNotGrantable,
    RoleExists,
    TokenInvalid,
)
from chengxin.organizations.models import OrganizationKind, RoleKind
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.permissions import Permission
from tests.helpers import auth, people

ACTOR = system_actor("test")
CODE = "91350200776049653A"


def _org(session, code: str = CODE, kind: OrganizationKind = OrganizationKind.ENTERPRISE):  # type: ignore[no-untyped-def]
    return organization_service.create(
        session, credit_code=code, name="测试企业", kind=kind, region_code="420100", actor=ACTOR
    )


def test_credit_code_is_validated_and_unique(runtime: Runtime) -> None:
    with runtime.scope() as session:
        org = _org(session)
        assert org.credit_code == CODE
        with pytest.raises(OrganizationExists):
            _org(session)
        with pytest.raises(CreditCodeInvalid):
            _org(session, "91350200776049653B")


@given(st.integers(min_value=0, max_value=2**32))
def test_generated_credit_codes_validate(seed: int) -> None:
    import random

    from chengxin.demo.generator import credit_code

    code = credit_code(random.Random(seed), registration="91", region_code="420100")
    assert organization_service.validate_credit_code(code) == code


def test_role_links_a_registered_person_and_is_audited(runtime: Runtime) -> None:
    person = people(1)[0]
    with runtime.scope() as session:
        identity_service.register(
            session, identity_service.prepare_person(person.id_number, person.name), actor=ACTOR
        )
        org = _org(session)
        link = organization_service.add_role(
            session,
            org.id,
            id_number=person.id_number,
            role=RoleKind.LEGAL_REPRESENTATIVE,
            since_on=date(2020, 1, 1),
            until_on=None,
            actor=ACTOR,
        )
        with pytest.raises(RoleExists):
            organization_service.add_role(
                session,
                org.id,
                id_number=person.id_number,
                role=RoleKind.LEGAL_REPRESENTATIVE,
                since_on=date(2020, 1, 1),
                until_on=None,
                actor=ACTOR,
            )
        assert [
            r.id for r in organization_service.roles_of(session, org.id, on=date(2024, 1, 1))
        ] == [link.id]
        assert organization_service.roles_of(session, org.id, on=date(2019, 1, 1)) == []
        entry = audit_service.list_entries(session, limit=100)[-1]
        assert entry.action == "organizations:role:create"
        assert entry.subject_id == link.subject_id


def test_token_lifecycle(runtime: Runtime) -> None:
    with runtime.scope() as session:
        org = _org(session)
        issued = organization_service.issue_token(
            session,
            org.id,
            name="system",
            permissions=[Permission.IDENTITY_PERSON_VERIFY],
            valid_days=1,
            actor=ACTOR,
        )
        assert issued.secret not in repr(issued.token.__dict__)
        actor = organization_service.authenticate(session, issued.secret)
        assert actor.kind is ActorKind.TOKEN
        assert actor.permissions == frozenset({Permission.IDENTITY_PERSON_VERIFY})
        assert actor.organization_id == org.id
        with pytest.raises(TokenInvalid):
            organization_service.authenticate(
                session, issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
            )
        with pytest.raises(TokenInvalid):
            organization_service.authenticate(
                session, issued.secret, now=datetime.now(UTC) + timedelta(days=2)
            )
        organization_service.revoke_token(session, issued.token.id, actor=ACTOR)
        with pytest.raises(TokenInvalid):
            organization_service.authenticate(session, issued.secret)


def test_token_cannot_carry_more_than_its_issuer_holds(runtime: Runtime) -> None:
    weak = Actor(ActorKind.TOKEN, "x", "x", None, frozenset({Permission.ORGANIZATION_TOKEN_MANAGE}))
    with runtime.scope() as session:
        org = _org(session)
        with pytest.raises(PermissionNotGrantable):
            organization_service.issue_token(
                session,
                org.id,
                name="s",
                permissions=[Permission.AUDIT_LOG_READ],
                valid_days=1,
                actor=weak,
            )


def test_token_api_shows_the_secret_once(client: TestClient, token_for) -> None:  # type: ignore[no-untyped-def, type-arg]
    admin = token_for(*Permission)
    org = client.post(
        "/api/v1/organizations",
        json={"credit_code": CODE, "name": "甲公司", "kind": "enterprise"},
        headers=auth(admin),
    ).json()
    issued = client.post(
        f"/api/v1/organizations/{org['id']}/tokens",
        json={"name": "窗口系统", "permissions": ["identity:person:verify"]},
        headers=auth(admin),
    )
    assert issued.status_code == 201
    secret = issued.json()["token"]
    listed = client.get(f"/api/v1/organizations/{org['id']}/tokens", headers=auth(admin))
    assert secret not in listed.text
    assert (
        client.post(
            "/api/v1/identity/verify",
            json={"id_number": "11010519491231002X", "name": "张三"},
            headers=auth(secret),
        ).status_code
        == 200
    )
    revoked = client.post(f"/api/v1/tokens/{issued.json()['id']}/revoke", headers=auth(admin))
    assert revoked.json()["revoked_at"] is not None
    assert (
        client.post(
            "/api/v1/identity/verify",
            json={"id_number": "11010519491231002X", "name": "张三"},
            headers=auth(secret),
        ).status_code
        == 401
    )


def test_bad_credit_code_over_http_is_a_coded_problem(client: TestClient, token_for) -> None:  # type: ignore[no-untyped-def, type-arg]
    admin = token_for(Permission.ORGANIZATION_ORGANIZATION_MANAGE)
    response = client.post(
        "/api/v1/organizations",
        json={"credit_code": "123", "name": "乙", "kind": "enterprise"},
        headers=auth(admin),
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/credit-code-invalid")
