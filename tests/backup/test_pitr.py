"""The PostgreSQL procedure of docs/operations.md as a test, on a throw-away primary with a WAL
archive: base backup, pushes, the moment, more pushes, the data directory lost, a new one
replayed to the moment; the audit log verifies, every receipt acknowledged before the moment is
in the store and none sent after it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from chengxin import migrate
from chengxin.audit import service as audit_service
from chengxin.db import utcnow
from chengxin.ingestion.models import IngestBatch
from chengxin.keys.keyring import Keyring
from chengxin.records.models import CreditRecord
from chengxin.runtime import build_runtime
from chengxin.settings import Settings
from tests import pgcluster
from tests.backup import pitr
from tests.backup.test_drill import push
from tests.ingestion.fixtures import build_world


@pytest.fixture
def root() -> Iterator[Path]:
    path = pgcluster.scratch_dir("chengxin-pitr-")
    yield path
    for data in ("primary", "restored"):
        pgcluster.PgServer(path / data, 0).stop("immediate")
    shutil.rmtree(path, ignore_errors=True)


def settings_for(url: str, data_dir: Path) -> Settings:
    return Settings(env="test", data_dir=data_dir, database_url=url, jobs_in_process=False)  # type: ignore[arg-type]


@pytest.mark.postgresql
def test_recovery_to_a_moment_keeps_every_receipt_acknowledged_before_it(
    root: Path, keyring: Keyring, tmp_path: Path
) -> None:
    archive = root / "wal-archive"
    primary = pgcluster.PgServer.primary(root, archive=archive).start()
    primary.psql("CREATE DATABASE chengxin")
    runtime = build_runtime(settings_for(primary.url("chengxin"), tmp_path), keyring=keyring)
    migrate.upgrade(runtime.engine)
    world = build_world(runtime)
    acks = [push(world, i) for i in range(3)]
    pitr.base_backup(primary, root / "base")
    acks += [push(world, i) for i in range(3, 6)]
    with runtime.scope() as session:
        audit_service.sign_tree_head(session)
    moment = utcnow()
    later = [push(world, i) for i in range(6, 9)]
    with runtime.scope() as session:
        audit_service.sign_tree_head(session)  # a head over entries the restore will not have
    pitr.archive_all(primary)
    runtime.engine.dispose()
    primary.kill()
    shutil.rmtree(primary.data)  # the disk is lost

    restored = pitr.recover(root / "base", archive, moment, root / "restored")

    runtime = build_runtime(settings_for(restored.url("chengxin"), tmp_path), keyring=keyring)
    with runtime.scope() as session:
        report = audit_service.verify(session)
        batches = dict(session.execute(select(IngestBatch.id, IngestBatch.status)).all())
        stored = set(session.execute(select(CreditRecord.source_id)).scalars())
    runtime.engine.dispose()
    assert report.ok, report
    assert all(batches.get(a.batch_id) == "completed" for a in acks)
    assert all(set(a.source_ids) <= stored for a in acks)
    assert not any(a.batch_id in batches for a in later)
    assert not any(set(a.source_ids) & stored for a in later)
