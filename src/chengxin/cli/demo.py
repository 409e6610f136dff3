"""``chengxin demo``: synthetic data loaded, then served."""

from __future__ import annotations

import json
import os

import click

from chengxin.accounts import service as accounts_service
from chengxin.cli import main
from chengxin.cli.common import read_settings
from chengxin.cli.errors import EXIT_INVALID, fail
from chengxin.cli.runtime import open_runtime
from chengxin.cli.serve import run_server
from chengxin.demo import accounts as demo_accounts
from chengxin.demo import banner, loader
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.settings import Environment


@main.command()
@click.option("--people", default=10_000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo data and exit")
def demo(people: int, host: str, port: int, *, no_serve: bool) -> None:
    """Load synthetic demo data (idempotent), then serve; prints synthetic citizens to sign in
    as, the pages and the staff accounts once the server answers."""
    settings = read_settings()
    if settings.env is Environment.PRODUCTION:
        fail("demo-in-production", "the demo never runs in production", EXIT_INVALID)
    if "CHENGXIN_LOG_QUIET" not in os.environ:
        # One line per message sent (about a thousand at start) would bury the demo's block:
        # they are logged at DEBUG here, in this process and in the server's workers.
        os.environ["CHENGXIN_LOG_QUIET"] = json.dumps(["chengxin.notifications"])
    if "CHENGXIN_PUBLIC_BASE_URL" not in os.environ:
        # Reports' QR codes and printed addresses name the address this demo serves on.
        os.environ["CHENGXIN_PUBLIC_BASE_URL"] = banner.base_url(host, port)
    settings = read_settings()
    runtime = open_runtime(upgrade=True)
    summary = loader.load(runtime, people=people)
    click.echo(
        f"Demo data: {summary.people_rows} registry rows ({summary.inserted} new, "
        f"{summary.unchanged} unchanged, {summary.rejected} rejected); "
        f"{summary.organizations} organizations."
    )
    r = summary.records
    click.echo(
        f"Credit records pushed through the exchange: {r['submitted']} ({r['created']} new, "
        f"{r['duplicates']} duplicates, {r['rejected']} rejected)."
    )
    click.echo(f"Red and black list entries published: {summary.listed}.")
    listed = _demo_accounts(runtime)
    block = banner.render(
        banner.base_url(host, port),
        people=banner.citizens(people),
        accounts=listed,
        password=demo_accounts.DEMO_PASSWORD,
        token=summary.operator_token,
        token_file=summary.token_file,
    )
    if no_serve:
        click.echo(block)
        return
    runtime.engine.dispose()
    # Printed once, when the server answers: after granian's and the workers' start-up lines.
    run_server(host, port, 1, log_level=settings.log_level, ready=lambda: click.echo(block))


def _demo_accounts(runtime: Runtime) -> list[tuple[str, str]]:
    """Open the demo's staff accounts (one per role); (login, role) of each."""
    policy = accounts_service.Policy.from_settings(runtime.settings)
    with runtime.scope() as session:
        return demo_accounts.ensure_accounts(session, policy=policy, actor=system_actor("demo"))
