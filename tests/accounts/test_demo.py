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
                session,
                credit_code=org.credit_code,
                name=org.name,
                kind=org.kind,
                region_code=org.region_code,
                department=org.department,
                actor=actor,
            )
        listed = demo_accounts.ensure_accounts(session, policy=policy, actor=actor)
        assert demo_accounts.ensure_accounts(session, policy=policy, actor=actor) == listed
    assert {role for _, role in listed} == {r.value for r in STAFF_ROLES}
    for login, role in listed:
        issued = accounts_service.login(
            runtime.scope,
            login=login,
            password=demo_accounts.DEMO_PASSWORD,
            client_ip=None,
            policy=policy,
        )
        assert issued.actor.permissions, role


def test_the_demo_publishes_list_entries_through_the_lifecycle(runtime: Runtime) -> None:
    from sqlalchemy import select

    from chengxin.demo import loader
    from chengxin.lists.models import ListEntry, ListEntryEvent

    summary = loader.load(runtime, people=30, enterprises=3)
    assert summary.listed >= 6  # six persons and the enterprise
    with runtime.scope() as session:
        entries = list(session.execute(select(ListEntry)).scalars())
        steps = {e.id: [] for e in entries}
        for event in session.execute(select(ListEntryEvent)).scalars():
            steps[event.entry_id].append(event.step)
    assert all(e.status == "published" for e in entries)
    assert all(s[:3] == ["proposed", "notified", "published"] for s in steps.values())
    assert loader.load(runtime, people=30, enterprises=3).listed == 0  # idempotent
