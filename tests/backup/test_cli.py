"""`chengxin backup`, `chengxin restore`, `chengxin keys export|import`: results, refusals and
exit codes (1: the input is wrong; 2: this database is not backed up this way)."""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from chengxin.audit import service as audit_service
from chengxin.audit.models import AuditEntry
from chengxin.backup import service as backup_service
from chengxin.cli import main
from chengxin.demo import generator
from chengxin.keys.keyring import Keyring, save
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor

PASSPHRASE = "correct horse battery staple"


def add_organization(runtime: Runtime, name: str) -> None:
    """One audited write, and a signed tree head over the log."""
    with runtime.scope() as session:
        organization_service.create(
            session,
            credit_code=generator.credit_code(
                random.Random(name), registration="11", region_code="420100"
            ),
            name=name,
            kind=OrganizationKind.GOVERNMENT,
            region_code="420100",
            department="tax",
            actor=system_actor("test"),
        )
    with runtime.scope() as session:
        audit_service.sign_tree_head(session)


def organization_names(runtime: Runtime) -> set[str]:
    with runtime.scope() as session:
        return set(session.execute(select(Organization.name)).scalars())


def run(env: dict[str, str], *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


@pytest.mark.sqlite
def test_backup_writes_a_copy_and_its_manifest_and_never_the_keys(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    add_organization(runtime, "备份前的单位")
    dest = tmp_path / "backups" / "first.db"

    result = run(cli_env, "backup", str(dest))

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout.splitlines()[-1])
    manifest = backup_service.read_manifest(dest)
    assert shown["sha256"] == manifest.sha256 == backup_service.file_digest(dest)
    with runtime.scope() as session:
        entries = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert manifest.audit.seq == entries > 0
    assert manifest.audit.signed_tree_size == entries
    assert manifest.audit.key_id == runtime.keyring.signing_key_id
    assert manifest.keys_included is False
    assert "keyring is not in the backup" in result.stderr
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    content = dest.read_bytes()
    for key in (runtime.keyring.blind_index_key, *runtime.keyring.data_keys.values()):
        assert key not in content
        assert base64.b64encode(key) not in content
    assert sorted(p.name for p in dest.parent.iterdir()) == ["first.db", "first.db.manifest.json"]


@pytest.mark.sqlite
def test_backup_into_a_directory_names_the_file_and_never_overwrites(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "nightly"
    folder.mkdir()

    first = run(cli_env, "backup", str(folder))
    assert first.exit_code == 0, first.output
    made = Path(json.loads(first.stdout.splitlines()[-1])["backup"])
    assert made.parent == folder
    assert made.name.startswith("chengxin-")

    again = run(cli_env, "backup", str(made))
    assert again.exit_code == 1
    assert "backup-exists" in again.stderr


@pytest.mark.sqlite
def test_backup_of_a_database_locked_past_the_wait_exits_1(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    runtime.engine.dispose()
    path = backup_service.sqlite_path(cli_env["CHENGXIN_DATABASE_URL"])
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")  # as a restore in progress holds it
        env = cli_env | {"CHENGXIN_DB_LOCK_WAIT_SECONDS": "0.1"}
        result = run(env, "backup", str(tmp_path / "b.db"))
    assert result.exit_code == 1
    assert "database-in-use" in result.stderr
    assert list(tmp_path.glob("b.db*")) == []  # nor a partial copy left behind


@pytest.mark.sqlite
def test_restore_puts_the_backup_back_and_verifies_the_audit_log(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    add_organization(runtime, "备份前的单位")
    dest = tmp_path / "b.db"
    assert run(cli_env, "backup", str(dest)).exit_code == 0
    add_organization(runtime, "备份后的单位")
    runtime.engine.dispose()  # the servers are stopped before a restore

    result = run(cli_env, "restore", str(dest))

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout.splitlines()[-1])
    assert shown["audit"]["ok"] is True
    assert shown["audit"]["entries"] == backup_service.read_manifest(dest).audit.seq
    names = organization_names(runtime)
    assert "备份前的单位" in names
    assert "备份后的单位" not in names


@pytest.mark.sqlite
def test_restore_refuses_a_database_in_use_unless_forced(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    dest = tmp_path / "b.db"
    assert run(cli_env, "backup", str(dest)).exit_code == 0
    add_organization(runtime, "备份后的单位")  # the runtime's pool keeps its connection open

    refused = run(cli_env, "restore", str(dest))
    assert refused.exit_code == 1
    assert "database-in-use" in refused.stderr
    assert "备份后的单位" in organization_names(runtime)

    forced = run(cli_env, "restore", "--force", str(dest))
    assert forced.exit_code == 0, forced.output
    assert "备份后的单位" not in organization_names(runtime)  # the open process reads the restore


@pytest.mark.sqlite
def test_restore_refuses_a_missing_backup_or_manifest(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    missing = run(cli_env, "restore", str(tmp_path / "nothing.db"))
    assert missing.exit_code == 1
    assert "backup-missing" in missing.stderr

    dest = tmp_path / "b.db"
    assert run(cli_env, "backup", str(dest)).exit_code == 0
    backup_service.manifest_path(dest).unlink()
    no_manifest = run(cli_env, "restore", str(dest))
    assert no_manifest.exit_code == 1
    assert "backup-missing" in no_manifest.stderr


@pytest.mark.sqlite
def test_restore_refuses_a_backup_whose_digest_differs(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    add_organization(runtime, "留在原处的单位")
    dest = tmp_path / "b.db"
    assert run(cli_env, "backup", str(dest)).exit_code == 0
    content = bytearray(dest.read_bytes())
    content[len(content) // 2] ^= 0x01
    dest.write_bytes(bytes(content))
    runtime.engine.dispose()

    result = run(cli_env, "restore", str(dest))

    assert result.exit_code == 1
    assert "backup-digest-mismatch" in result.stderr
    assert "留在原处的单位" in organization_names(runtime)


@pytest.mark.sqlite
def test_restore_needs_the_keyring_that_signed_the_backup(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    add_organization(runtime, "备份前的单位")
    dest = tmp_path / "b.db"
    assert run(cli_env, "backup", str(dest)).exit_code == 0
    runtime.engine.dispose()
    key_file = Path(cli_env["CHENGXIN_DATA_DIR"]) / "keys.json"

    key_file.unlink()
    no_keys = run(cli_env, "restore", str(dest))
    assert no_keys.exit_code == 1
    assert "keys-missing" in no_keys.stderr

    save(Keyring.generate(demo=True), key_file)
    other_keys = run(cli_env, "restore", str(dest))
    assert other_keys.exit_code == 1
    assert "backup-keys-mismatch" in other_keys.stderr


@pytest.mark.postgresql
def test_backup_and_restore_on_postgresql_are_refused_with_exit_2(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    backup = run(cli_env, "backup", str(tmp_path / "b.db"))
    assert backup.exit_code == 2
    assert "backup-not-embedded" in backup.stderr
    assert "pg_basebackup" in backup.stderr
    assert "docs/operations.md" in backup.stderr
    assert not (tmp_path / "b.db").exists()

    (tmp_path / "b.db").write_bytes(b"not a backup")
    (tmp_path / "keys.json").unlink()  # refused for the database, whatever else is missing
    restore = run(cli_env, "restore", str(tmp_path / "b.db"))
    assert restore.exit_code == 2
    assert "backup-not-embedded" in restore.stderr


def test_keys_export_and_import_round_trip_under_a_passphrase(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "offline" / "keyring.export"
    out.parent.mkdir()

    exported = run(
        cli_env, "keys", "export", "--out", str(out), stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n"
    )

    assert exported.exit_code == 0, exported.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_bytes()
    assert base64.b64encode(runtime.keyring.blind_index_key) not in text
    assert base64.b64encode(runtime.keyring.signing_key or b"-") not in text
    elsewhere = tmp_path / "new-machine"
    env = cli_env | {"CHENGXIN_DATA_DIR": str(elsewhere), "CHENGXIN_KEYS_PASSPHRASE": PASSPHRASE}
    imported = run(env, "keys", "import", str(out))
    assert imported.exit_code == 0, imported.output
    assert (elsewhere / "keys.json").read_text(encoding="utf-8") == runtime.keyring.to_json()
    assert json.loads(imported.stdout)["signing_key_id"] == runtime.keyring.signing_key_id

    again = run(env, "keys", "import", str(out))
    assert again.exit_code == 1
    assert "keys-exist" in again.stderr


def test_keys_import_refuses_a_wrong_passphrase_and_export_a_short_one(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "keyring.export"
    too_short = cli_env | {"CHENGXIN_KEYS_PASSPHRASE": "short"}
    short = run(too_short, "keys", "export", "--out", str(out))
    assert short.exit_code == 1
    assert "passphrase-too-short" in short.stderr
    assert not out.exists()
    env = cli_env | {"CHENGXIN_KEYS_PASSPHRASE": PASSPHRASE}
    assert run(env, "keys", "export", "--out", str(out)).exit_code == 0
    assert "export-exists" in run(env, "keys", "export", "--out", str(out)).stderr

    elsewhere = cli_env | {
        "CHENGXIN_DATA_DIR": str(tmp_path / "new-machine"),
        "CHENGXIN_KEYS_PASSPHRASE": PASSPHRASE + "?",
    }
    wrong = run(elsewhere, "keys", "import", str(out))
    assert wrong.exit_code == 1
    assert "key-export-invalid" in wrong.stderr
    assert not (tmp_path / "new-machine" / "keys.json").exists()


def test_keys_import_refuses_an_export_whose_clear_part_was_altered(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "keyring.export"
    env = cli_env | {"CHENGXIN_KEYS_PASSPHRASE": PASSPHRASE}
    assert run(env, "keys", "export", "--out", str(out)).exit_code == 0
    body = json.loads(out.read_text(encoding="utf-8"))
    body["data_key_ids"] = [*body["data_key_ids"], "k99"]
    out.write_text(json.dumps(body), encoding="utf-8")

    elsewhere = env | {"CHENGXIN_DATA_DIR": str(tmp_path / "new-machine")}
    altered = run(elsewhere, "keys", "import", str(out))

    assert altered.exit_code == 1
    assert "key-export-invalid" in altered.stderr
