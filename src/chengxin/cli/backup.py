"""``chengxin backup`` and ``chengxin restore``: the embedded database copied out and put back
(ADR 0036, docs/operations.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from chengxin import migrate
from chengxin.audit import service as audit_service
from chengxin.backup import service as backup_service
from chengxin.backup.errors import BackupNotEmbedded
from chengxin.cli import main
from chengxin.cli.common import echo_json, existing_keyring, read_settings
from chengxin.cli.errors import EXIT_FAILURE, EXIT_INVALID, Fault, exits_with
from chengxin.cli.runtime import open_runtime
from chengxin.errors import DomainError
from chengxin.settings import Settings

KEYS_APART = (
    "the keyring is not in the backup (it never is): keep a `chengxin keys export` of it "
    "elsewhere (docs/operations.md, Keys)"
)

# A database that is not an embedded file (PostgreSQL: pg_basebackup) exits 2; any other refusal
# (a backup missing, damaged, of another schema or keyring, a database in use) exits 1.
BACKUP_EXITS: Mapping[type[Fault], int] = {
    BackupNotEmbedded: EXIT_FAILURE,
    DomainError: EXIT_INVALID,
}


@main.command()
@click.argument("dest", type=click.Path(path_type=Path))
@exits_with(BACKUP_EXITS)
def backup(dest: Path) -> None:
    """Copy the embedded database to DEST (a new file, or a directory) while servers keep
    writing, with a manifest beside it. Never the keys. PostgreSQL: exit 2 (pg_basebackup)."""
    settings = read_settings()
    target, manifest = backup_service.back_up(
        settings.resolved_database_url, dest, lock_wait_seconds=settings.db_lock_wait_seconds
    )
    click.echo(KEYS_APART, err=True)
    shown = {"backup": str(target), "manifest": str(backup_service.manifest_path(target))}
    echo_json(shown | json.loads(manifest.to_json()))


@exits_with(BACKUP_EXITS)
def _put_in_place(src: Path, settings: Settings, *, force: bool) -> backup_service.Manifest:
    """The backup checked and put in place of the embedded database (PostgreSQL: exit 2 before
    the keyring is read); its manifest."""
    backup_service.sqlite_path(settings.resolved_database_url)
    ring = existing_keyring(settings)
    return backup_service.restore(
        src,
        settings.resolved_database_url,
        force=force,
        signing_key_id=ring.signing_key_id if ring.signing_key else None,
        lock_wait_seconds=settings.db_lock_wait_seconds,
    )


@main.command()
@click.argument("src", type=click.Path(path_type=Path))
@click.option(
    "--force", is_flag=True, help="Restore while a process has the database open (restart it after)"
)
def restore(src: Path, *, force: bool) -> None:
    """Put the backup SRC in place of the embedded database (digest, schema and keyring checked
    first), then verify the audit log; exit 1 if anything does not hold."""
    manifest = _put_in_place(src, read_settings(), force=force)
    shown: dict[str, object] = {
        "restored": str(src),
        "started_at": manifest.started_at.isoformat(),
        "schema_revision": manifest.schema_revision,
    }
    if manifest.schema_revision != migrate.head_revision():
        echo_json(
            shown | {"audit": None, "next": "chengxin db upgrade, then chengxin audit verify"}
        )
        return
    runtime = open_runtime()
    with runtime.scope() as session:
        report = audit_service.verify(session)
    echo_json(shown | {"audit": report.__dict__})
    if not report.ok:
        sys.exit(EXIT_INVALID)
