"""Restore drill (issue 18 part 5): back up, keep writing, lose the database, restore to a
moment; then ``chengxin audit verify`` passes and every receipt acknowledged before the moment is
in the store, and none sent after it.

``--db postgresql`` (the documented procedure, docs/operations.md "Backups and restore"):
1. A throw-away primary with a WAL archive (tests/pgcluster.py, ``archive_command``), a
   ``chengxin`` database migrated and loaded with the demo (``--people`` persons: registry,
   organizations, records, lists, content, assessments, tasks).
2. ``chengxin serve`` on it; a department's system pushes small batches over HTTP back to back,
   each receipt noted with the moments it was sent and acknowledged.
3. While it pushes: ``pg_basebackup`` (the base backup). It keeps pushing ``--seconds`` more;
   the moment is taken; it keeps pushing ``--seconds`` more; the last WAL segment is archived.
4. The keyring is exported (``chengxin keys export``), then the server, the database server
   and the whole data directory and key file are destroyed (``kill -9``, ``rm -rf``).
5. The keyring is imported (``chengxin keys import``); the base backup is copied into a new data
   directory with ``recovery.signal``, ``restore_command`` (from the archive) and
   ``recovery_target_time`` = the moment; the server replays the archive to the moment and
   promotes itself.
6. ``chengxin audit verify`` on the restored database; every receipt acknowledged before the
   moment is there (its batch completed, its records stored), none sent after it.

The PostgreSQL steps are tests/backup/pitr.py's (also run by tests/backup/test_pitr.py).

``--db sqlite``: the same with ``chengxin backup`` taken while the pushes go on (the moment is
the backup's start) and ``chengxin restore``.

The last line printed is one JSON object.

    python bench/restore_drill.py --db postgresql
    python bench/restore_drill.py --db sqlite
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from common import wait_for_server
from sqlalchemy import select

from chengxin import migrate
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.demo import generator, loader
from chengxin.demo import records as demo_records
from chengxin.ingestion.models import IngestBatch
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization
from chengxin.records.models import CreditRecord
from chengxin.runtime import build_runtime
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from chengxin.workdays.days import day_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root: tests.*
from tests import pgcluster
from tests.backup import pitr

CHENGXIN = str(Path(sys.executable).parent / "chengxin")
DB_NAME = "chengxin"
# The drill's own keyring export, over synthetic data only.
PASSPHRASE = "restore drill passphrase"  # noqa: S105
SYSTEM = system_actor("restore-drill")


@dataclass(frozen=True)
class Ack:
    """One push: when it was sent, and when its receipt came back (None: no receipt)."""

    batch_id: uuid.UUID | None
    source_ids: tuple[str, ...]
    sent_at: datetime
    acked_at: datetime | None


@dataclass(eq=False)  # a thread is hashed by identity
class Pusher(threading.Thread):
    """A department's system: pushes of ``size`` records back to back over HTTP until stopped."""

    base: str
    token: str
    templates: list[dict[str, Any]]
    size: int
    acks: list[Ack] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        i = 0
        with httpx.Client(base_url=self.base, timeout=60, headers=headers) as client:
            while not self.stop.is_set():
                records = []
                for j in range(self.size):
                    template = self.templates[(i * self.size + j) % len(self.templates)]
                    records.append({**template, "source_id": f"DRILL-{i:05d}-{j}"})
                sent = utcnow()
                try:
                    response = client.post("/api/v1/ingestion/batches", json={"records": records})
                except httpx.HTTPError as exc:
                    self.errors[type(exc).__name__] = self.errors.get(type(exc).__name__, 0) + 1
                    response = None
                ids = tuple(r["source_id"] for r in records)
                if response is not None and response.status_code == 201:
                    batch = uuid.UUID(response.json()["id"])
                    self.acks.append(Ack(batch, ids, sent, utcnow()))
                else:
                    code = str(response.status_code) if response is not None else "none"
                    self.errors[code] = self.errors.get(code, 0) + 1
                    self.acks.append(Ack(None, ids, sent, None))
                i += 1

    def count(self) -> int:
        return sum(1 for a in self.acks if a.acked_at is not None)

    def wait_for(self, count: int) -> None:
        while self.count() < count:
            if not self.is_alive():
                raise SystemExit("the pushes stopped")
            time.sleep(0.05)


def _chengxin(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run a ``chengxin`` command; its last stdout line as JSON (exit code under ``exit``)."""
    done = subprocess.run([CHENGXIN, *args], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    lines = done.stdout.strip().splitlines()
    try:
        shown = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        shown = {"stdout": lines[-1]}
    if done.returncode != 0:
        shown["stderr"] = done.stderr.strip()[-2000:]
    return {"exit": done.returncode, **shown}


# -- the data ----------------------------------------------------------------------------------


def load(settings: Settings, people: int) -> tuple[str, list[dict[str, Any]]]:
    """Migrate, load the demo, and give the provider with the most demo records a push token;
    returns the token and that provider's records (templates for the pushes)."""
    runtime = build_runtime(settings)
    migrate.upgrade(runtime.engine)
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=SYSTEM)
    loader.load(runtime, people=people)
    with runtime.scope() as session:
        _, catalog = catalog_service.active_document(session)
    orgs = generator.organizations(20)
    by_provider = demo_records.records(
        list(generator.people(people)), catalog, orgs, today=day_of(utcnow())
    )
    code, templates = max(by_provider.items(), key=lambda item: len(item[1]))
    with runtime.scope() as session:
        org_id = session.execute(
            select(Organization.id).where(Organization.credit_code == code)
        ).scalar_one()
        token = organization_service.issue_token(
            session,
            org_id,
            name="restore drill",
            valid_days=1,
            actor=SYSTEM,
            permissions=[Permission.INGESTION_BATCH_SUBMIT, Permission.INGESTION_BATCH_READ],
        ).secret
    runtime.engine.dispose()
    return token, templates


def stored(settings: Settings) -> tuple[dict[uuid.UUID, str], set[str]]:
    """Batches (id → status) and the drill's record source ids in the (restored) store."""
    runtime = build_runtime(settings)
    with runtime.scope() as session:
        batches = {b.id: b.status for b in session.execute(select(IngestBatch)).scalars()}
        ids = set(
            session.execute(
                select(CreditRecord.source_id).where(CreditRecord.source_id.like("DRILL-%"))
            ).scalars()
        )
    runtime.engine.dispose()
    return batches, ids


def reconcile(
    acks: list[Ack], moment: datetime, settings: Settings, *, until: datetime | None = None
) -> dict[str, Any]:
    """Receipts acknowledged before the moment: all stored; pushes sent after it (or after
    ``until``, the end of a backup that took a while): none."""
    batches, ids = stored(settings)
    before = [a for a in acks if a.acked_at is not None and a.acked_at < moment]
    after = [a for a in acks if a.sent_at > (until or moment)]
    complete = {batch for batch, status in batches.items() if status == "completed"}
    return {
        "acked_before_moment": len(before),
        "acked_before_in_store": sum(
            1 for a in before if a.batch_id in complete and set(a.source_ids) <= ids
        ),
        "sent_after_moment": len(after),
        "sent_after_in_store": sum(
            1 for a in after if a.batch_id in batches or set(a.source_ids) & ids
        ),
        "straddling_moment": len(acks) - len(before) - len(after),
    }


# -- the drills --------------------------------------------------------------------------------


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = pgcluster.free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603  # our own program, fixed arguments
            [CHENGXIN, "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, wait_for_server(process, port, log)


def stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(timeout=30)


def push_around(pusher: Pusher, take_backup: Any, seconds: float) -> tuple[Any, datetime, float]:
    """Pushes before, during and after ``take_backup()``; the moment is taken ``seconds`` after
    the backup, and the pushes go on ``seconds`` more. Returns the backup's result, the moment
    and the backup's duration."""
    pusher.start()
    pusher.wait_for(10)
    started = time.perf_counter()
    result = take_backup()
    backup_seconds = time.perf_counter() - started
    time.sleep(seconds)
    moment = utcnow()
    time.sleep(seconds)
    pusher.stop.set()
    pusher.join()
    return result, moment, backup_seconds


def drill_postgresql(
    args: argparse.Namespace, workdir: Path, env: dict[str, str]
) -> dict[str, Any]:
    root = pgcluster.scratch_dir("chengxin-drill-")
    archive = root / "wal-archive"
    primary = pgcluster.PgServer.primary(root, archive=archive).start()
    restored: pgcluster.PgServer | None = None
    try:
        primary.psql(f"CREATE DATABASE {DB_NAME}")
        env["CHENGXIN_DATABASE_URL"] = primary.url(DB_NAME)
        settings = Settings(**_settings_of(env))
        token, templates = load(settings, args.people)
        server, base = serve(env, workdir / "server.log")
        pusher = Pusher(base, token, templates, args.push_size)
        base_dir = root / "base"

        _, moment, backup_seconds = push_around(
            pusher, lambda: pitr.base_backup(primary, base_dir), args.seconds
        )
        stop(server)
        # Every segment written so far reaches the archive (archive_command), then the loss.
        pitr.archive_all(primary)
        keys = _export_keys(env, workdir)
        primary.kill()
        shutil.rmtree(primary.data)
        (workdir / "keys.json").unlink()

        imported = _chengxin(
            env | {"CHENGXIN_KEYS_PASSPHRASE": PASSPHRASE}, "keys", "import", str(keys)
        )
        started = time.perf_counter()
        restored = pitr.recover(base_dir, archive, moment, root / "restored")
        restore_seconds = time.perf_counter() - started
        env["CHENGXIN_DATABASE_URL"] = restored.url(DB_NAME)
        audit = _chengxin(env, "audit", "verify")
        checks = reconcile(pusher.acks, moment, Settings(**_settings_of(env)))
        return {
            "base_backup_seconds": round(backup_seconds, 2),
            "base_backup_mb": round(_size(base_dir) / 2**20, 1),
            "wal_segments_archived": sum(1 for p in archive.iterdir() if len(p.name) == 24),
            "restore_seconds": round(restore_seconds, 2),
            "recovery_target_time": moment.isoformat(),
            "keys_imported": imported["exit"] == 0,
            "audit_ok": audit.get("ok") is True,
            "audit_entries": audit.get("entries"),
            "pushes": len(pusher.acks),
            "push_errors": pusher.errors,
            **checks,
        }
    finally:
        for server_ in (primary, restored):
            if server_ is not None:
                server_.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def drill_sqlite(args: argparse.Namespace, workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    database = workdir / "chengxin.db"
    env["CHENGXIN_DATABASE_URL"] = f"sqlite:///{database}"
    settings = Settings(**_settings_of(env))
    token, templates = load(settings, args.people)
    server, base = serve(env, workdir / "server.log")
    pusher = Pusher(base, token, templates, args.push_size)
    backups = workdir / "backups"
    backups.mkdir()
    backup, _, backup_seconds = push_around(
        pusher, lambda: _chengxin(env, "backup", str(backups)), args.seconds
    )
    stop(server)
    if backup["exit"] != 0:
        raise SystemExit(f"chengxin backup failed: {backup}")
    keys = _export_keys(env, workdir)
    for lost in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        lost.unlink(missing_ok=True)
    (workdir / "keys.json").unlink()

    imported = _chengxin(
        env | {"CHENGXIN_KEYS_PASSPHRASE": PASSPHRASE}, "keys", "import", str(keys)
    )
    started = time.perf_counter()
    restored = _chengxin(env, "restore", backup["backup"])
    restore_seconds = time.perf_counter() - started
    audit = restored.get("audit") or {}
    moment = datetime.fromisoformat(backup["started_at"])
    until = datetime.fromisoformat(backup["finished_at"])
    return {
        "backup_seconds": round(backup_seconds, 2),
        "backup_mb": round(backup["size_bytes"] / 2**20, 1),
        "restore_seconds": round(restore_seconds, 2),
        "moment": moment.isoformat(),
        "keys_imported": imported["exit"] == 0,
        "restore_exit": restored["exit"],
        "audit_ok": audit.get("ok") is True,
        "audit_entries": audit.get("entries"),
        "pushes": len(pusher.acks),
        "push_errors": pusher.errors,
        **reconcile(pusher.acks, moment, settings, until=until),
    }


def _settings_of(env: dict[str, str]) -> dict[str, Any]:
    return {
        "env": env["CHENGXIN_ENV"],
        "data_dir": Path(env["CHENGXIN_DATA_DIR"]),
        "database_url": env["CHENGXIN_DATABASE_URL"],
        "jobs_in_process": False,
    }


def _export_keys(env: dict[str, str], workdir: Path) -> Path:
    """The keyring, sealed under a passphrase, kept apart (here: outside the data directory)."""
    out = workdir.parent / f"{workdir.name}-keyring.export"
    done = _chengxin(
        env | {"CHENGXIN_KEYS_PASSPHRASE": PASSPHRASE}, "keys", "export", "--out", str(out)
    )
    if done["exit"] != 0:
        raise SystemExit(f"chengxin keys export failed: {done}")
    return out


def _size(path: Path) -> int:
    if os.geteuid() == 0 or os.access(path, os.R_OK):
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--people", type=int, default=500, help="demo persons loaded first")
    parser.add_argument("--push-size", type=int, default=5, help="records per push")
    parser.add_argument(
        "--seconds",
        type=float,
        default=3.0,
        help="pushing after the backup before the moment, and after the moment",
    )
    args = parser.parse_args()
    if args.db == "postgresql" and not pgcluster.available():
        raise SystemExit("initdb and pg_ctl are needed (pg_config --bindir)")
    with tempfile.TemporaryDirectory(prefix="chengxin-drill-") as tmp:
        workdir = Path(tmp) / "var"
        workdir.mkdir()
        env = {
            **os.environ,
            "CHENGXIN_ENV": "development",
            "CHENGXIN_DATA_DIR": str(workdir),
            "CHENGXIN_LOG_LEVEL": "WARNING",
            "CHENGXIN_JOBS_IN_PROCESS": "false",
        }
        env.pop("CHENGXIN_KEYS", None)
        started = time.perf_counter()
        drill = drill_postgresql if args.db == "postgresql" else drill_sqlite
        figures = drill(args, workdir, env)
    ok = (
        figures["audit_ok"]
        and figures["keys_imported"]
        and figures["acked_before_moment"] > 0
        and figures["acked_before_in_store"] == figures["acked_before_moment"]
        and figures["sent_after_moment"] > 0
        and figures["sent_after_in_store"] == 0
    )
    print(
        json.dumps(
            {
                "bench": "restore_drill",
                "db": args.db,
                "people": args.people,
                "seconds_total": round(time.perf_counter() - started, 1),
                **figures,
                "ok": ok,
            }
        )
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
