"""``chengxin catalog``: the public credit information catalog."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import json_schema
from chengxin.cli import main
from chengxin.cli.errors import EXIT_FAILURE, EXIT_INVALID, exits_with, fail
from chengxin.cli.runtime import open_runtime
from chengxin.errors import DomainError
from chengxin.security.actor import system_actor


@main.group()
def catalog() -> None:
    """The public credit information catalog (record kinds and their rules)."""


@catalog.command("show")
@exits_with(EXIT_FAILURE)
def catalog_show() -> None:
    """The active version and its kinds."""
    runtime = open_runtime()
    with runtime.scope() as session:
        row, document = catalog_service.active_document(session)
    click.echo(f"catalog {row.version} (active since {row.activated_at:%Y-%m-%d %H:%M} UTC)")
    for kind in document.kinds:
        severity = f"/{kind.severity.value}" if kind.severity else ""
        click.echo(f"  {kind.code:<40} {kind.category.value}{severity:<9} {kind.name_zh}")


@catalog.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Activate without asking (after showing the diff)")
@exits_with(EXIT_INVALID)
def catalog_load(file: Path, *, yes: bool) -> None:
    """Validate FILE, show its diff against the active version, activate on confirmation."""
    runtime = open_runtime()
    try:
        content = catalog_service.read_file(file)
        with runtime.scope() as session:
            _, change = catalog_service.preview(session, content)
    except DomainError as exc:
        # Every problem of the file, then one line naming it (not the first problem's detail).
        problems = exc.extra.get("problems") or [exc.detail]
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        fail(exc.code, f"{file.name} was not loaded", EXIT_INVALID)
    for line in change.lines():
        click.echo(line)
    if change.empty and change.from_version == change.to_version:
        click.echo("already active; nothing to do")
        return
    if not yes and not click.confirm(f"Activate catalog {change.to_version}?", default=False):
        click.echo("not activated")
        sys.exit(EXIT_INVALID)
    with runtime.scope() as session:
        row = catalog_service.load(
            session, content, actor=system_actor("catalog-load"), activate=True
        )
    click.echo(f"catalog {row.version} is active ({row.kinds} kinds)")


@catalog.command("schema")
def catalog_schema() -> None:
    """Print the catalog's JSON Schema (the file shipped as catalog.schema.json)."""
    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))
