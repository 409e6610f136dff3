"""The public lists at the service level: a page costs two queries whatever its size; an
organization is found by its exact credit code or its exact name; the term's end hides it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from chengxin.lists import public
from chengxin.lists.errors import ListSearchInvalid
from tests.ingestion.fixtures import World, build_world
from tests.lists.fixtures import listed
from tests.lists.test_memberships import NOW, _enterprise, _sid


@pytest.fixture
def world(runtime: Any) -> World:
    return build_world(runtime, n_people=8)


def test_a_page_costs_two_queries_whatever_its_size(world: World) -> None:
    for i in range(4):
        listed(world.runtime, _sid(world, i), "black-traffic-serious", now=NOW)
    statements: list[Any] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with world.runtime.scope() as session:
        session.connection()
        event.listen(world.runtime.engine, "before_cursor_execute", count)
        try:
            page = public.entries(session, domain="traffic-safety", now=NOW)
        finally:
            event.remove(world.runtime.engine, "before_cursor_execute", count)
    assert page.total == 4
    assert len(page.items) == 4
    assert len(statements) == 2


def test_an_organization_is_found_by_code_or_name_until_its_term_ends(world: World) -> None:
    code = _enterprise(world, _sid(world, 0))
    entry = listed(world.runtime, None, "black-procurement", now=NOW, credit_code=code)
    with world.runtime.scope() as session:
        [by_code] = public.search(session, credit_code=code, now=NOW)
        [by_name] = public.search(session, name="武汉测试贸易有限公司", now=NOW)
        assert by_code.id == by_name.id == entry.id
        assert public.search(session, name="武汉测试贸易", now=NOW) == []  # exact names only
        assert entry.term_ends_at is not None
        after = entry.term_ends_at + timedelta(seconds=1)
        assert public.search(session, credit_code=code, now=after) == []
        assert public.entries(session, now=after).total == 0
        with pytest.raises(ListSearchInvalid):
            public.search(session, now=NOW)
