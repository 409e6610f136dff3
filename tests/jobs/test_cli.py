"""``chengxin worker`` and ``chengxin jobs``: exit codes and output."""

from __future__ import annotations

import json
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from chengxin.cli import main
from chengxin.jobs import service as jobs_service
from chengxin.jobs.worker import Worker, default_registry
from chengxin.runtime import Runtime
from chengxin.tasks import ACCESS_FEEDBACK_SCAN, JOBS_PRUNE, NOTIFICATION_DELIVERY


@pytest.fixture
def _signals() -> Iterator[None]:
    saved = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGTERM, saved[0])
    signal.signal(signal.SIGINT, saved[1])


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_worker_once_runs_the_platform_schedules_and_jobs_lists_them(
    cli_env: dict[str, str],
) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["worker", "--once"], env=cli_env)
    assert result.exit_code == 0, result.output
    (summary,) = _lines(result.stdout)
    platform = default_registry().schedules.values()
    assert summary["ran"] == len(platform)  # every platform schedule runs once at start
    listed = runner.invoke(main, ["jobs", "list", "--status", "done"], env=cli_env)
    assert listed.exit_code == 0, listed.output
    jobs = _lines(listed.stdout)
    assert {j["kind"] for j in jobs} == {s.kind for s in platform}
    assert {ACCESS_FEEDBACK_SCAN, NOTIFICATION_DELIVERY, JOBS_PRUNE} <= {j["kind"] for j in jobs}
    assert {j["locked_by"] for j in jobs} == {summary["worker"]}
    assert (
        _lines(runner.invoke(main, ["jobs", "list", "--status", "dead"], env=cli_env).stdout) == []
    )
    again = runner.invoke(main, ["jobs", "retry", jobs[0]["id"]], env=cli_env)
    assert again.exit_code == 1
    assert "job-not-retryable" in again.output


def test_jobs_retry_requeues_a_dead_job(
    cli_env: dict[str, str],
    runtime: Runtime,
) -> None:
    with runtime.scope() as s:
        job = jobs_service.enqueue(s, "test.cli-unknown-kind", {}, max_attempts=1)
    Worker(runtime, name="w1").run_once()
    result = CliRunner().invoke(main, ["jobs", "retry", str(job.id)], env=cli_env)
    assert result.exit_code == 0, result.output
    (shown,) = _lines(result.stdout)
    assert (shown["id"], shown["status"], shown["attempts"]) == (str(job.id), "queued", 0)
    assert shown["last_error"].startswith("UnknownJobKind")


def test_jobs_retry_of_an_unknown_or_malformed_id_exits_1(
    cli_env: dict[str, str],
) -> None:
    for ident in (str(uuid.uuid4()), "not-a-uuid"):
        result = CliRunner().invoke(main, ["jobs", "retry", ident], env=cli_env)
        assert result.exit_code == 1
        assert "job-not-found" in result.output


@pytest.mark.usefixtures("_signals")
def test_worker_runs_until_stopped(
    cli_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Any, float | None]] = []

    def fake_forever(self: Worker, stop: Any, *, poll_seconds: float | None = None) -> None:
        signal.raise_signal(signal.SIGTERM)  # what `kill` does to a running worker
        calls.append((stop.is_set(), poll_seconds))

    monkeypatch.setattr(Worker, "run_forever", fake_forever)
    result = CliRunner().invoke(main, ["worker", "--poll", "0.5"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert calls == [(True, 0.5)]
