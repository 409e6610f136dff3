"""``chengxin worker`` and ``chengxin jobs``: background jobs, and the queue they come from."""

from __future__ import annotations

import json
import signal
import threading
import uuid

import click

from chengxin.cli import main
from chengxin.cli.common import echo_json
from chengxin.cli.errors import EXIT_FAILURE, EXIT_INVALID, exits_with, fail
from chengxin.cli.runtime import open_runtime
from chengxin.jobs import service as jobs_service
from chengxin.jobs.models import Job
from chengxin.jobs.worker import Worker
from chengxin.notifications import channels as notification_channels
from chengxin.security.actor import system_actor


@main.command()
@click.option("--once", is_flag=True, help="Run the due schedules and jobs once, then exit")
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(min=0.05),
    default=None,
    help="Seconds an idle worker waits between passes (default: CHENGXIN_JOBS_POLL_SECONDS)",
)
def worker(*, once: bool, poll_seconds: float | None) -> None:
    """Run background jobs and periodic schedules until stopped (SIGTERM, Ctrl-C); any number
    of workers may share the database."""
    runtime = open_runtime()
    with exits_with(EXIT_FAILURE):
        notification_channels.install(runtime)
    job_worker = Worker(runtime)
    if once:
        echo_json({"worker": job_worker.name, "ran": job_worker.run_once()})
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runtime.start_change_watcher()  # jobs read cached state too (ADR 0034)
    try:
        job_worker.run_forever(stop, poll_seconds=poll_seconds)
    finally:
        runtime.stop_change_watcher()


def _job_line(job: Job) -> str:
    """A job as one JSON object."""
    return json.dumps(
        {
            "id": str(job.id),
            "kind": job.kind,
            "status": job.status,
            "attempts": job.attempts,
            "max_attempts": job.max_attempts,
            "run_at": job.run_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "locked_by": job.locked_by,
            "last_error": job.last_error,
            # A chunked job's progress as its last chunk saved it (ADR 0026): cursor and counts.
            "progress": job.progress,
        },
        ensure_ascii=False,
    )


@main.group()
def jobs() -> None:
    """The job queue: what ran, what failed, what waits."""


@jobs.command("list")
@click.option(
    "--status",
    type=click.Choice(["queued", "running", "done", "failed", "dead"]),
    default=None,
    help="Only jobs in this status",
)
@click.option("--last", default=50, show_default=True, type=click.IntRange(1, 10_000))
def jobs_list(status: str | None, last: int) -> None:
    """Print the newest jobs, one JSON object a line."""
    runtime = open_runtime()
    with runtime.scope() as session:
        for job in jobs_service.list_jobs(session, status=status, limit=last):
            click.echo(_job_line(job))


@jobs.command("retry")
@click.argument("job_id")
@exits_with(EXIT_INVALID)
def jobs_retry(job_id: str) -> None:
    """Send a failed or dead job round again with fresh attempts (audited)."""
    try:
        ident = uuid.UUID(job_id)
    except ValueError:
        fail("job-not-found", "give the job's id (a UUID)", EXIT_INVALID)
    runtime = open_runtime()
    with runtime.scope() as session:
        job = jobs_service.retry(session, ident, actor=system_actor())
        click.echo(_job_line(job))
