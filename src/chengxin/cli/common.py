"""What the commands share that needs no database: the settings, ``--verbose``, the keyring in
place, JSON output."""

from __future__ import annotations

import json

import click

from chengxin.cli.errors import EXIT_FAILURE, EXIT_INVALID, exits_with, fail
from chengxin.keys.keyring import Keyring, load_or_create
from chengxin.settings import Settings, load_settings


def read_settings() -> Settings:
    """The settings from the environment; exit 2 naming the first that is invalid."""
    try:
        return load_settings()
    except ValueError as exc:
        fail("settings-invalid", str(exc).splitlines()[0])


def verbose() -> bool:
    """``chengxin --verbose …``: the migrations' own lines too (Alembic's, otherwise quiet)."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("verbose"))


def echo_json(value: object, *, ensure_ascii: bool = True) -> None:
    """One JSON object on a line of stdout."""
    click.echo(json.dumps(value, ensure_ascii=ensure_ascii))


def existing_keyring(settings: Settings) -> Keyring:
    """The keyring in place (environment or key file); never a new one."""
    if not settings.keys and not settings.key_file.exists():
        fail(
            "keys-missing",
            f"no keyring: CHENGXIN_KEYS is unset and {settings.key_file} does not exist "
            "(`chengxin keys import FILE` puts an exported one back)",
            EXIT_INVALID,
        )
    with exits_with(EXIT_FAILURE):
        return load_or_create(settings.key_file, settings.keys, create_demo=False)
