"""``chengxin outbox``: the local notification channel's mailbox."""

from __future__ import annotations

import click

from chengxin.citizens import service as citizens_service
from chengxin.cli import main
from chengxin.cli.errors import EXIT_INVALID, fail
from chengxin.cli.runtime import open_runtime
from chengxin.notifications import service as notifications_service


@main.group()
def outbox() -> None:
    """Messages to persons (the local notification channel's mailbox)."""


@outbox.command("show")
@click.option("--last", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--code", "code_only", is_flag=True, help="Print only the latest sign-in code (digits)"
)
def outbox_show(last: int, *, code_only: bool) -> None:
    """Print the most recent messages decrypted (a demo user reads their one-time code here)."""
    runtime = open_runtime()
    if code_only:
        with runtime.scope() as session:
            code = citizens_service.latest_code(session)
        if code is None:
            fail("no-sign-in-code", "the outbox holds no sign-in code yet", EXIT_INVALID)
        click.echo(code)
        return
    with runtime.scope() as session:
        for shown in notifications_service.recent(session, last=last):
            row = shown.row
            click.echo(
                f"{row.created_at:%Y-%m-%d %H:%M:%S} {shown.masked_phone or '-'} "
                f"[{row.template}, {row.status}] {shown.text}"
            )
