"""The ``chengxin`` command: serve, demo, database, keys, registry import, ID checks, exchange,
access, accounts, emergencies, reports, the job worker and queue, audit.

One module per command group registers its commands on ``main`` when imported; ``main``
imports a command's module only when the command runs (``lazy.LazyGroup``), so
``chengxin --help`` imports none of them (nor the domains they use). How commands fail:
``cli.errors``; what they share: ``cli.common`` and ``cli.runtime``.
"""

from __future__ import annotations

import click

from chengxin import wiring
from chengxin.cli.lazy import Lazy, LazyGroup

# Each command: its module, and the first sentence of its help (tests/cli/test_lazy.py checks
# that it is the command's own).
COMMANDS = {
    "access": Lazy("chengxin.cli.access", "Permission lists (R3.1) and monitoring of use (R4.3)."),
    "agency": Lazy(
        "chengxin.cli.organizations",
        "Credit agencies under oversight (R3.5): the agency blacklist.",
    ),
    "audit": Lazy(
        "chengxin.cli.audit", "The audit log: an RFC 9162 Merkle tree with signed tree heads."
    ),
    "backup": Lazy(
        "chengxin.cli.backup",
        "Copy the embedded database to DEST (a new file, or a directory) while servers keep "
        "writing, with a manifest beside it.",
    ),
    "catalog": Lazy(
        "chengxin.cli.catalog",
        "The public credit information catalog (record kinds and their rules).",
    ),
    "db": Lazy("chengxin.cli.database", "Database schema."),
    "demo": Lazy(
        "chengxin.cli.demo",
        "Load synthetic demo data (idempotent), then serve; prints synthetic citizens to sign in "
        "as, the pages and the staff accounts once the server answers.",
    ),
    "freeze": Lazy(
        "chengxin.cli.emergency",
        "Emergency (R3.4): freeze an API token (by id) or an organization (by id or credit code).",
    ),
    "id": Lazy("chengxin.cli.identity", "Citizen ID numbers (GB 11643)."),
    "ingest": Lazy(
        "chengxin.cli.ingest",
        "Ingest a file of credit records (CSV, XLSX, JSONL) for a provider, with progress.",
    ),
    "jobs": Lazy("chengxin.cli.jobs", "The job queue: what ran, what failed, what waits."),
    "keys": Lazy("chengxin.cli.keys", "The keyring: blind-index key and data-encryption keys."),
    "lockdown": Lazy(
        "chengxin.cli.emergency",
        "Emergency (R3.4): lock the platform read-only (on) or lift the lockdown (off); every "
        "server process sees it within a second.",
    ),
    "org": Lazy("chengxin.cli.organizations", "Organizations and their API tokens."),
    "outbox": Lazy(
        "chengxin.cli.outbox", "Messages to persons (the local notification channel's mailbox)."
    ),
    "population": Lazy("chengxin.cli.population", "The population base registry (R1.2)."),
    "report": Lazy(
        "chengxin.cli.reports",
        "Credit reports: check a PDF report offline, render a synthetic sample.",
    ),
    "restore": Lazy(
        "chengxin.cli.backup",
        "Put the backup SRC in place of the embedded database (digest, schema and keyring "
        "checked first), then verify the audit log; exit 1 if anything does not hold.",
    ),
    "serve": Lazy(
        "chengxin.cli.serve",
        "Serve the platform (development upgrades the schema; production insists it is current).",
    ),
    "state": Lazy("chengxin.cli.state", "The stored credit state: one row per person (issue 16)."),
    "unfreeze": Lazy(
        "chengxin.cli.emergency", "Lift the freeze of an API token or an organization."
    ),
    "user": Lazy("chengxin.cli.accounts", "Staff accounts of organizations."),
    "worker": Lazy(
        "chengxin.cli.jobs",
        "Run background jobs and periodic schedules until stopped (SIGTERM, Ctrl-C); any number "
        "of workers may share the database.",
    ),
}


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.version_option(package_name="chengxin")
@click.option(
    "--verbose", is_flag=True, help="Also show the migrations' lines (Alembic) and other detail"
)
def main(*, verbose: bool) -> None:
    """Chengxin (诚信): provincial personal public credit information platform."""
    del verbose  # read by the commands through the context (cli.common.verbose)
    wiring.install()
