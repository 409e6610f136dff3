"""``chengxin serve``: the platform behind granian."""

from __future__ import annotations

import multiprocessing
import threading
import time
import urllib.request
from collections.abc import Callable

import click
from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

from chengxin.cli import main
from chengxin.cli.common import read_settings
from chengxin.cli.errors import EXIT_FAILURE, exits_with
from chengxin.cli.runtime import open_runtime
from chengxin.demo.banner import base_url
from chengxin.logs import granian_log_config
from chengxin.settings import Environment


def when_serving(url: str, then: Callable[[], None], *, timeout: float = 300.0) -> None:
    """Run ``then`` once the server answers ``/health`` (a thread: granian's serve() blocks)."""

    def wait() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:  # noqa: PLR2004
                        then()
                        return
            except OSError:
                pass
            time.sleep(0.2)

    threading.Thread(target=wait, name="chengxin-when-serving", daemon=True).start()


def run_server(
    host: str, port: int, workers: int, *, log_level: str, ready: Callable[[], None] | None = None
) -> None:
    """Serve the app in granian's workers until stopped; ``ready`` runs once it answers."""
    # granian's workers are spawned, not forked: a forked child inherits the parent's thread
    # pools without their threads (Polars' pool, started when the demo scored its data here,
    # hung the worker's first score recompute while it held SQLite's write turn).
    multiprocessing.set_start_method("spawn", force=True)
    url = base_url(host, port)
    click.echo(
        f"Chengxin listening on {url}  (citizens sign in at /me/signin, staff at /signin; "
        "API docs: /schema/swagger)"
    )
    if ready is not None:
        when_serving(url, ready)
    Granian(
        "chengxin.app:create_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        # granian's lines go through the platform's handlers (JSON, redaction); the access log
        # is the platform's own (CHENGXIN_ACCESS_LOG), with the request id (ADR 0024).
        log_level=LogLevels(log_level.lower()),
        log_dictconfig=granian_log_config(),
        log_access=False,
    ).serve()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the platform (development upgrades the schema; production insists it is current)."""
    settings = read_settings()
    runtime = open_runtime(upgrade=settings.env is not Environment.PRODUCTION)
    with exits_with(EXIT_FAILURE):
        runtime.check_production_safety()
    run_server(host, port, workers, log_level=settings.log_level)
