"""The topics' versions (ADR 0034): which transactions move them, and what a watcher does when
one moved. In one process, on the test's real database; test_caches.py has the servers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import yaml
from sqlalchemy import delete, update

from chengxin.accounts.emergency import service as emergency_service
from chengxin.accounts.models import AuthSession
from chengxin.catalog import service as catalog_service
from chengxin.changes import service as changes_service
from chengxin.changes.models import PlatformChange
from chengxin.changes.service import Topic
from chengxin.changes.watcher import ChangeWatcher, watcher_engine
from chengxin.checks import service as checks_service
from chengxin.db import utcnow
from chengxin.runtime import Runtime
from chengxin.scoring import rules as scoring_rules
from chengxin.scoring import service as scoring_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from chengxin.workdays import years as calendar_years

ACTOR = system_actor("test")


def versions(runtime: Runtime) -> dict[str, int]:
    with runtime.scope() as session:
        return changes_service.versions(session)


@pytest.fixture
def watcher(runtime: Runtime) -> Iterator[tuple[ChangeWatcher, list[set[str]]]]:
    """A watcher on the test's database that records what it was told to forget."""
    told: list[set[str]] = []
    engine = watcher_engine(runtime.settings.resolved_database_url)
    w = ChangeWatcher(engine, interval=0.5, forget=lambda topics: told.append(set(topics)))
    yield w, told
    w.stop()


def test_a_frozen_token_moves_the_credentials_version_and_signing_in_does_not(
    runtime: Runtime, token_for: Callable[..., str], user_for: Callable[..., str]
) -> None:
    token = token_for(Permission.ORGANIZATION_ORGANIZATION_READ)
    user_for(Role.CONSUMER_OFFICER)  # an account opened and signed in: nothing cached changed
    before = versions(runtime)
    assert Topic.CREDENTIALS not in before
    with runtime.scope() as session:
        emergency_service.freeze_token(
            session, uuid.UUID(hex=token.split("_")[1]), reason="test", actor=ACTOR
        )
    after = versions(runtime)
    assert after[Topic.CREDENTIALS] == 1
    assert {k: v for k, v in after.items() if k != Topic.CREDENTIALS} == before


def test_a_change_rolled_back_moves_no_version(runtime: Runtime) -> None:
    before = versions(runtime)
    with runtime.session_factory() as session, session.begin():
        emergency_service.lock(session, reason="test", actor=ACTOR)
        session.rollback()
    assert versions(runtime) == before


def test_a_lockdown_and_its_lift_move_the_lockdown_version_once_each(runtime: Runtime) -> None:
    with runtime.scope() as session:
        emergency_service.lock(session, reason="test", actor=ACTOR)
    assert versions(runtime)[Topic.LOCKDOWN] == 1
    with runtime.scope() as session:  # the lift is a bulk UPDATE: seen by the statement event
        emergency_service.lift(session, reason="test", actor=ACTOR)
    assert versions(runtime)[Topic.LOCKDOWN] == 2


def test_a_bulk_update_of_sessions_moves_the_credentials_version(
    runtime: Runtime, user_for: Callable[..., str]
) -> None:
    user_for(Role.CONSUMER_OFFICER)
    with runtime.scope() as session:
        session.execute(update(AuthSession).values(revoked_at=utcnow()))
    assert versions(runtime)[Topic.CREDENTIALS] == 1


def test_a_catalog_activation_moves_the_catalog_version(runtime: Runtime) -> None:
    content = catalog_service.shipped_content()
    with runtime.scope() as session:
        catalog_service.load(session, content, actor=ACTOR, activate=True)
    first = versions(runtime).get(Topic.CATALOG, 0)
    with runtime.scope() as session:
        catalog_service.load(session, {**content, "version": "9999.1"}, actor=ACTOR, activate=True)
    assert versions(runtime)[Topic.CATALOG] == first + 1


def test_the_watcher_forgets_the_topics_that_moved_and_nothing_else(
    runtime: Runtime, watcher: tuple[ChangeWatcher, list[set[str]]]
) -> None:
    w, told = watcher
    assert w.poll() == set()  # the first reading is the baseline
    with runtime.scope() as session:
        changes_service.bump(session, [Topic.CATALOG, Topic.ACCESS])
    assert w.poll() == {"catalog", "access"}
    assert w.poll() == set()
    assert told == [{"catalog", "access"}]


def test_a_version_that_went_back_is_a_change(
    runtime: Runtime, watcher: tuple[ChangeWatcher, list[set[str]]]
) -> None:
    w, _told = watcher
    with runtime.scope() as session:
        changes_service.bump(session, [Topic.SCORING])
    w.poll()
    with runtime.scope() as session:  # a restore from a backup taken before the bump
        session.execute(delete(PlatformChange))
    assert w.poll() == {"scoring"}


def test_the_process_that_made_a_change_forgets_at_once(
    runtime: Runtime, token_for: Callable[..., str]
) -> None:
    forgotten: list[str] = []
    listener = changes_service.on_change(lambda: forgotten.append("x"), Topic.ACCESS)
    try:
        token_for(Permission.ORGANIZATION_ORGANIZATION_READ)
        assert forgotten == []
        with runtime.scope() as session:
            changes_service.mark(session, Topic.ACCESS)
        assert forgotten == ["x"]  # after the commit, before any poll
    finally:
        changes_service._LISTENERS[Topic.ACCESS].remove(listener)


def test_a_watched_change_empties_the_check_contexts(
    runtime: Runtime, watcher: tuple[ChangeWatcher, list[set[str]]]
) -> None:
    w, _told = watcher
    w._forget = changes_service.forget  # the process's real listeners
    w.poll()
    checks_service._CONTEXTS[(uuid.uuid4(), "scene", utcnow().date())] = (0.0, *([None] * 3))  # type: ignore[assignment]
    with runtime.engine.begin() as connection:  # another process's bump: no session events here
        connection.execute(
            PlatformChange.__table__.insert().values(topic="access", version=7, changed_at=utcnow())
        )
    assert w.poll() == {"access"}
    assert checks_service._CONTEXTS == {}


def test_a_ruleset_activation_moves_the_scoring_version_and_its_upload_does_not(
    runtime: Runtime,
) -> None:
    content = yaml.safe_load(scoring_rules.shipped_text())
    content["version"] = "2099.1"
    with runtime.scope() as session:
        scoring_service.upload_draft(session, yaml.safe_dump(content), actor=ACTOR)
    assert Topic.SCORING not in versions(runtime)  # a draft is read by nobody's cache
    with runtime.scope() as session:
        scoring_service.activate(session, "2099.1", actor=ACTOR)
    assert versions(runtime)[Topic.SCORING] == 1


def test_a_calendar_year_entered_moves_the_calendar_version(runtime: Runtime) -> None:
    from chengxin.web.operator.admin_calendar import YearForm, entry_of
    from tests.workdays.test_calendar import SPRING_2027

    before = versions(runtime).get(Topic.CALENDAR, 0)
    with runtime.scope() as session:
        calendar_years.enter(session, entry_of(YearForm(**SPRING_2027)), actor=ACTOR)
    assert versions(runtime)[Topic.CALENDAR] == before + 1
