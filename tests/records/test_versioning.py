"""The version rules of a record (records.versioning), alone and as intake applies them."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from chengxin.ingestion.service import Options
from chengxin.records import versioning
from chengxin.records.models import CreditRecord, RecordEvent, RecordStatus
from chengxin.records.versioning import Current, Decision, Refusal, Step
from chengxin.runtime import Runtime
from tests.ingestion.fixtures import HEADER, World, build_world, csv_data, ingest_bytes, tax_row

DIGESTS = st.binary(min_size=1, max_size=3)
SUBJECT = uuid.UUID(int=7)


@st.composite
def currents(draw: st.DrawFn, statuses: list[RecordStatus] | None = None) -> Current:
    return Current(
        uuid.UUID(int=draw(st.integers(1, 2**64))),
        draw(st.integers(1, 40)),
        draw(st.sampled_from(statuses or list(RecordStatus))),
        SUBJECT,
        draw(st.sampled_from(["tax-arrears", "exam-cheating"])),
        frozenset(draw(st.sets(DIGESTS, min_size=1, max_size=5))),
    )


def content(current: Current | None, digest: bytes, record_id: uuid.UUID | None = None) -> Decision:
    return versioning.on_content(
        current,
        record_id=record_id or uuid.uuid4(),
        subject_id=SUBJECT,
        kind_code="tax-arrears",
        digest=digest,
    )


# -- the rules alone -------------------------------------------------------------------------------


@given(DIGESTS)
def test_content_of_a_record_never_received_is_its_first_version(digest: bytes) -> None:
    record_id = uuid.uuid4()
    decision = content(None, digest, record_id)
    assert decision == Decision(
        Step.CREATE,
        Current(record_id, 1, RecordStatus.ACTIVE, SUBJECT, "tax-arrears", frozenset({digest})),
    )


@given(currents(), st.data())
def test_content_already_held_is_a_no_op_whatever_the_status(
    current: Current, data: st.DataObject
) -> None:
    digest = data.draw(st.sampled_from(sorted(current.digests)))
    assert content(current, digest) == Decision(Step.DUPLICATE, current)


@given(currents([RecordStatus.ACTIVE, RecordStatus.REVOKED, RecordStatus.SUPERSEDED]), DIGESTS)
def test_new_content_is_a_new_active_version_one_number_up(current: Current, digest: bytes) -> None:
    assume(digest not in current.digests)
    record_id = uuid.uuid4()
    decision = content(current, digest, record_id)
    assert decision.step is Step.CORRECT
    assert decision.refusal is None
    assert decision.after == Current(
        record_id,
        current.version + 1,
        RecordStatus.ACTIVE,
        SUBJECT,
        "tax-arrears",
        current.digests | {digest},
    )
    # An active version is superseded; a revoked one stays revoked.
    expected = RecordStatus.SUPERSEDED if current.status == RecordStatus.ACTIVE else None
    assert decision.ends == expected


@given(currents([RecordStatus.REPAIRED]), DIGESTS)
def test_a_repaired_record_takes_no_new_content(current: Current, digest: bytes) -> None:
    decision = content(current, digest)
    if digest in current.digests:
        assert decision.step is Step.DUPLICATE
    else:
        assert decision == Decision(Step.REFUSE, current, refusal=Refusal.REPAIRED)
        assert decision.refusal == "record-repaired"


def test_revoking_a_record_never_received_is_refused() -> None:
    decision = versioning.on_revocation(None)
    assert decision == Decision(Step.REFUSE, None, refusal=Refusal.REVOKE_UNKNOWN)
    assert decision.refusal == "revoke-unknown-record"


@given(currents([RecordStatus.ACTIVE, RecordStatus.SUPERSEDED]))
def test_a_revocation_ends_the_current_version_and_adds_none(current: Current) -> None:
    decision = versioning.on_revocation(current)
    assert decision == Decision(
        Step.REVOKE, current._replace(status=RecordStatus.REVOKED), RecordStatus.REVOKED
    )
    # Revoking again changes nothing.
    assert versioning.on_revocation(decision.after) == Decision(Step.DUPLICATE, decision.after)


@given(currents([RecordStatus.REVOKED, RecordStatus.REPAIRED]))
def test_a_withdrawn_record_is_not_revoked_again(current: Current) -> None:
    assert versioning.on_revocation(current) == Decision(Step.DUPLICATE, current)


# -- a history of rows, folded through the rules ------------------------------------------------

REVOKE = b""  # a revocation in a history; any other value is a row's content digest
ROWS = st.lists(st.one_of(st.just(REVOKE), DIGESTS), max_size=12)


@dataclass
class Store:
    """What the rules leave of one record: its versions (digest, status), oldest first, and the
    steps taken."""

    versions: list[tuple[bytes, str]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    current: Current | None = None

    def apply(self, row: bytes) -> Decision:
        if row == REVOKE:
            decision = versioning.on_revocation(self.current)
        else:
            decision = content(self.current, row, uuid.UUID(int=len(self.versions) + 1))
        self.steps.append(decision.step)
        if decision.ends is not None:
            digest, _ = self.versions[-1]
            self.versions[-1] = (digest, decision.ends)
        if decision.step in {Step.CREATE, Step.CORRECT}:
            self.versions.append((row, RecordStatus.ACTIVE))
        self.current = decision.after
        return decision


@given(ROWS)
def test_any_history_keeps_one_numbered_line_of_versions(rows: list[bytes]) -> None:
    store = Store()
    for row in rows:
        store.apply(row)
    statuses = [status for _, status in store.versions]
    assert len(store.versions) == store.steps.count(Step.CREATE) + store.steps.count(Step.CORRECT)
    assert store.steps.count(Step.CREATE) == (1 if store.versions else 0)
    if store.current is None:
        assert not store.versions
        return
    # Versions are numbered 1..n; the current one is the latest, with every digest held.
    assert store.current.version == len(store.versions)
    assert store.current.status == statuses[-1]
    assert store.current.digests == {digest for digest, _ in store.versions}
    # Only the latest may be active; the earlier ones were superseded or revoked.
    assert set(statuses[:-1]) <= {RecordStatus.SUPERSEDED, RecordStatus.REVOKED}
    assert statuses[-1] in {RecordStatus.ACTIVE, RecordStatus.REVOKED}
    # No two versions hold the same content.
    assert len({digest for digest, _ in store.versions}) == len(store.versions)


@given(st.lists(DIGESTS, min_size=1, max_size=10))
def test_a_history_of_content_sent_again_changes_nothing(rows: list[bytes]) -> None:
    store = Store()
    for row in rows:
        store.apply(row)
    before = (list(store.versions), store.current)
    assert [store.apply(row).step for row in rows] == [Step.DUPLICATE] * len(rows)
    assert (store.versions, store.current) == before


# -- the rules agree with what intake writes ------------------------------------------------------

AMOUNTS = ("100", "200", "300")
# A record's history: rows of content (an amount), revocations, and repairs between batches.
OPS = st.lists(
    st.one_of(
        st.sampled_from([("content", a) for a in AMOUNTS]),
        st.just(("revoke", "")),
        st.just(("batch", "")),  # the rows so far go in one file, the rest in the next
        st.just(("repair", "")),  # the repair workflow ends the current version (between files)
    ),
    min_size=1,
    max_size=14,
)
_RUN = itertools.count()


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


def _send(
    world: World,
    rows: list[dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
    chunk: int,
    counts: Counter[str],
) -> None:
    if not rows:
        return
    header = (*HEADER, "操作", "撤销原因")
    tmp = tmp_path_factory.mktemp("versions")
    batch = ingest_bytes(
        world, csv_data(rows, header=header), tmp, options=Options(chunk_rows=chunk)
    )
    assert batch.status == "completed"
    assert batch.balanced
    counts.update(
        {
            Step.CREATE: batch.created,
            Step.CORRECT: batch.corrected,
            Step.REVOKE: batch.revoked,
            Step.DUPLICATE: batch.duplicates,
            Step.REFUSE: batch.rejected,
        }
    )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(OPS, min_size=1, max_size=2), st.integers(1, 4))
def test_intake_writes_what_the_rules_decide(
    world: World,
    tmp_path_factory: pytest.TempPathFactory,
    histories: list[list[tuple[str, str]]],
    chunk: int,
) -> None:
    # One source id per history (fresh for each example: the world is shared by the examples).
    run = next(_RUN)
    source_ids = [f"V-{run}-{n}" for n in range(len(histories))]
    stores = {sid: Store() for sid in source_ids}
    steps = max(len(h) for h in histories)
    pending: list[dict[str, str]] = []
    counts: Counter[str] = Counter()
    for i in range(steps):
        for sid, history in zip(source_ids, histories, strict=True):
            if i >= len(history):
                continue
            op, amount = history[i]
            store = stores[sid]
            if op == "content":
                pending.append(tax_row(world.people[0], sid, amount=amount))
                store.apply(amount.encode())
            elif op == "revoke":
                pending.append({"源记录编号": sid, "操作": "撤销", "撤销原因": "复议撤销"})
                store.apply(REVOKE)
            else:
                _send(world, pending, tmp_path_factory, chunk, counts)
                pending = []
                if op == "repair":
                    _repair(world, sid, store)
    _send(world, pending, tmp_path_factory, chunk, counts)
    # The receipts count what the rules decided, row by row.
    decided = Counter(step for store in stores.values() for step in store.steps)
    assert +counts == +decided

    with world.runtime.scope() as session:
        for sid, store in stores.items():
            rows = session.execute(
                select(CreditRecord.version, CreditRecord.status, CreditRecord.fields)
                .where(CreditRecord.provider_id == world.tax_org_id, CreditRecord.source_id == sid)
                .order_by(CreditRecord.version)
            ).all()
            assert [(v, s, f["amount"].encode()) for v, s, f in rows] == [
                (n, status, digest) for n, (digest, status) in enumerate(store.versions, 1)
            ]
            ids = select(CreditRecord.id).where(
                CreditRecord.provider_id == world.tax_org_id, CreditRecord.source_id == sid
            )
            actions = session.execute(
                select(RecordEvent.action)
                .where(RecordEvent.record_id.in_(ids))
                .order_by(RecordEvent.seq)
            ).scalars()
            assert list(actions) == [
                s.value for s in store.steps if s in {Step.CREATE, Step.CORRECT, Step.REVOKE}
            ]


def _repair(world: World, source_id: str, store: Store) -> None:
    """What the repair workflow does to an active current version (repair.service): it ends
    repaired. The rules then see it so."""
    if store.current is None or store.current.status != RecordStatus.ACTIVE:
        return
    with world.runtime.scope() as session:
        session.execute(
            update(CreditRecord)
            .where(
                CreditRecord.provider_id == world.tax_org_id,
                CreditRecord.source_id == source_id,
                CreditRecord.version == store.current.version,
            )
            .values(status=RecordStatus.REPAIRED.value)
        )
    digest, _ = store.versions[-1]
    store.versions[-1] = (digest, RecordStatus.REPAIRED)
    store.current = store.current._replace(status=RecordStatus.REPAIRED)
