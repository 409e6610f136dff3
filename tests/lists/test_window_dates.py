"""The list objection window (``lists_objection_days``, 5 working days, RULES.md §5) pinned to
calendar dates written by hand, across the 2026 Spring Festival and National Day.

Calendar facts (State Council notices, as chinese-calendar 1.11 carries them), not computed with
``workdays``:
- 春节 2026: rest Sun 15 Feb – Mon 23 Feb; adjusted working Saturdays 14 Feb and 28 Feb.
- 中秋 2026: rest Fri 25 Sep – Sun 27 Sep; 国庆 2026: rest Thu 1 Oct – Wed 7 Oct; adjusted
  working days Sun 20 Sep and Sat 10 Oct.
The window ends at the end of the 5th working day after the notice day in China, the UTC instant of
the following midnight; publication is refused before that instant and allowed from it on
(``now < objection_due_at`` keeps the window open)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chengxin.lists import service as list_service
from chengxin.lists.errors import ListObjectionWindowOpen
from chengxin.lists.models import EntryStatus, ListEntry
from chengxin.security.actor import system_actor
from tests.objections.fixtures import RightsWorld, build_rights

TAX_LIST = "black-tax-serious"
PROPOSER = system_actor("lists-test")
SECOND = timedelta(seconds=1)

# notified → window end, by hand:
# 春节: notified Fri 13 Feb 2026, 10:00 Beijing; working days after: 14 Feb (Sat), 24, 25, 26,
#   27 Feb → end of Fri 27 Feb = 2026-02-28 00:00 +08:00 = 2026-02-27 16:00 UTC.
# 国庆: notified Wed 30 Sep 2026, 10:00 Beijing; working days after: 8, 9, 10 (Sat), 12, 13 Oct
#   → end of Tue 13 Oct = 2026-10-13 16:00 UTC.
SPRING = datetime(2026, 2, 13, 2, 0, tzinfo=UTC)
NATIONAL = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
WINDOW_ENDS = {
    SPRING: datetime(2026, 2, 27, 16, 0, tzinfo=UTC),
    NATIONAL: datetime(2026, 10, 13, 16, 0, tzinfo=UTC),
}


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def _notified(rw: RightsWorld, person: Any, now: datetime) -> ListEntry:
    """Proposed by the machine's operator on a finding document: the records of this world are
    not displayed yet on the pinned days, and a proposal may rest only on displayed records."""
    data = list_service.Proposal(
        list_type=TAX_LIST,
        reason="逃避追缴欠税数额较大",
        record_ids=[],
        subject_id=rw.subject(person),
        document_no="鄂税稽〔2026〕7号",
    )
    with rw.runtime.scope() as session:
        entry = list_service.propose(session, data, actor=PROPOSER, now=now)
        entry = list_service.notify(
            session, entry.id, actor=rw.operator, settings=rw.settings, now=now
        )
        session.flush()
        session.expunge(entry)
        return entry


def _publish(rw: RightsWorld, entry_id: Any, now: datetime) -> ListEntry:
    with rw.runtime.scope() as session:
        entry = list_service.publish(session, entry_id, actor=rw.operator, now=now)
        session.flush()
        session.expunge(entry)
        return entry


@pytest.mark.parametrize("notified", [SPRING, NATIONAL], ids=["spring-festival", "national-day"])
def test_the_objection_window_ends_on_a_pinned_date(rw: RightsWorld, notified: datetime) -> None:
    assert rw.settings.lists_objection_days == 5
    entry = _notified(rw, rw.aw.with_records[0], notified)
    assert entry.objection_due_at == WINDOW_ENDS[notified]


@pytest.mark.parametrize("notified", [SPRING, NATIONAL], ids=["spring-festival", "national-day"])
@pytest.mark.parametrize(
    ("offset", "publishable"),
    [(-SECOND, 0), (timedelta(0), 1), (SECOND, 1)],
    ids=["second-before", "at-window-end", "second-after"],
)
def test_publication_waits_exactly_for_the_window_end(
    rw: RightsWorld, notified: datetime, offset: timedelta, publishable: int
) -> None:
    entry = _notified(rw, rw.aw.with_records[0], notified)
    when = WINDOW_ENDS[notified] + offset
    if not publishable:
        with pytest.raises(ListObjectionWindowOpen):
            _publish(rw, entry.id, when)
        return
    published = _publish(rw, entry.id, when)
    assert published.status == EntryStatus.PUBLISHED.value
    assert published.published_at == when
