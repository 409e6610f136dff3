"""The credit-state rule in isolation: it agrees with the visibility rule, it holds unchanged
until ``next_change_at``, and its stored form decodes to the same state."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chengxin.records.window import is_displayed
from chengxin.state.rule import (
    EMPTY,
    EntryFact,
    Facts,
    GradeFact,
    ObjectionFact,
    RecordFact,
    RoleFact,
    decode,
    encode,
    state_of,
)
from chengxin.workdays.days import day_of, midnight

T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)
STATUSES = ("active", "active", "superseded", "revoked", "repaired")

offsets = st.integers(min_value=-800, max_value=800)


@st.composite
def records(draw: st.DrawFn) -> RecordFact:
    start = T0.date() + timedelta(days=draw(offsets))
    length = draw(st.integers(min_value=0, max_value=1200))
    category = draw(st.sampled_from(("dishonest", "good", "basic")))
    repair = start + timedelta(days=draw(st.integers(0, 400))) if category == "dishonest" else None
    return RecordFact(
        id=uuid.UUID(int=draw(st.integers(1, 2**64))),
        source=f"p:{draw(st.integers(0, 5))}",
        kind_code=draw(st.sampled_from(("tax-arrears", "court-judgment-defaulter", "volunteer"))),
        category=category,
        severity="serious" if category == "dishonest" else None,
        finding_on=start,
        display_from_on=start,
        display_until_on=start + timedelta(days=length),
        repair_from_on=repair,
        status=draw(st.sampled_from(STATUSES)),
    )


def _moment(draw: st.DrawFn) -> datetime:
    return T0 + timedelta(hours=draw(st.integers(-24 * 800, 24 * 800)))


@st.composite
def entries(draw: st.DrawFn, record_ids: list[uuid.UUID]) -> EntryFact:
    status = draw(st.sampled_from(("proposed", "notified", "published", "exited")))
    proposed = _moment(draw)
    published = proposed + timedelta(days=30) if status in ("published", "exited") else None
    term = published + timedelta(days=draw(st.integers(1, 900))) if published else None
    exited = (
        published + timedelta(days=draw(st.integers(0, 900)))
        if published and status == "exited"
        else None
    )
    rests = draw(st.lists(st.sampled_from(record_ids), max_size=2)) if record_ids else []
    return EntryFact(
        id=uuid.UUID(int=draw(st.integers(1, 2**64))),
        reference="SX-1",
        list_type=draw(
            st.sampled_from(("black-judgment-defaulter", "black-tax-serious", "red-taxpayer-a"))
        ),
        kind=draw(st.sampled_from(("red", "black"))),
        domain="taxation",
        basis="《测试法》",
        status=status,
        record_ids=tuple(rests),
        proposed_at=proposed,
        objection_due_at=proposed + timedelta(days=10),
        published_at=published,
        term_ends_at=term,
        exited_at=exited,
        shown_id="9142**********123X",
    )


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    recs = draw(st.lists(records(), max_size=6, unique_by=lambda r: r.id))
    ids = [r.id for r in recs]
    own = draw(st.lists(entries(ids), max_size=3, unique_by=lambda e: e.id))
    roles = [
        RoleFact(
            "legal_representative",
            T0.date() + timedelta(days=draw(offsets)),
            draw(st.one_of(st.none(), st.just(T0.date() + timedelta(days=draw(offsets))))),
            draw(entries([])),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    objections = (
        [
            ObjectionFact(i, draw(st.sampled_from(("filed", "forwarded", "decided"))))
            for i in draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
        ]
        if ids
        else []
    )
    grades = [
        GradeFact(_moment(draw), T0, draw(st.sampled_from(("A", "B", "C", "D"))))
        for _ in range(draw(st.integers(0, 3)))
    ]
    return Facts(
        uuid.uuid4(), tuple(recs), tuple(own), tuple(roles), tuple(objections), tuple(grades)
    )


@settings(max_examples=300, deadline=None)
@given(facts(), st.data())
def test_the_state_holds_unchanged_until_its_next_change(f: Facts, data: st.DataObject) -> None:
    at = data.draw(st.builds(lambda h: T0 + timedelta(minutes=h), st.integers(-(10**6), 10**6)))
    state = state_of(f, at)
    if state.next_change_at is None:
        later = at + timedelta(days=data.draw(st.integers(0, 3000)))
    else:
        assert state.next_change_at > at
        span = (state.next_change_at - at) // timedelta(microseconds=1)
        later = at + timedelta(microseconds=data.draw(st.integers(0, span - 1)))
    assert state_of(f, later) == state, "the state changed before its next_change_at"


@settings(max_examples=300, deadline=None)
@given(facts(), st.integers(-(10**6), 10**6))
def test_displayed_records_are_the_visibility_rule(f: Facts, minutes: int) -> None:
    at = T0 + timedelta(minutes=minutes)
    today = day_of(at)
    state = state_of(f, at)
    expected = {
        r.id
        for r in f.records
        if r.status == "active" and is_displayed(r.display_until_on, r.display_from_on, today)
    }
    assert {r.id for r in state.records} == expected
    assert set(state.repairable) <= expected
    assert set(state.disputed) == {
        o.record_id for o in f.objections if o.status in ("filed", "forwarded")
    }
    # An own membership is published, in force, and rests on a record that still counts.
    counting = {r.source for r in f.records if r.id in expected}
    sources = {r.id: r.source for r in f.records}
    for m in state.memberships:
        if m.via_organization is not None:
            continue
        [e] = [e for e in f.entries if e.id == m.entry_id]
        assert e.published_at is not None
        assert e.published_at <= at
        assert e.exited_at is None or e.exited_at > at
        assert e.term_ends_at is None or e.term_ends_at > at
        assert not e.record_ids or any(sources[r] in counting for r in e.record_ids)


@settings(max_examples=200, deadline=None)
@given(facts(), st.integers(-(10**6), 10**6))
def test_the_stored_form_decodes_to_the_same_state(f: Facts, minutes: int) -> None:
    state = state_of(f, T0 + timedelta(minutes=minutes))
    assert decode(encode(state)) == state


def test_no_facts_is_the_empty_state() -> None:
    assert state_of(Facts(uuid.uuid4()), T0) == EMPTY


def test_a_display_window_ends_at_midnight_in_china() -> None:
    until = date(2026, 12, 8)
    record = RecordFact(
        uuid.uuid4(),
        "p:1",
        "tax-arrears",
        "dishonest",
        "serious",
        date(2025, 1, 1),
        date(2025, 1, 1),
        until,
        date(2026, 1, 1),
        "active",
    )
    f = Facts(uuid.uuid4(), (record,))
    state = state_of(f, T0)
    assert [r.id for r in state.records] == [record.id]
    assert state.repairable == (record.id,)
    assert state.next_change_at == midnight(until) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    assert state_of(f, midnight(until) - timedelta(microseconds=1)).records
    assert state_of(f, midnight(until)).records == ()


def test_an_entry_whose_records_stopped_counting_is_no_membership() -> None:
    record = RecordFact(
        uuid.uuid4(),
        "p:1",
        "tax-arrears",
        "dishonest",
        "serious",
        date(2026, 1, 1),
        date(2026, 1, 1),
        date(2029, 1, 1),
        None,
        "repaired",
    )
    entry = EntryFact(
        uuid.uuid4(),
        "SX-1",
        "black-tax-serious",
        "black",
        "taxation",
        "《法》",
        "published",
        (record.id,),
        T0 - 40 * DAY,
        T0 - 30 * DAY,
        T0 - 20 * DAY,
        None,
        None,
    )
    assert state_of(Facts(uuid.uuid4(), (record,), (entry,)), T0).memberships == ()
    corrected = RecordFact(
        uuid.uuid4(),
        "p:1",
        "tax-arrears",
        "dishonest",
        "serious",
        date(2026, 1, 1),
        date(2026, 1, 1),
        date(2029, 1, 1),
        None,
        "active",
    )
    superseded = RecordFact(
        record.id,
        "p:1",
        "tax-arrears",
        "dishonest",
        "serious",
        date(2026, 1, 1),
        date(2026, 1, 1),
        date(2029, 1, 1),
        None,
        "superseded",
    )
    # A correction carries the listing on: the later version of the same source counts.
    on = state_of(Facts(uuid.uuid4(), (superseded, corrected), (entry,)), T0)
    assert [m.entry_id for m in on.memberships] == [entry.id]
