"""A child process for the interruption tests: ingests a file, or runs the job worker, against
the test's database, printing a line per committed chunk so the parent knows where to kill it.

    python -m tests.ingestion.interrupted_child ingest <url> <path> <provider_id> <chunk_rows>
    python -m tests.ingestion.interrupted_child worker <url> <chunk_rows>

The keyring comes on stdin (never on the command line).
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.models import IngestBatch
from chengxin.jobs.worker import Worker
from chengxin.keys.keyring import Keyring
from chengxin.runtime import build_runtime
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from tests.ingestion.fixtures import TODAY


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    ring = Keyring.from_json(sys.stdin.read())
    command, url = argv[0], argv[1]
    chunk_rows = int(argv[-1])
    settings = Settings(
        env="test",
        data_dir=Path(tempfile.gettempdir()),
        database_url=url,
        log_json=True,
        log_level="WARNING",
        jobs_in_process=False,
        jobs_chunk_rows=chunk_rows,
        jobs_chunk_pause_seconds=0,
    )  # type: ignore[arg-type]
    runtime = build_runtime(settings, keyring=ring)
    if command == "ingest":
        path, provider_id = Path(argv[2]), uuid.UUID(argv[3])
        perms = frozenset({Permission.INGESTION_BATCH_SUBMIT, Permission.INGESTION_BATCH_READ})
        actor = Actor(ActorKind.TOKEN, "t", "测试税务局", provider_id, perms)

        def progress(batch: IngestBatch) -> None:
            _say(f"rows_done {batch.rows_done}")
            time.sleep(0.1)  # as a large file would take: the parent kills it on the way

        batch = ingestion_service.ingest_file(
            runtime.scope,
            path,
            "csv",
            provider_id=provider_id,
            actor=actor,
            channel="upload",
            filename=path.name,
            options=ingestion_service.Options(chunk_rows=chunk_rows),
            today=TODAY,
            on_progress=progress,
        )
        _say(f"finished {batch.id} {batch.status}")
    else:
        worker = Worker(runtime, name="interrupted-child")
        while worker.run_once():
            _say("pass")
        _say("finished")
    runtime.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
