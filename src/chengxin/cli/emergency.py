"""``chengxin freeze``, ``unfreeze`` and ``lockdown``: the emergency measures (R3.4)."""

from __future__ import annotations

import uuid

import click

from chengxin.accounts.emergency import service as emergency_service
from chengxin.cli import main
from chengxin.cli.common import echo_json
from chengxin.cli.errors import EXIT_INVALID, exits_with, fail
from chengxin.cli.runtime import open_runtime
from chengxin.organizations import service as organization_service
from chengxin.security.actor import system_actor


@exits_with(EXIT_INVALID)
def _freeze(kind: str, ident: str, reason: str, *, freeze: bool) -> None:
    """Freeze (or unfreeze) an API token by id, or an organization by id or credit code."""
    runtime = open_runtime()
    actor = system_actor()
    with runtime.scope() as session:
        if kind == "token":
            try:
                token_id = uuid.UUID(ident)
            except ValueError:
                fail("token-not-found", "give the token's id (a UUID)", EXIT_INVALID)
            act = emergency_service.freeze_token if freeze else emergency_service.unfreeze_token
            token = act(session, token_id, reason=reason, actor=actor)
            echo_json({"token_id": str(token.id), "frozen": freeze})
            return
        try:
            org = organization_service.get_or_raise(session, uuid.UUID(ident))
        except ValueError:
            found = organization_service.get_by_credit_code(session, ident)
            if found is None:
                fail("organization-not-found", "no such organization", EXIT_INVALID)
            org = found
        act_org = (
            emergency_service.freeze_organization
            if freeze
            else emergency_service.unfreeze_organization
        )
        act_org(session, org.id, reason=reason, actor=actor)
        echo_json({"organization_id": str(org.id), "frozen": freeze})


@main.command("freeze")
@click.argument("kind", type=click.Choice(["token", "org"]))
@click.argument("ident", metavar="ID_OR_CODE")
@click.option("--reason", required=True, help="Why (kept in the audit log)")
def freeze_cmd(kind: str, ident: str, reason: str) -> None:
    """Emergency (R3.4): freeze an API token (by id) or an organization (by id or credit code)."""
    _freeze(kind, ident, reason, freeze=True)


@main.command("unfreeze")
@click.argument("kind", type=click.Choice(["token", "org"]))
@click.argument("ident", metavar="ID_OR_CODE")
@click.option("--reason", required=True, help="Why (kept in the audit log)")
def unfreeze_cmd(kind: str, ident: str, reason: str) -> None:
    """Lift the freeze of an API token or an organization."""
    _freeze(kind, ident, reason, freeze=False)


@main.command("lockdown")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.option("--reason", required=True, help="Why (kept in the audit log)")
@exits_with(EXIT_INVALID)
def lockdown_cmd(state: str, reason: str) -> None:
    """Emergency (R3.4): lock the platform read-only (on) or lift the lockdown (off); every
    server process sees it within a second."""
    runtime = open_runtime()
    with runtime.scope() as session:
        if state == "on":
            emergency_service.lock(session, reason=reason, actor=system_actor())
        else:
            emergency_service.lift(session, reason=reason, actor=system_actor())
    echo_json({"locked": state == "on"})
