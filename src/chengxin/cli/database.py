"""``chengxin db``: the database schema."""

from __future__ import annotations

import click

from chengxin import migrate
from chengxin.cli import main
from chengxin.cli.runtime import open_runtime


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to the head revision."""
    runtime = open_runtime(upgrade=True)
    click.echo(f"schema at {migrate.current_revision(runtime.engine)}")
