"""``chengxin state``: the stored credit state (issue 16)."""

from __future__ import annotations

import click

from chengxin.cli import main
from chengxin.cli.errors import EXIT_INVALID, fail
from chengxin.cli.runtime import open_runtime
from chengxin.state import service as state_service


@main.group()
def state() -> None:
    """The stored credit state: one row per person (issue 16)."""


@state.command("rebuild")
@click.option(
    "--check", "check_only", is_flag=True, help="Only compare with the rule; write nothing."
)
def state_rebuild(*, check_only: bool) -> None:
    """Recompute every person's stored credit state from their facts, or with --check report
    every row that differs from the rule (exit 1 when any does)."""
    runtime = open_runtime()
    with runtime.scope() as session:
        report = state_service.rebuild(session, check=check_only)
    click.echo(
        f"persons={report.persons} written={report.written} differing={report.differing} "
        f"missing={report.missing} extra={report.extra} stale={report.stale}"
    )
    for example in report.examples:
        click.echo(f"  {example}")
    if check_only and (report.differing or report.missing or report.extra):
        fail("state-differs", "stored credit states differ from the rule", EXIT_INVALID)
