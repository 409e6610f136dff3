"""``chengxin access``: permission lists (R3.1) and monitoring of use (R4.3)."""

from __future__ import annotations

from datetime import datetime

import click

from chengxin.access import monitoring, policy
from chengxin.access.scenes import Scene
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import Sharing
from chengxin.cli import main
from chengxin.cli.errors import EXIT_INVALID, exits_with, fail
from chengxin.cli.runtime import open_runtime, organization_by_code
from chengxin.db import utcnow
from chengxin.security.actor import system_actor
from chengxin.workdays.days import day_of


@main.group()
def access() -> None:
    """Permission lists (R3.1) and monitoring of use (R4.3)."""


@access.command("permit")
@click.argument("credit_code")
@click.option("--scene", required=True, help="Business scene code (GET /api/v1/access/scenes)")
@click.option("--kind", "kinds", multiple=True, help="Record kind code; repeat")
@click.option("--sharing", multiple=True, help="public, authorized or government; repeat")
@click.option("--basis", required=True, help="The duty or agreement the line rests on")
@click.option(
    "--until", "until_on", type=click.DateTime(["%Y-%m-%d"]), help="Last day (open-ended)"
)
@exits_with(EXIT_INVALID)
def access_permit(  # noqa: PLR0917  # click passes the options
    credit_code: str,
    scene: str,
    kinds: tuple[str, ...],
    sharing: tuple[str, ...],
    basis: str,
    until_on: datetime | None,
) -> None:
    """Add a line to an organization's permission list."""
    try:
        scene_code, levels = Scene(scene), [Sharing(s) for s in sharing]
    except ValueError as exc:
        fail("access-rule-invalid", str(exc), EXIT_INVALID)
    runtime = open_runtime()
    with runtime.scope() as session:
        org = organization_by_code(session, credit_code)
        _, document = catalog_service.active_document(session)
        rule = policy.add_rule(
            session,
            document,
            organization_id=org.id,
            scene=scene_code,
            kinds=list(kinds),
            sharing=levels,
            basis=basis,
            valid_from_on=day_of(utcnow()),
            valid_until_on=until_on.date() if until_on else None,
            actor=system_actor("access-permit"),
        )
        click.echo(f"{rule.id} {org.name}: {rule.scene} kinds={rule.kinds} sharing={rule.sharing}")


@access.command("list")
@click.argument("credit_code")
def access_list(credit_code: str) -> None:
    """An organization's permission list (lines in force today are marked *)."""
    runtime = open_runtime()
    with runtime.scope() as session:
        org = organization_by_code(session, credit_code)
        current = {r.id for r in policy.rules_of(session, org.id, on=day_of(utcnow()))}
        for rule in policy.rules_of(session, org.id):
            mark = "*" if rule.id in current else " "
            click.echo(f"{mark} {rule.id} {rule.scene} kinds={rule.kinds} sharing={rule.sharing}")


@access.command("scan-alerts")
def access_scan_alerts() -> None:
    """Raise no-feedback alerts for released queries past the feedback period."""
    runtime = open_runtime()
    with runtime.scope() as session:
        alerts = monitoring.scan_feedback(session, settings=runtime.settings)
        for alert in alerts:
            click.echo(f"{alert.rule} {alert.organization_id} {alert.detail}")
    click.echo(f"{len(alerts)} new alerts")
