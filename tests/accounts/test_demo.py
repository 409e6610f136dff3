"""The demo opens one account per staff role, all signing in with the documented password."""

from __future__ import annotations

from chengxin.accounts import service as accounts_service
from chengxin.demo import accounts as demo_accounts
from chengxin.demo import generator
from chengxin.organizations import service as organization_service
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import STAFF_ROLES


def test_demo_accounts_cover_every_staff_role_and_sign_in(runtime: Runtime) -> None:
    actor = system_actor("demo")
    policy = accounts_service.Policy.from_settings(runtime.settings)
    with runtime.scope() as session:
        for org in generator.organizations(0):
            organization_service.create(
                session, credit_code=org.credit_code, name=org.name, kind=org.kind,
                region_code=org.region_code, department=org.department, actor=actor,
            )  # fmt: skip
        listed = demo_accounts.ensure_accounts(session, policy=policy, actor=actor)
        assert demo_accounts.ensure_accounts(session, policy=policy, actor=actor) == listed
    assert {role for _, role in listed} == {r.value for r in STAFF_ROLES}
    for login, role in listed:
        issued = accounts_service.login(
            runtime.scope, login=login, password=demo_accounts.DEMO_PASSWORD,
            client_ip=None, policy=policy,
        )  # fmt: skip
        assert issued.actor.permissions, role
