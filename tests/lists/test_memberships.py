"""Memberships in the credit state: published entries current at a moment, and R8.4 enterprise
linkage (``state.rule``; these were the rules of the former ``lists.memberships.memberships``)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chengxin.demo import generator
from chengxin.identity import service as identity_service
from chengxin.lists.memberships import Membership
from chengxin.lists.models import ExitReason
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind, OrganizationRole
from chengxin.security.actor import system_actor
from chengxin.state import service as state_service
from tests.ingestion.fixtures import World, build_world
from tests.lists.fixtures import exited, listed

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
SYSTEM = system_actor("test")


@pytest.fixture
def world(runtime: Any) -> World:
    return build_world(runtime, n_people=8)


def memberships(
    session: Any, subject_ids: list[Any], *, at: datetime
) -> dict[Any, list[Membership]]:
    """Each person's memberships at ``at``, as every view reads them: from the credit state."""
    found = state_service.states(session, subject_ids, at=at)
    return {sid: list(state.memberships) for sid, state in found.items()}


def _sid(world: World, i: int) -> Any:
    with world.runtime.scope() as session:
        return identity_service.subject_id_for(session, world.people[i].id_number)


def _enterprise(world: World, holder: Any, role: str = "legal_representative") -> str:
    code = generator.credit_code(random.Random(7), registration="91", region_code="420100")
    with world.runtime.scope() as session:
        org = organization_service.create(
            session,
            credit_code=code,
            name="武汉测试贸易有限公司",
            kind=OrganizationKind.ENTERPRISE,
            region_code="420100",
            actor=SYSTEM,
        )
        session.add(
            OrganizationRole(
                organization_id=org.id,
                subject_id=holder,
                role=role,
                since_on=date(2020, 1, 1),
                until_on=None,
                created_at=NOW,
            )
        )
    return code


def test_a_published_entry_is_a_membership_with_its_type_and_basis(world: World) -> None:
    sid, other = _sid(world, 0), _sid(world, 1)
    entry = listed(world.runtime, sid, "black-judgment-defaulter", now=NOW)
    with world.runtime.scope() as session:
        found = memberships(session, [sid, other], at=NOW + timedelta(days=1))
    assert found[other] == []
    [m] = found[sid]
    assert (m.entry_id, m.list_type, m.kind, m.name_zh) == (
        entry.id,
        "black-judgment-defaulter",
        "black",
        "失信被执行人",
    )
    assert "法释〔2017〕7号" in m.basis
    assert m.via_organization is None
    assert m.role is None
    assert m.term_ends_at == NOW.replace(year=2028)


def test_not_a_membership_before_publication_after_exit_or_after_the_term(world: World) -> None:
    sid = _sid(world, 0)
    entry = listed(world.runtime, sid, "black-judgment-defaulter", now=NOW)
    with world.runtime.scope() as session:
        assert memberships(session, [sid], at=NOW - timedelta(seconds=1))[sid] == []
        assert memberships(session, [sid], at=NOW.replace(year=2028))[sid] == []
    exited(world.runtime, entry.id, now=NOW + timedelta(days=10), reason=ExitReason.PERFORMED)
    with world.runtime.scope() as session:
        assert len(memberships(session, [sid], at=NOW + timedelta(days=9))[sid]) == 1
        assert memberships(session, [sid], at=NOW + timedelta(days=10))[sid] == []


def test_an_organizations_listing_reaches_its_legal_representative(world: World) -> None:
    rep = _sid(world, 2)
    code = _enterprise(world, rep)
    entry = listed(world.runtime, None, "black-wage-arrears", now=NOW, credit_code=code)
    assert entry.subject_id is None
    assert entry.organization_id is not None
    assert entry.shown_id != code
    assert entry.shown_id[-4:] == code[-4:]
    with world.runtime.scope() as session:
        [m] = memberships(session, [rep], at=NOW + timedelta(days=1))[rep]
    assert m.via_organization == entry.shown_id
    assert m.role == "legal_representative"
    assert m.list_type == "black-wage-arrears"


def test_ten_thousand_ids_in_one_call(world: World) -> None:
    import uuid

    sid = _sid(world, 0)
    listed(world.runtime, sid, "red-moral-exemplar", now=NOW)
    ids = [uuid.uuid4() for _ in range(9_999)] + [sid]
    with world.runtime.scope() as session:
        found = memberships(session, ids, at=NOW + timedelta(days=1))
    assert len(found) == 10_000
    assert [m.kind for m in found[sid]] == ["red"]


def test_reading_stored_states_costs_one_statement_per_thousand_ids(world: World) -> None:
    import uuid

    from sqlalchemy import event

    from chengxin.db import utcnow

    sid = _sid(world, 0)
    listed(world.runtime, sid, "red-moral-exemplar", now=NOW)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    ids = [uuid.uuid4() for _ in range(2_499)] + [sid]
    with world.runtime.scope() as session:
        session.connection()  # begin first: the count covers only the read
        event.listen(world.runtime.engine, "before_cursor_execute", count)
        try:
            found = memberships(session, ids, at=utcnow())  # the stored row holds now
        finally:
            event.remove(world.runtime.engine, "before_cursor_execute", count)
    assert len(statements) == 3  # 3 chunks of the stored rows; nothing recomputed
    assert len(found[sid]) == 1


def test_an_organizations_notice_reaches_its_inbox_and_role_holders(world: World) -> None:
    from sqlalchemy import select

    from chengxin.lists.models import ListEntryEvent
    from chengxin.notifications.models import OrganizationNotice

    rep = _sid(world, 3)
    code = _enterprise(world, rep, role="responsible_person")
    entry = listed(world.runtime, None, "black-illegal-fund-raising", now=NOW, credit_code=code)
    with world.runtime.scope() as session:
        notices = list(
            session.execute(
                select(OrganizationNotice.topic).where(
                    OrganizationNotice.organization_id == entry.organization_id
                )
            ).scalars()
        )
        told = session.execute(
            select(ListEntryEvent.data).where(
                ListEntryEvent.entry_id == entry.id, ListEntryEvent.step == "notified"
            )
        ).scalar_one()
    assert notices == ["list-entry-notice"]
    assert told["told"] == ["organization", "role-holder"]
    with world.runtime.scope() as session:
        [m] = memberships(session, [rep], at=NOW)[rep]
    assert m.role == "responsible_person"
