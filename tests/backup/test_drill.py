"""The restore drill on the embedded database: back up while providers keep pushing, keep
pushing, lose the database, restore; the audit log verifies and every receipt acknowledged
before the backup began is in the store, none sent after it ended."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from chengxin.backup import service as backup_service
from chengxin.cli import main
from chengxin.db import utcnow
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.models import IngestBatch
from chengxin.records.models import CreditRecord
from chengxin.runtime import Runtime
from chengxin.settings import Settings
from tests.ingestion.fixtures import TODAY, World, build_world, tax_row
from tests.ingestion.test_routes import as_object

RECORDS_PER_PUSH = 3


@dataclass(frozen=True)
class Ack:
    """A push and its receipt: when it was sent, when its receipt came back."""

    batch_id: uuid.UUID
    source_ids: tuple[str, ...]
    sent_at: datetime
    acked_at: datetime


def push(world: World, i: int) -> Ack:
    """Push ``i`` of a department's system: a few new records, through the exchange's service."""
    records = [
        as_object(tax_row(world.people[(i + j) % len(world.people)], f"DRILL-{i}-{j}"))
        for j in range(RECORDS_PER_PUSH)
    ]
    body = json.dumps({"records": records}, ensure_ascii=False).encode()
    sent = utcnow()
    batch = ingestion_service.ingest_records(
        world.runtime.scope,
        records,
        provider_id=world.tax_org_id,
        actor=world.tax,
        digest=hashlib.sha256(body).hexdigest(),
        size=len(body),
        options=ingestion_service.Options.from_settings(world.runtime.settings),
        today=TODAY,
    )
    assert batch.created == RECORDS_PER_PUSH, batch
    return Ack(batch.id, tuple(r["source_id"] for r in records), sent, utcnow())


class Provider(threading.Thread):
    """A department's system pushing small batches back to back until stopped."""

    def __init__(self, world: World) -> None:
        super().__init__(daemon=True)
        self.world = world
        self.acks: list[Ack] = []
        self.stop = threading.Event()
        self.pushed = threading.Condition()
        self.failure: BaseException | None = None

    def run(self) -> None:
        i = 0
        try:
            while not self.stop.is_set():
                ack = push(self.world, i)
                with self.pushed:
                    self.acks.append(ack)
                    self.pushed.notify_all()
                i += 1
        except BaseException as exc:  # noqa: BLE001  # reported by the test
            self.failure = exc
            with self.pushed:
                self.pushed.notify_all()

    def wait_for(self, count: int) -> None:
        with self.pushed:
            self.pushed.wait_for(lambda: len(self.acks) >= count or self.failure is not None)
        assert self.failure is None, self.failure


@pytest.mark.sqlite
def test_restore_drill_keeps_every_receipt_acknowledged_before_the_backup(
    runtime: Runtime, settings: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    world = build_world(runtime)
    provider = Provider(world)
    provider.start()
    try:
        provider.wait_for(5)
        backup_file, manifest = backup_service.back_up(
            settings.resolved_database_url, tmp_path / "drill.db"
        )
        after = len(provider.acks)
        provider.wait_for(after + 5)  # keep writing after the backup
    finally:
        provider.stop.set()
        provider.join()
    assert provider.failure is None, provider.failure

    runtime.engine.dispose()  # the server stops …
    database = backup_service.sqlite_path(settings.resolved_database_url)
    for lost in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        lost.unlink(missing_ok=True)  # … and the disk is lost

    result = CliRunner().invoke(main, ["restore", str(backup_file)], env=cli_env)

    assert result.exit_code == 0, result.output
    audit = json.loads(result.stdout.splitlines()[-1])["audit"]
    assert audit["ok"] is True
    assert audit["entries"] == manifest.audit.seq
    before = [a for a in provider.acks if a.acked_at < manifest.started_at]
    later = [a for a in provider.acks if a.sent_at > manifest.finished_at]
    assert len(before) >= 5
    assert len(later) >= 5
    with runtime.scope() as session:
        batches = {b.id: b.status for b in session.execute(select(IngestBatch)).scalars()}
        stored = set(session.execute(select(CreditRecord.source_id)).scalars())
        records = session.execute(select(func.count()).select_from(CreditRecord)).scalar_one()
    assert all(batches.get(a.batch_id) == "completed" for a in before)
    assert all(set(a.source_ids) <= stored for a in before)
    assert not any(a.batch_id in batches for a in later)
    assert not any(set(a.source_ids) & stored for a in later)
    # Nothing half-done: every stored batch is whole (a push commits its batch as one piece).
    assert records == RECORDS_PER_PUSH * sum(1 for s in batches.values() if s == "completed")
