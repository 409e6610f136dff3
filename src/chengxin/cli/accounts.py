"""``chengxin user``: staff accounts of organizations."""

from __future__ import annotations

import click

from chengxin.accounts import service as accounts_service
from chengxin.cli import main
from chengxin.cli.common import echo_json
from chengxin.cli.errors import EXIT_INVALID, exits_with
from chengxin.cli.runtime import open_runtime, organization_by_code
from chengxin.security.actor import system_actor


@main.group()
def user() -> None:
    """Staff accounts of organizations."""


@user.command("create")
@click.argument("login")
@click.option("--org", "credit_code", required=True, help="The organization's credit code")
@click.option(
    "--role", "roles", multiple=True, required=True, help="A staff role; repeat for several"
)
@click.option("--region", default=None, help="A city's code for a city-bound account")
@click.option("--name", default=None, help="Display name (default: the login name)")
@exits_with(EXIT_INVALID)
def user_create(
    login: str, credit_code: str, roles: tuple[str, ...], region: str | None, name: str | None
) -> None:
    """Open a staff account; its generated initial password is printed once."""
    runtime = open_runtime()
    with runtime.scope() as session:
        found = organization_by_code(session, credit_code)
        created = accounts_service.create_user(
            session,
            organization_id=found.id,
            login=login,
            display_name=name or login,
            roles=list(roles),
            region_code=region,
            password=None,
            policy=accounts_service.Policy.from_settings(runtime.settings),
            actor=system_actor(),
        )
        echo_json({"id": str(created.user.id), "login": created.user.login})
        click.echo(f"initial password (shown once): {created.password}")
