"""Backing up and restoring the embedded database with SQLite's online backup API.

A backup is one file (a consistent copy, taken while servers keep writing) and a manifest beside
it (``<file>.manifest.json``): when the copy was taken, the schema revision, the audit log's head
and last signed root, the file's SHA-256. The keyring is never in a backup (ADR 0036): keys
beside the data they protect would make a stolen backup readable.

PostgreSQL is backed up by its own tools (base backup and WAL archive): docs/operations.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url

from chengxin import migrate
from chengxin.backup.errors import (
    BackupDigestMismatch,
    BackupExists,
    BackupKeysMismatch,
    BackupMissing,
    BackupNotEmbedded,
    BackupSchemaUnknown,
    DatabaseInUse,
)
from chengxin.db import normalize_url, utcnow

FORMAT = "chengxin-backup/1"
MANIFEST_SUFFIX = ".manifest.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class AuditMark:
    """Where the audit log stood in the copy: its last entry and its last signed tree head."""

    seq: int
    tree_size: int
    signed_tree_size: int
    signed_root_hash: str | None
    key_id: str | None


@dataclass(frozen=True)
class Manifest:
    """What a backup file holds, written beside it; ``sha256`` is checked before a restore."""

    file: str
    started_at: datetime
    finished_at: datetime
    schema_revision: str | None
    audit: AuditMark
    sha256: str
    size_bytes: int
    keys_included: bool = False
    format: str = FORMAT

    def to_json(self) -> str:
        """The manifest as written beside the backup file."""
        body = asdict(self)
        body["started_at"] = self.started_at.isoformat()
        body["finished_at"] = self.finished_at.isoformat()
        return json.dumps(body, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; a malformed one is a missing one."""
        try:
            body: dict[str, Any] = json.loads(text)
            if body.get("format") != FORMAT:
                raise BackupMissing(f"not a {FORMAT} manifest")
            return cls(
                file=str(body["file"]),
                started_at=datetime.fromisoformat(body["started_at"]),
                finished_at=datetime.fromisoformat(body["finished_at"]),
                schema_revision=body["schema_revision"],
                audit=AuditMark(**body["audit"]),
                sha256=str(body["sha256"]),
                size_bytes=int(body["size_bytes"]),
                keys_included=bool(body["keys_included"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupMissing(f"the manifest is malformed ({type(exc).__name__})") from exc


def manifest_path(backup: Path) -> Path:
    """Where a backup file's manifest is: beside it."""
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def sqlite_path(database_url: str) -> Path:
    """The embedded database's file; PostgreSQL (or an in-memory database) is refused."""
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() != "sqlite":
        raise BackupNotEmbedded(
            f"the database is {url.get_backend_name()}: back it up with pg_basebackup and a WAL "
            "archive (docs/operations.md, 'Backups and restore')"
        )
    if url.database in (None, "", ":memory:"):
        raise BackupNotEmbedded("an in-memory database has no file to back up")
    return Path(url.database)


def file_digest(path: Path) -> str:
    """SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(backup: Path) -> Manifest:
    """The manifest beside a backup file (``backup-missing`` when it or the file is absent)."""
    if not backup.is_file():
        raise BackupMissing(f"no backup file at {backup}")
    try:
        text = manifest_path(backup).read_text(encoding="utf-8")
    except OSError as exc:
        raise BackupMissing(f"no manifest at {manifest_path(backup)}") from exc
    return Manifest.from_json(text)


def back_up(
    database_url: str,
    dest: Path,
    *,
    lock_wait_seconds: float = 30.0,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[Path, Manifest]:
    """Copy the embedded database to ``dest`` (a new file, or a directory to put
    ``chengxin-<UTC time>.db`` in) while servers keep writing, and write its manifest.

    One backup step copies every page under one read snapshot: in WAL mode writers are not
    blocked, and the copy holds exactly the transactions committed before it began."""
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupMissing(f"no database at {source}")
    started = clock()
    target = dest / f"chengxin-{started:%Y%m%dT%H%M%SZ}.db" if dest.is_dir() else dest
    if target.exists() or manifest_path(target).exists():
        raise BackupExists(f"{target} exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # sealed fields, but clear dates, codes and counts: owner only
    try:
        revision, audit = _copy_live(source, partial, lock_wait_seconds)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finished = clock()
    _fsync(partial)
    digest, size = file_digest(partial), partial.stat().st_size
    partial.replace(target)
    manifest = Manifest(target.name, started, finished, revision, audit, digest, size)
    _write_atomically(manifest_path(target), manifest.to_json())
    _fsync_dir(target.parent)
    return target, manifest


def restore(
    backup: Path,
    database_url: str,
    *,
    signing_key_id: str | None,
    force: bool = False,
    lock_wait_seconds: float = 30.0,
) -> Manifest:
    """Put a backup in place of the embedded database, after checking its digest, its schema
    revision and that ``signing_key_id`` (the keyring in place) signed its audit log.

    Refused while a process has the database open (``database-in-use``) unless ``force``: then
    the pages are written under SQLite's locks and the processes read the restored data (their
    caches do not: restart them)."""
    target = sqlite_path(database_url)
    manifest = read_manifest(backup)
    if file_digest(backup) != manifest.sha256:
        raise BackupDigestMismatch(f"{backup} does not have the SHA-256 its manifest states")
    if manifest.schema_revision is not None and not _known_revision(manifest.schema_revision):
        raise BackupSchemaUnknown(
            f"revision {manifest.schema_revision} is newer than this Chengxin: restore with the "
            "version that made the backup"
        )
    if manifest.audit.key_id is not None and manifest.audit.key_id != signing_key_id:
        raise BackupKeysMismatch(
            "restore the keyring the backup's data was written under first "
            "(`chengxin keys import`), then the backup"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(
            sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        ) as src,
        closing(
            sqlite3.connect(target, timeout=lock_wait_seconds if force else 0, isolation_level=None)
        ) as dst,
    ):
        if not force:
            # Held until closed: no server can open the database while its pages are replaced.
            dst.execute("PRAGMA locking_mode=EXCLUSIVE")
            try:
                dst.execute("BEGIN EXCLUSIVE")
                dst.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise DatabaseInUse(
                    f"a process has {target} open: stop the servers and workers first (or --force)"
                ) from exc
        _copy(src, dst)
        dst.execute("PRAGMA journal_mode=WAL")
    return manifest


def _copy_live(
    source: Path, partial: Path, lock_wait_seconds: float
) -> tuple[str | None, AuditMark]:
    """Copy the live database into ``partial`` under one read snapshot; the copy's marks."""
    with (
        closing(sqlite3.connect(source, timeout=lock_wait_seconds, isolation_level=None)) as src,
        closing(sqlite3.connect(partial, isolation_level=None)) as dst,
    ):
        # The snapshot is taken here, under the busy timeout (the backup step itself would retry
        # a locked source for ever); the copy is made inside it.
        try:
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            raise DatabaseInUse(f"the database stayed locked ({exc})") from exc
        _copy(src, dst)  # pages=-1: the whole database in one step
        src.execute("COMMIT")
        # One self-contained file: no -wal or -shm beside it, so its digest is its content.
        dst.execute("PRAGMA journal_mode=DELETE")
        return _marks(dst)


def _copy(src: sqlite3.Connection, dst: sqlite3.Connection) -> None:
    try:
        src.backup(dst)
    except sqlite3.OperationalError as exc:  # a lock held past the busy timeout
        raise DatabaseInUse(f"the database stayed locked ({exc})") from exc


def _marks(conn: sqlite3.Connection) -> tuple[str | None, AuditMark]:
    """The copy's schema revision and audit head (an empty database has neither)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    revision = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    seq = tree_size = signed = 0
    root = key_id = None
    if "audit_head" in tables:
        head = conn.execute("SELECT seq, tree_size FROM audit_head WHERE id = 1").fetchone()
        seq, tree_size = head or (0, 0)
    if "audit_tree_head" in tables:
        last = conn.execute(
            "SELECT tree_size, root_hash, key_id FROM audit_tree_head "
            "ORDER BY tree_size DESC LIMIT 1"
        ).fetchone()
        if last:
            signed, root, key_id = last
    return revision, AuditMark(seq, tree_size, signed, root, key_id)


def _known_revision(revision: str) -> bool:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
