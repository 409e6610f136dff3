"""Several real ``chengxin worker`` processes on one database run each scheduled instant once
(ADR 0014, ADR 0034): schedules every second, three workers ticking and claiming at once."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from chengxin.jobs.models import Job, JobSchedule
from chengxin.keys.keyring import Keyring
from chengxin.runtime import Runtime
from tests.processes.conftest import Children, environment, until

WORKERS = 3
INSTANTS = 5  # instants of each one-second schedule to see run before the workers stop
EVERY_SECOND = {
    f"CHENGXIN_{name}": "1"
    for name in (
        "CASE_SWEEP_SECONDS",
        "EXPIRY_SWEEP_SECONDS",
        "LISTS_SWEEP_SECONDS",
        "STATE_SWEEP_SECONDS",
        "TIPS_SWEEP_SECONDS",
        "TRACKING_SWEEP_SECONDS",
        "WATCH_DELIVER_SECONDS",
        "NOTIFICATION_DELIVERY_SECONDS",
    )
}


def _done_instants(runtime: Runtime, name: str) -> int:
    with runtime.scope() as session:
        return int(
            session.execute(
                select(func.count()).where(
                    Job.idempotency_key.like(f"schedule:{name}:%"), Job.status == "done"
                )
            ).scalar_one()
        )


def test_several_workers_run_each_scheduled_instant_once(
    runtime: Runtime, keyring: Keyring, children: Children, tmp_path: Path
) -> None:
    env = environment(runtime, keyring, tmp_path / "workers", **EVERY_SECOND)
    workers = [
        children.start(f"worker-{i}", ["worker", "--poll", "0.1"], env) for i in range(WORKERS)
    ]
    until(lambda: _done_instants(runtime, "objections-sweep") >= INSTANTS, seconds=120)
    for process in workers:
        children.stop(process)
    assert [p.returncode for p in workers] == [0] * WORKERS, children.output("worker-0")

    with runtime.scope() as session:
        rows = session.execute(select(JobSchedule.name, JobSchedule.interval_seconds)).all()
        intervals = {name: seconds for name, seconds in rows}  # noqa: C416  # rows, not pairs
        jobs = session.execute(
            select(Job.idempotency_key, Job.status, Job.attempts, Job.locked_by, Job.run_at).where(
                Job.idempotency_key.like("schedule:%")
            )
        ).all()

    instants: dict[str, list[datetime]] = defaultdict(list)
    for key, status, attempts, _worker, run_at in jobs:
        _, name, due = key.split(":", 2)
        assert datetime.fromisoformat(due) == run_at, key  # the job is its instant's
        # Ran once: claimed once (a second claim counts a second attempt) and finished; or, for
        # an instant ticked just before the workers stopped, not claimed yet.
        assert (status, attempts) in {("done", 1), ("queued", 0)}, (key, status, attempts)
        instants[name].append(run_at)
    assert set(instants) == set(intervals)  # every schedule ran (each is due at once on start)
    for name, runs in instants.items():
        runs.sort()
        every = timedelta(seconds=intervals[name])
        gaps = [later - earlier for earlier, later in itertools.pairwise(runs)]
        # One job per instant: instants a whole number of intervals apart, none twice.
        assert all(gap >= every and gap % every == timedelta(0) for gap in gaps), (name, gaps)
    assert len(instants["objections-sweep"]) >= INSTANTS
    # The workers really shared the work: more than one of them ran scheduled jobs.
    assert len({worker for *_, worker, _run_at in jobs if worker is not None}) > 1
