"""``chengxin keys``: the keyring (create, rotate, sign, export, import)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from chengxin.cli import main
from chengxin.cli.common import echo_json, existing_keyring, read_settings
from chengxin.cli.errors import EXIT_INVALID, exits_with, fail
from chengxin.cli.runtime import open_runtime
from chengxin.db import utcnow
from chengxin.keys import export as key_export
from chengxin.keys import rotation
from chengxin.keys.keyring import Keyring, save


def _key_ids(ring: Keyring) -> dict[str, object]:
    """Which keys a keyring holds, by id only."""
    return {
        "data_key_ids": sorted(ring.data_keys),
        "signing_key_id": ring.signing_key_id if ring.signing_key else None,
    }


@main.group()
def keys() -> None:
    """The keyring: blind-index key and data-encryption keys."""


@keys.command("init")
def keys_init() -> None:
    """Create a production keyring in the data directory (refuses to overwrite one)."""
    settings = read_settings()
    if settings.keys:
        fail(
            "keys-from-environment",
            "CHENGXIN_KEYS is set; the keyring is managed by your secret store",
        )
    if settings.key_file.exists():
        fail("keys-exist", f"{settings.key_file} exists; use `chengxin keys rotate`", EXIT_INVALID)
    save(Keyring.generate(demo=False), settings.key_file)
    click.echo(
        f"keyring created at {settings.key_file} (mode 600). "
        "Back it up: without it no data can be read."
    )


@keys.command("rotate")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--resume", is_flag=True, help="Finish an interrupted rotation without adding a key")
def keys_rotate(batch: int, *, resume: bool) -> None:
    """Add a data key and re-encrypt every subject under it, in batches (safe to interrupt)."""
    runtime = open_runtime()
    if runtime.settings.keys:
        fail(
            "keys-from-environment",
            "CHENGXIN_KEYS is set; rotate in the secret store, then run --resume",
        )
    if not resume:
        kid = runtime.keyring.add_key()
        save(runtime.keyring, runtime.settings.key_file)
        click.echo(f"new active key {kid}")
    result = rotation.reencrypt_all(
        runtime, batch=batch, progress=lambda n: click.echo(f"  re-encrypted {n}")
    )
    click.echo(f"re-encrypted {result.reencrypted} sealed rows; all under {result.active_key}")


@keys.command("add-signing-key")
def keys_add_signing_key() -> None:
    """Give a key file written before the Merkle audit log its Ed25519 tree-head signing key."""
    settings = read_settings()
    if settings.keys:
        fail("keys-from-environment", "CHENGXIN_KEYS is set; add the key in the secret store")
    ring = Keyring.from_json(settings.key_file.read_text(encoding="utf-8"))
    if ring.signing_key is not None:
        fail("signing-key-exists", "the keyring already holds a signing key", EXIT_INVALID)
    ring.add_signing_key()
    save(ring, settings.key_file)
    echo_json({"key_id": ring.signing_key_id})


@keys.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--passphrase",
    envvar="CHENGXIN_KEYS_PASSPHRASE",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters (or CHENGXIN_KEYS_PASSPHRASE)",
)
@exits_with(EXIT_INVALID)
def keys_export(out: Path, passphrase: str) -> None:
    """Write the keyring to OUT encrypted under a passphrase (scrypt, AES-256-GCM), to keep
    apart from the database's backups."""
    ring = existing_keyring(read_settings())
    text = key_export.seal(ring, passphrase, at=utcnow())
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail("export-exists", f"{out} exists", EXIT_INVALID)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    echo_json({"out": str(out)} | _key_ids(ring))


@keys.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passphrase", envvar="CHENGXIN_KEYS_PASSPHRASE", prompt=True, hide_input=True)
@exits_with(EXIT_INVALID)
def keys_import(file: Path, passphrase: str) -> None:
    """Put an exported keyring back as the key file (refuses to replace one)."""
    settings = read_settings()
    if settings.keys:
        fail("keys-from-environment", "CHENGXIN_KEYS is set; put the keyring in the secret store")
    if settings.key_file.exists():
        fail("keys-exist", f"{settings.key_file} exists; move it away first", EXIT_INVALID)
    ring = key_export.open_sealed(file.read_text(encoding="utf-8"), passphrase)
    save(ring, settings.key_file)
    echo_json({"key_file": str(settings.key_file)} | _key_ids(ring))
