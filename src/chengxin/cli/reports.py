"""``chengxin report``: check a PDF credit report offline, render a synthetic sample."""

from __future__ import annotations

import random
import time
from datetime import datetime
from pathlib import Path

import click

from chengxin.cli import main
from chengxin.cli.common import echo_json, read_settings
from chengxin.cli.errors import EXIT_FAILURE, EXIT_INVALID, exits_with, fail
from chengxin.demo import sample_report as sample
from chengxin.reports import pdf as report_pdf
from chengxin.reports import service as report_service
from chengxin.reports.render import Issuer, local_time
from chengxin.runtime import load_keyring
from chengxin.settings import Environment


@main.group()
def report() -> None:
    """Credit reports: check a PDF report offline, render a synthetic sample."""


@exits_with(EXIT_FAILURE)
def _local_public_key_pem() -> str:
    """The platform's public key from the local keyring (never creates a keyring)."""
    settings = read_settings()
    if not settings.keys and not settings.key_file.exists():
        fail(
            "keys-missing",
            f"no keyring in {settings.key_file}: give the platform's key with --public-key",
            EXIT_INVALID,
        )
    return load_keyring(settings).public_key_pem()


def _beijing(iso: str | None) -> str:
    return local_time(datetime.fromisoformat(iso)) if iso else "-"


@report.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The platform's Ed25519 public key (PEM); default: the local keyring's",
)
@exits_with(EXIT_INVALID)
def report_verify(file: Path, public_key: Path | None) -> None:
    """Check offline that a PDF report is genuine and unchanged; exit 1 saying why it is not."""
    pem = public_key.read_bytes() if public_key else _local_public_key_pem()
    result = report_pdf.verify_pdf(file.read_bytes(), public_key_pem=pem)
    if not result.ok:
        fail(result.problem or "verification-failed", result.message, EXIT_INVALID)
    click.echo(f"number:    {result.number}")
    click.echo(f"issued at: {result.issued_at} ({_beijing(result.issued_at)} UTC+8)")
    click.echo(f"audience:  {result.audience}")
    click.echo(f"digest:    {result.digest}")
    click.echo(f"key id:    {result.key_id}")
    click.echo("verified")


@report.command("sample")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@exits_with(EXIT_FAILURE)
def report_sample(out: Path, lang: str) -> None:
    """Render a synthetic sample report (four pages) as a sealed PDF (no database needed)."""
    settings = read_settings()
    if settings.env is Environment.PRODUCTION:
        # A synthetic report sealed with the production key would pass as genuine.
        fail("sample-in-production", "samples are never sealed with production keys", EXIT_INVALID)
    keyring = load_keyring(settings)
    started = time.perf_counter()
    content = sample.sample_report()
    url = report_service.verify_url(settings.public_base_url, content.number)
    code = sample.sample_code(random.Random(content.number))
    unsealed, pages = report_pdf.render_unsealed(
        content,
        lang=lang,
        verification_code=code,
        verify_url=url,
        issuer=Issuer.from_settings(settings),
    )
    sealed = report_pdf.seal_pdf(unsealed, content, keyring=keyring)
    seconds = time.perf_counter() - started
    out.write_bytes(sealed)
    echo_json(
        {
            "out": str(out),
            "number": content.number,
            "verification_code": code,
            "pages": pages,
            "bytes": len(sealed),
            "seconds": round(seconds, 3),
        },
        ensure_ascii=False,
    )
