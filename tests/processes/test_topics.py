"""Which tables move which topic is declared on the tables and read at install (ADR 0034, 0038)."""

from __future__ import annotations

from sqlalchemy import Table, event
from sqlalchemy.orm import Session

from chengxin.changes import service as changes_service
from chengxin.changes.hooks import install
from chengxin.changes.topics import Topic, Tracked

_ACCOUNT_WRITES = frozenset({"failed_logins", "last_failed_at", "last_login_at", "updated_at"})

# The same as when changes.service listed the classes itself.
EXPECTED = {
    "access_rule": Tracked(Topic.ACCESS),
    "agency_blacklisting": Tracked(Topic.CREDENTIALS),
    "api_token": Tracked(Topic.CREDENTIALS, inserts=False),
    "auth_session": Tracked(Topic.CREDENTIALS, inserts=False, ignored=frozenset({"last_seen_at"})),
    "catalog_version": Tracked(Topic.CATALOG, inserts=False),
    "assessment_indicator_set": Tracked(Topic.INDICATORS, inserts=False),
    "organization": Tracked(Topic.ORGANIZATIONS, inserts=False),
    "platform_lockdown": Tracked(Topic.LOCKDOWN),
    "scoring_ruleset": Tracked(Topic.SCORING, inserts=False),
    "user_account": Tracked(Topic.CREDENTIALS, inserts=False, ignored=_ACCOUNT_WRITES),
    "workday_day": Tracked(Topic.CALENDAR),
    "workday_year": Tracked(Topic.CALENDAR),
}


def _table_name(cls: type) -> str:
    table = cls.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table.name


def test_the_tables_declare_the_topics_they_move() -> None:
    found = {_table_name(cls): tracked for cls, tracked in changes_service.track().items()}
    assert found == EXPECTED
    assert {_table_name(cls) for cls in changes_service.TRACKED} == set(EXPECTED)


def test_install_attaches_the_session_events() -> None:
    install()
    install()  # idempotent
    for name, listener in changes_service._SESSION_EVENTS:
        assert event.contains(Session, name, listener), name
