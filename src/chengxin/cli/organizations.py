"""``chengxin org`` and ``chengxin agency``: organizations, their API tokens, and the credit
agencies under oversight."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from chengxin.agencies import service as agency_service
from chengxin.agencies.models import CreditAgency
from chengxin.cli import main
from chengxin.cli.common import echo_json
from chengxin.cli.errors import EXIT_INVALID, exits_with, fail
from chengxin.cli.runtime import open_runtime, organization_by_code
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission


@main.group()
def org() -> None:
    """Organizations and their API tokens."""


@org.command("create")
@click.option("--credit-code", required=True)
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice([k.value for k in OrganizationKind]))
@click.option("--region", default=None)
@click.option("--department", default=None, help="Catalog department code (tax, education, …)")
@exits_with(EXIT_INVALID)
def org_create(
    credit_code: str, name: str, kind: str, region: str | None, department: str | None
) -> None:
    """Register an organization."""
    runtime = open_runtime()
    with runtime.scope() as session:
        created = organization_service.create(
            session,
            credit_code=credit_code,
            name=name,
            kind=OrganizationKind(kind),
            department=department,
            region_code=region,
            actor=system_actor(),
        )
        echo_json({"id": str(created.id), "credit_code": created.credit_code})


@org.command("token")
@click.argument("credit_code")
@click.option("--name", required=True, help="What system uses the token")
@click.option(
    "--permission", "permissions", multiple=True, required=True, help="Repeat for each permission"
)
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650))
@exits_with(EXIT_INVALID)
def org_token(credit_code: str, name: str, permissions: tuple[str, ...], days: int) -> None:
    """Issue an API token; the token is printed once and stored only as a hash."""
    runtime = open_runtime()
    try:
        perms = [Permission(p) for p in permissions]
    except ValueError:
        fail(
            "permission-unknown",
            f"known permissions: {', '.join(p.value for p in Permission)}",
            EXIT_INVALID,
        )
    with runtime.scope() as session:
        found = organization_by_code(session, credit_code)
        issued = organization_service.issue_token(
            session,
            found.id,
            name=name,
            permissions=perms,
            valid_days=days,
            actor=system_actor(),
        )
        click.echo(issued.secret)


def _agency_by_code(session: Session, credit_code: str) -> CreditAgency:
    """The credit agency of the organization with this credit code; exit 1 if there is none."""
    org = organization_service.get_by_credit_code(session, credit_code)
    agency = agency_service.get_by_organization(session, org.id) if org else None
    if agency is None:
        fail("agency-not-found", "no credit agency with this credit code", EXIT_INVALID)
    return agency


@main.group()
def agency() -> None:
    """Credit agencies under oversight (R3.5): the agency blacklist."""


@agency.command("blacklist")
@click.argument("credit_code")
@click.option("--reason", required=True, help="Why the agency is listed")
@click.option("--basis", required=True, help="Legal basis of the listing")
@exits_with(EXIT_INVALID)
def agency_blacklist(credit_code: str, reason: str, basis: str) -> None:
    """Put a credit agency on the agency blacklist: its tokens and staff are refused at once."""
    runtime = open_runtime()
    with runtime.scope() as session:
        found = _agency_by_code(session, credit_code)
        listing = agency_service.blacklist(
            session, found.id, reason=reason, basis=basis, actor=system_actor()
        )
        echo_json({"listing_id": str(listing.id), "agency_id": str(found.id)})


@agency.command("delist")
@click.argument("credit_code")
@click.option("--reason", required=True, help="Why the agency is delisted")
@exits_with(EXIT_INVALID)
def agency_delist(credit_code: str, reason: str) -> None:
    """Take a credit agency off the agency blacklist."""
    runtime = open_runtime()
    with runtime.scope() as session:
        found = _agency_by_code(session, credit_code)
        listing = agency_service.delist(session, found.id, reason=reason, actor=system_actor())
        echo_json({"listing_id": str(listing.id), "delisted": True})
