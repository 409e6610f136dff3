"""``chengxin audit``: the audit log's Merkle tree (verify, sign a head, export)."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click

from chengxin.audit import service as audit_service
from chengxin.cli import main
from chengxin.cli.common import echo_json
from chengxin.cli.errors import EXIT_INVALID
from chengxin.cli.runtime import open_runtime
from chengxin.security.actor import system_actor


@main.group()
def audit() -> None:
    """The audit log: an RFC 9162 Merkle tree with signed tree heads."""


@audit.command("verify")
def audit_verify() -> None:
    """Re-derive leaves, tiles and signed heads; exit 1 naming the first entry that is wrong."""
    runtime = open_runtime()
    with runtime.scope() as session:
        report = audit_service.verify(session)
    echo_json(report.__dict__)
    if not report.ok:
        sys.exit(EXIT_INVALID)


@audit.command("sign-head")
def audit_sign_head() -> None:
    """Integrate new entries into the tree and sign a tree head now."""
    runtime = open_runtime()
    with runtime.scope() as session:
        head = audit_service.sign_tree_head(session)
        shown = (
            {
                "tree_size": head.tree_size,
                "root_hash": head.root_hash,
                "timestamp_ms": head.timestamp_ms,
                "key_id": head.key_id,
                "signature": audit_service.signature_b64(head),
            }
            if head
            else {"tree_size": 0}
        )
    echo_json(shown)


@audit.command("export")
@click.option("--format", "export_format", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--organization", "organization_id", type=click.UUID, default=None)
@click.option("--subject", "subject_id", type=click.UUID, default=None)
@click.option("--since", type=click.DateTime(), default=None, help="UTC, inclusive")
@click.option("--until", type=click.DateTime(), default=None, help="UTC, exclusive")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def audit_export(  # noqa: PLR0917  # click passes the options
    export_format: str,
    organization_id: uuid.UUID | None,
    subject_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    output: Path | None,
) -> None:
    """Write audit entries (filtered) as CSV or JSON to a file or stdout; the export is logged."""
    runtime = open_runtime()
    filters = {
        "organization_id": organization_id,
        "subject_id": subject_id,
        "since": since.replace(tzinfo=UTC) if since else None,
        "until": until.replace(tzinfo=UTC) if until else None,
    }
    with runtime.scope() as session:
        audit_service.record_export(
            session, actor=system_actor(), export_format=export_format, **filters
        )
    chunks = audit_service.export_lines(runtime.scope, export_format, **filters)
    if output is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        return
    with output.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
