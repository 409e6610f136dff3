"""The one visibility rule, as properties: in memory and in SQL they agree, and no audience but
the subject ever sees a record outside its display window or no longer current."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from chengxin.catalog.schema import CatalogDocument
from chengxin.records.models import CreditRecord
from chengxin.records.visibility import (
    Audience,
    AudienceKind,
    Mark,
    allowed_kinds,
    is_visible,
    marks_of,
    status_at,
    visible_records,
)
from chengxin.runtime import Runtime
from tests.ingestion.fixtures import catalog_document

DOCUMENT = CatalogDocument.model_validate(catalog_document())
KINDS = [k.code for k in DOCUMENT.kinds]
TODAY = date(2026, 11, 28)
OTHERS = [AudienceKind.GOVERNMENT, AudienceKind.THIRD_PARTY, AudienceKind.PUBLIC]


def _record(subject_id: uuid.UUID, kind: str, status: str, start: int, length: int) -> CreditRecord:
    begin = TODAY + timedelta(days=start)
    return CreditRecord(
        id=uuid.uuid4(),
        subject_id=subject_id,
        provider_id=uuid.uuid4(),
        source_id=uuid.uuid4().hex,
        version=1,
        kind_code=kind,
        domain="taxation",
        category="dishonest",
        severity="serious",
        catalog_version="2026.1",
        document_no="鄂税〔2026〕1号",
        finding_on=begin,
        display_months=12,
        display_from_on=begin,
        display_until_on=begin + timedelta(days=length),
        status=status,
        fields={},
        content_digest=b"\0" * 32,
        batch_id=uuid.uuid4(),
        row_no=1,
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


records = st.builds(
    lambda kind, status, start, length: _record(uuid.uuid4(), kind, status, start, length),
    st.sampled_from(KINDS),
    st.sampled_from(["active", "superseded", "revoked"]),
    st.integers(-2000, 30),
    st.integers(1, 1500),
)
kind_sets = st.frozensets(st.sampled_from(KINDS)) | st.none()
audiences = st.builds(Audience, st.sampled_from(list(AudienceKind)), kind_sets)


def _reaches(audience: Audience, kind_code: str) -> bool:
    """Whether the record's kind reaches the audience at all (the kind rule, apart from dates)."""
    kinds = allowed_kinds(DOCUMENT, audience)
    return kinds is None or kind_code in kinds


def _windowed(kind: str, status: str, from_on: date, until_on: date) -> CreditRecord:
    record = _record(uuid.uuid4(), kind, status, 0, 1)
    record.display_from_on, record.finding_on, record.display_until_on = from_on, from_on, until_on
    return record


DAY = timedelta(days=1)
FAR = timedelta(days=400)
TAX = "tax-arrears"  # a kind of the test catalog that reaches government (checked below)


def test_the_pinned_kind_reaches_government() -> None:
    assert _reaches(Audience(AudienceKind.GOVERNMENT), TAX)


# Both directions: an audience other than the subject sees a record exactly when it is current,
# inside its window (from its first day up to, not including, its end) and of a kind that reaches
# the audience; the subject sees every record.
@given(records, st.sampled_from(OTHERS), kind_sets)
@example(_windowed(TAX, "active", TODAY + DAY, TODAY + FAR), AudienceKind.GOVERNMENT, None)
@example(_windowed(TAX, "active", TODAY, TODAY + FAR), AudienceKind.GOVERNMENT, None)
@example(_windowed(TAX, "active", TODAY - DAY, TODAY + FAR), AudienceKind.GOVERNMENT, None)
@example(_windowed(TAX, "active", TODAY - FAR, TODAY + DAY), AudienceKind.GOVERNMENT, None)
@example(_windowed(TAX, "active", TODAY - FAR, TODAY), AudienceKind.GOVERNMENT, None)
@example(_windowed(TAX, "active", TODAY - FAR, TODAY - DAY), AudienceKind.GOVERNMENT, None)
@example(_windowed(TAX, "revoked", TODAY - DAY, TODAY + DAY), AudienceKind.GOVERNMENT, None)
def test_only_the_subject_sees_records_outside_their_window_or_not_current(
    record: CreditRecord, kind: AudienceKind, kinds: Any
) -> None:
    inside = record.display_from_on <= TODAY < record.display_until_on
    audience = Audience(kind, kinds)
    expected = inside and record.status == "active" and _reaches(audience, record.kind_code)
    assert is_visible(DOCUMENT, audience, record, TODAY) == expected
    assert is_visible(DOCUMENT, Audience(AudienceKind.SUBJECT), record, TODAY)


# The cut-offs, both sides of each, written by hand: shown from display_from_on (the day before:
# not yet), hidden from display_until_on (the day before: still shown).
FROM_SHOWN = {-1: False, 0: True, 1: True}  # TODAY − display_from_on, in days → shown to others
UNTIL_SHOWN = {-1: True, 0: False, 1: False}  # TODAY − display_until_on, in days → shown


def _at_boundary(kind: str, boundary: str, offset: int) -> CreditRecord:
    """A current record whose ``boundary`` lies ``offset`` days before TODAY (after when < 0)."""
    edge = TODAY - timedelta(days=offset)
    if boundary == "from":
        return _windowed(kind, "active", edge, edge + FAR)
    return _windowed(kind, "active", edge - FAR, edge)


@given(
    st.sampled_from(KINDS),
    st.sampled_from(OTHERS),
    st.sampled_from(["from", "until"]),
    st.sampled_from([-1, 0, 1]),
)
@example(TAX, AudienceKind.GOVERNMENT, "from", -1)
@example(TAX, AudienceKind.GOVERNMENT, "from", 0)
@example(TAX, AudienceKind.GOVERNMENT, "from", 1)
@example(TAX, AudienceKind.GOVERNMENT, "until", -1)
@example(TAX, AudienceKind.GOVERNMENT, "until", 0)
@example(TAX, AudienceKind.GOVERNMENT, "until", 1)
def test_each_cut_off_is_checked_on_the_day_before_the_day_and_the_day_after(
    kind_code: str, kind: AudienceKind, boundary: str, offset: int
) -> None:
    assume(_reaches(Audience(kind), kind_code))
    record = _at_boundary(kind_code, boundary, offset)
    shown = (FROM_SHOWN if boundary == "from" else UNTIL_SHOWN)[offset]
    assert is_visible(DOCUMENT, Audience(kind), record, TODAY) is shown
    assert is_visible(DOCUMENT, Audience(AudienceKind.SUBJECT), record, TODAY)
    expected_marks = (
        [Mark.DISPLAYED]
        if shown
        else ([Mark.NOT_YET_DISPLAYED] if boundary == "from" else [Mark.EXPIRED])
    )
    assert marks_of(record, TODAY) == expected_marks


@pytest.mark.parametrize("boundary", ["from", "until"])
def test_sql_applies_each_cut_off_on_the_day_before_the_day_and_the_day_after(
    runtime: Runtime, boundary: str
) -> None:
    subject = uuid.uuid4()
    batch = {offset: _at_boundary(TAX, boundary, offset) for offset in (-1, 0, 1)}
    for record in batch.values():
        record.subject_id = subject
    shown = FROM_SHOWN if boundary == "from" else UNTIL_SHOWN
    with runtime.scope() as session:
        session.add_all(batch.values())
        session.flush()
        found = visible_records(
            session, DOCUMENT, [subject], Audience(AudienceKind.GOVERNMENT), TODAY
        )
        assert {r.id for r in found} == {batch[o].id for o in (-1, 0, 1) if shown[o]}
        session.rollback()


@given(records, audiences, st.frozensets(st.sampled_from(KINDS)))
def test_widening_the_allowed_kinds_never_hides_a_record(
    record: CreditRecord, audience: Audience, extra: frozenset[str]
) -> None:
    assume(audience.kinds is not None)  # no narrowing to widen
    wider = Audience(audience.kind, audience.kinds | extra)
    if is_visible(DOCUMENT, audience, record, TODAY):
        assert is_visible(DOCUMENT, wider, record, TODAY)
    if is_visible(DOCUMENT, wider, record, TODAY):
        assert is_visible(DOCUMENT, Audience(audience.kind), record, TODAY)  # no narrowing at all


@given(records, kind_sets)
def test_audiences_are_nested_public_third_party_government_subject(
    record: CreditRecord, kinds: Any
) -> None:
    order = [AudienceKind.PUBLIC, AudienceKind.THIRD_PARTY, AudienceKind.GOVERNMENT]
    seen = [is_visible(DOCUMENT, Audience(k, kinds), record, TODAY) for k in order]
    assert seen == sorted(seen)  # False before True: a wider audience never sees less
    assert not seen[-1] or is_visible(
        DOCUMENT, Audience(AudienceKind.SUBJECT, kinds), record, TODAY
    )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(records, min_size=1, max_size=12), audiences)
def test_sql_and_memory_agree(
    runtime: Runtime, batch: list[CreditRecord], audience: Audience
) -> None:
    subject = uuid.uuid4()
    for record in batch:
        record.subject_id = subject
    with runtime.scope() as session:
        session.add_all(batch)
        session.flush()
        found = {r.id for r in visible_records(session, DOCUMENT, [subject], audience, TODAY)}
        expected = {r.id for r in batch if is_visible(DOCUMENT, audience, r, TODAY)}
        assert found == expected
        session.rollback()


# -- marks and as-of (reports) -------------------------------------------------------------------

AT = datetime(2026, 6, 1, tzinfo=UTC)


def _version(record: CreditRecord, received: int, ended: int | None) -> CreditRecord:
    """The record received ``received`` days after AT; ended ``ended`` days later unless active."""
    record.received_at = AT + timedelta(days=received)
    record.ended_at = (
        None
        if ended is None or record.status == "active"
        else (record.received_at + timedelta(days=abs(ended)))
    )
    return record


versions = st.builds(_version, records, st.integers(-400, 400), st.none() | st.integers(0, 400))


@given(records, st.sampled_from(OTHERS), kind_sets)
def test_a_record_past_its_window_is_marked_expired_and_never_shown_to_others(
    record: CreditRecord, kind: AudienceKind, kinds: Any
) -> None:
    marks = marks_of(record, TODAY)
    if record.status == "active" and record.display_until_on <= TODAY:
        assert marks == [Mark.EXPIRED]
    if Mark.EXPIRED in marks or Mark.NOT_YET_DISPLAYED in marks:
        assert not is_visible(DOCUMENT, Audience(kind, kinds), record, TODAY)
    assert len(marks) == 1  # every record is explained, and in one way only


@given(records, st.sampled_from(OTHERS))
def test_others_see_exactly_the_displayed_records_of_kinds_that_reach_them(
    record: CreditRecord, kind: AudienceKind
) -> None:
    seen = is_visible(DOCUMENT, Audience(kind), record, TODAY)
    reaches = is_visible(DOCUMENT, Audience(kind), _displayed_copy(record), TODAY)
    assert seen == (marks_of(record, TODAY) == [Mark.DISPLAYED] and reaches)


def _displayed_copy(record: CreditRecord) -> CreditRecord:
    return _record(record.subject_id, record.kind_code, "active", 0, 1)


@given(versions, audiences, st.frozensets(st.sampled_from(KINDS)))
def test_as_of_a_moment_nothing_received_later_shows_and_widening_never_hides(
    record: CreditRecord, audience: Audience, extra: frozenset[str]
) -> None:
    if record.received_at > AT:
        assert not is_visible(DOCUMENT, audience, record, TODAY, AT)
    if record.ended_at is not None and record.ended_at > AT:
        assert status_at(record, AT) == "active"  # it was still current then
        assert marks_of(record, TODAY, AT) == marks_of(_as_active(record), TODAY)
    wider = Audience(audience.kind, None if audience.kinds is None else audience.kinds | extra)
    if is_visible(DOCUMENT, audience, record, TODAY, AT):
        assert is_visible(DOCUMENT, wider, record, TODAY, AT)


def _as_active(record: CreditRecord) -> CreditRecord:
    copy = _record(record.subject_id, record.kind_code, "active", 0, 1)
    copy.display_from_on, copy.display_until_on = record.display_from_on, record.display_until_on
    return copy


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(versions, min_size=1, max_size=12), audiences)
def test_sql_and_memory_agree_as_of_a_moment(
    runtime: Runtime, batch: list[CreditRecord], audience: Audience
) -> None:
    subject = uuid.uuid4()
    for record in batch:
        record.subject_id = subject
    with runtime.scope() as session:
        session.add_all(batch)
        session.flush()
        found = visible_records(session, DOCUMENT, [subject], audience, TODAY, at=AT)
        expected = {r.id for r in batch if is_visible(DOCUMENT, audience, r, TODAY, AT)}
        assert {r.id for r in found} == expected
        session.rollback()
