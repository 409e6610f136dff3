"""Interrupted ingests are resumed, not shadowed (issue 23, ADR 0026): a resend of a batch whose
process died continues that batch at once; a batch nobody resends is closed by the sweep; and
every stored record gets its notice at creation and its list proposal exactly once, whatever was
killed when."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.demo import generator
from chengxin.identity import service as identity_service
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.models import IngestBatch
from chengxin.jobs import service as jobs_service
from chengxin.jobs.models import Job
from chengxin.jobs.worker import Worker
from chengxin.keys.keyring import Keyring
from chengxin.lists.models import ListEntry
from chengxin.notifications.models import NotificationOutbox
from chengxin.records.models import CreditRecord
from chengxin.repair import notices as repair_notices
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from tests.ingestion.fixtures import (
    World,
    catalog_document,
    csv_data,
    ingest_bytes,
    provider,
    tax_row,
)

ROOT = Path(__file__).resolve().parents[2]
SERIOUS = "tax-serious-dishonesty"  # proposes the black-tax-serious list (lists/data)
NOTICE = "dishonest-record-notice"


class Crash(Exception):
    pass


def crash_at(rows: int) -> Any:
    def progress(batch: IngestBatch) -> None:
        if batch.rows_done >= rows:
            raise Crash

    return progress


def batches(runtime: Runtime) -> list[IngestBatch]:
    with runtime.scope() as session:
        return list(
            session.execute(select(IngestBatch).order_by(IngestBatch.received_at)).scalars()
        )


def run_jobs(runtime: Runtime, *, now: Any = None) -> None:
    worker = Worker(runtime, name="test-worker")
    while worker.run_once(now):
        pass


def dead_owner() -> str:
    """The owner token of a process that has exited (and been reaped)."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return f"{os.uname().nodename[:60]}:{int(child.stdout)}:1"


def test_a_resend_right_after_a_crash_resumes_the_batch(world: World, tmp_path: Path) -> None:
    rows = [tax_row(p, f"T-{i}") for i, p in enumerate(world.people[:20])]
    data = csv_data(rows)
    with pytest.raises(Crash):
        ingest_bytes(world, data, tmp_path, on_progress=crash_at(14))
    # Resent at once, well inside ingest_stale_seconds (60 s): the batch's process (this one)
    # no longer works on it, so it is continued, not shadowed by a batch of "duplicates".
    batch = ingest_bytes(world, data, tmp_path)
    (only,) = batches(world.runtime)
    assert batch.id == only.id
    assert (batch.status, batch.submitted, batch.created, batch.duplicates) == (
        "completed",
        20,
        20,
        0,
    )


def test_a_batch_whose_process_died_is_resumed_at_once(world: World, tmp_path: Path) -> None:
    data = csv_data([tax_row(p, f"D-{i}") for i, p in enumerate(world.people[:10])])
    with pytest.raises(Crash):
        ingest_bytes(world, data, tmp_path, on_progress=crash_at(7))
    (interrupted,) = batches(world.runtime)
    with world.runtime.scope() as session:
        session.execute(
            update(IngestBatch).where(IngestBatch.id == interrupted.id).values(owner=dead_owner())
        )
    batch = ingest_bytes(world, data, tmp_path)
    assert (batch.id, batch.created, batch.duplicates) == (interrupted.id, 10, 0)


def test_a_batch_of_a_live_process_is_left_to_it(world: World, tmp_path: Path) -> None:
    data = csv_data([tax_row(p, f"L-{i}") for i, p in enumerate(world.people[:10])])
    with pytest.raises(Crash):
        ingest_bytes(world, data, tmp_path, on_progress=crash_at(7))
    (running,) = batches(world.runtime)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ticks = Path(f"/proc/{alive.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
        with world.runtime.scope() as session:
            session.execute(
                update(IngestBatch)
                .where(IngestBatch.id == running.id)
                .values(owner=f"{os.uname().nodename[:60]}:{alive.pid}:{ticks}")
            )
        # Its process lives and it is fresh: a second upload of the same file is its own batch.
        second = ingest_bytes(world, data, tmp_path)
        assert second.id != running.id
        # Nor does the sweep close it while its process lives, however long untouched.
        with world.runtime.scope() as session:
            closed = ingestion_service.close_interrupted(
                session,
                stale_after=timedelta(0),
                actor=system_actor("test"),
                now=utcnow() + timedelta(hours=1),
            )
        assert closed == []
    finally:
        alive.kill()
        alive.wait()


def _rights_world(runtime: Runtime, n_people: int) -> tuple[World, list[Any]]:
    """A catalog with a kind that proposes a list, people with phones, and the tax provider."""
    base = catalog_document()
    serious = {**base["kinds"][0], "code": SERIOUS, "name_zh": "重大税收违法"}
    persons = list(generator.people(n_people, seed=23))
    with runtime.scope() as session:
        catalog_service.load(
            session,
            catalog_document("2026.2", kinds=[*base["kinds"], serious]),
            actor=system_actor("test"),
            activate=True,
        )
        identity_service.bulk_register(
            session,
            [identity_service.prepare_person(p.id_number, p.name, "13900001234") for p in persons],
            actor=system_actor("test"),
            source="test",
        )
    tax = provider(runtime, "测试税务局", "tax")
    assert tax.organization_id is not None
    world = World(runtime, persons, tax, tax, tax.organization_id)
    return world, persons


def _assert_each_record_told_and_proposed_once(runtime: Runtime, n: int) -> None:
    with runtime.scope() as session:
        assert (
            session.execute(select(IngestBatch.id).where(IngestBatch.status == "processing")).all()
            == []
        )
        records = list(session.execute(select(CreditRecord.subject_id)).scalars())
        assert len(records) == len(set(records)) == n  # one record per person, none lost
        notices = Counter(
            session.execute(
                select(NotificationOutbox.subject_id).where(NotificationOutbox.template == NOTICE)
            ).scalars()
        )
        entries = Counter(
            session.execute(
                select(ListEntry.subject_id).where(ListEntry.automatic.is_(True))
            ).scalars()
        )
        unfinished = session.execute(
            select(func.count()).select_from(Job).where(Job.status != "done")
        ).scalar_one()
    assert notices == dict.fromkeys(records, 1)
    assert entries == dict.fromkeys(records, 1)
    assert unfinished == 0


def test_the_sweep_closes_an_interrupted_batch_and_its_rows_are_told_once(
    runtime: Runtime, tmp_path: Path
) -> None:
    world, persons = _rights_world(runtime, 12)
    data = csv_data([tax_row(p, f"S-{i}", 信息事项代码=SERIOUS) for i, p in enumerate(persons)])
    with pytest.raises(Crash):
        ingest_bytes(world, data, tmp_path, on_progress=crash_at(7))
    (interrupted,) = batches(runtime)
    # Nobody resends: a minute later the sweep closes it and queues its rows' jobs.
    later = utcnow() + timedelta(seconds=runtime.settings.ingest_stale_seconds + 1)
    with runtime.scope() as session:
        session.execute(
            update(IngestBatch).where(IngestBatch.id == interrupted.id).values(owner=dead_owner())
        )
    run_jobs(runtime, now=later)
    (closed,) = batches(runtime)
    assert (closed.status, closed.failure_code, closed.created) == (
        "failed",
        "batch-interrupted",
        7,
    )
    # The provider resends later: the rest is a new batch, the stored rows its duplicates.
    again = ingest_bytes(world, data, tmp_path)
    assert (again.created, again.duplicates) == (5, 7)
    run_jobs(runtime, now=utcnow() + timedelta(minutes=5))
    _assert_each_record_told_and_proposed_once(runtime, 12)


def test_a_notice_job_run_twice_tells_nobody_twice(runtime: Runtime, tmp_path: Path) -> None:
    world, persons = _rights_world(runtime, 6)
    data = csv_data([tax_row(p, f"R-{i}", 信息事项代码=SERIOUS) for i, p in enumerate(persons)])
    batch = ingest_bytes(world, data, tmp_path)
    run_jobs(runtime)
    # The job again, as after its row was pruned and the batch's finish replayed.
    with runtime.scope() as session:
        for kind in (repair_notices.JOB_KIND, "lists.propose-from-batch"):
            jobs_service.enqueue(session, kind, {"batch_id": str(batch.id)})
    run_jobs(runtime)
    _assert_each_record_told_and_proposed_once(runtime, 6)


def _child(runtime: Runtime, keyring: Keyring, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "tests.ingestion.interrupted_child",
            args[0],
            runtime.settings.database_url,
            *args[1:],
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write(keyring.to_json())
    process.stdin.close()
    return process


def _kill_after(process: subprocess.Popen[str], lines: int, extra: float) -> list[str]:
    """SIGKILL the child after it printed ``lines`` lines and ``extra`` seconds more (or when it
    finished first); returns what it printed."""
    assert process.stdout is not None
    seen: list[str] = []
    while len(seen) < lines:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line.strip())
        if line.startswith("finished"):
            break
    else:
        time.sleep(extra)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    process.stdout.close()
    return seen


@pytest.mark.parametrize("seed", [1, 2])
def test_killed_at_random_points_every_record_is_told_and_proposed_once(
    runtime: Runtime, keyring: Keyring, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    n, chunk = 120, 10
    world, persons = _rights_world(runtime, n)
    path = tmp_path / "records.csv"
    path.write_bytes(
        csv_data([tax_row(p, f"K-{i}", 信息事项代码=SERIOUS) for i, p in enumerate(persons)])
    )
    provider_id = str(world.tax_org_id)
    # Killed twice while ingesting (between chunks or inside one), resent at once each time.
    for _ in range(2):
        child = _child(runtime, keyring, "ingest", str(path), provider_id, str(chunk))
        # Each chunk commits, prints, then the child waits 0.1 s: the kill lands in a wait or
        # inside a commit's transaction.
        _kill_after(child, rng.randint(1, 3), rng.uniform(0, 0.2))
    (batch,) = batches(runtime)
    assert (batch.status, batch.rows_done < n) == ("processing", True)  # killed mid-way
    # Killed while sending the notices and proposals (a chunk of 3 records at a time).
    final = ingest_bytes(
        world,
        path.read_bytes(),
        tmp_path,
        name="resent",
        options=ingestion_service.Options(chunk_rows=chunk),
    )
    assert (final.id, final.status, final.created, final.duplicates) == (
        batch.id,
        "completed",
        n,
        0,
    )
    worker = _child(runtime, keyring, "worker", "3")
    time.sleep(rng.uniform(2.5, 4.0))  # the child starts (about 2 s), then works
    _kill_after(worker, 0, 0)
    # A worker later: the killed job's lease has run out; it continues from its progress.
    run_jobs(runtime, now=utcnow() + timedelta(seconds=runtime.settings.jobs_lease_seconds + 1))
    _assert_each_record_told_and_proposed_once(runtime, n)


def test_ingest_progress_names_its_process(world: World, tmp_path: Path) -> None:
    batch = ingest_bytes(world, csv_data([tax_row(world.people[0], "O-1")]), tmp_path)
    assert batch.owner == ingestion_service.owner_token()
    assert ingestion_service.owner_alive(batch.owner) is True
    assert ingestion_service.owner_alive(dead_owner()) is False
    assert ingestion_service.owner_alive(f"elsewhere:{os.getpid()}:1") is None


def test_a_checked_chunk_commits_in_parts_and_resumes_from_a_part(
    world: World, tmp_path: Path
) -> None:
    rows = [tax_row(p, f"P-{i}") for i, p in enumerate(world.people[:20])]
    rows[4]["姓名"] = "错名字"  # one rejected row inside the first part
    data = csv_data(rows)
    done: list[int] = []

    def record(batch: IngestBatch) -> None:
        done.append(batch.rows_done)
        if batch.rows_done >= 8:
            raise Crash

    options = ingestion_service.Options(chunk_rows=10, commit_rows=3)
    with pytest.raises(Crash):
        ingest_bytes(world, data, tmp_path, options=options, on_progress=record)
    # Rows 2-11 were checked together; parts of three rows were committed one by one.
    assert done == [4, 7, 10]
    batch = ingest_bytes(world, data, tmp_path, options=options)
    assert (batch.status, batch.submitted, batch.created, batch.rejected, batch.duplicates) == (
        "completed",
        20,
        19,
        1,
        0,
    )
    assert batch.balanced
