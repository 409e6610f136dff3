"""A catalog version that changes what scores read (a kind's sharing level or domain, kinds added
or removed) queues the full score recompute it needs when it is activated, in the activation's
transaction, once; the worker's run then gives the persons holding such records the score the pure
engine gives them (issue 17)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from chengxin import tasks
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument, Sharing
from chengxin.cli import main
from chengxin.jobs.models import Job, JobStatus
from chengxin.jobs.registry import Registry
from chengxin.jobs.worker import Worker
from chengxin.scoring import engine
from chengxin.scoring import service as scoring_service
from chengxin.workdays.days import day_of
from tests.scoring.fixtures import KINDS, NOW, SYSTEM, Population, build_population, latest_scores

TODAY = day_of(NOW)
LATER = NOW + timedelta(hours=1)


def _shipped() -> dict[str, Any]:
    return catalog_service.shipped_content()


def _version(content: dict[str, Any], version: str, code: str, **changes: Any) -> dict[str, Any]:
    kinds = [dict(k, **changes) if k["code"] == code else k for k in content["kinds"]]
    return {**content, "version": version, "kinds": kinds}


def _recompute_jobs(pop: Population) -> list[Job]:
    with pop.runtime.scope() as session:
        jobs = session.execute(select(Job).where(Job.kind == scoring_service.FULL_JOB)).scalars()
        return list(jobs)


def _activate(pop: Population, content: dict[str, Any], at: Any) -> None:
    with pop.runtime.scope() as session:
        catalog_service.load(session, content, actor=SYSTEM, activate=True, now=at)


def _run_jobs(pop: Population, at: Any) -> int:
    registry = Registry()
    registry.chunked(tasks.SCORING_FULL)(tasks.recompute_scores)
    return Worker(pop.runtime, registry=registry).run_once(now=at)


@pytest.fixture
def pop(runtime: Any) -> Population:
    return build_population(runtime, count=10)


def test_a_sharing_change_queues_one_full_recompute_and_scores_follow_the_engine(
    pop: Population,
) -> None:
    taxed = pop.subjects[:3]
    found = TODAY - timedelta(days=30)
    records = {sid: pop.add_record(sid, "tax-arrears", found) for sid in taxed}
    with pop.runtime.scope() as session:
        scoring_service.recompute_full(
            session, settings=pop.runtime.settings, actor=SYSTEM, now=NOW
        )
        compiled = scoring_service.active_rules(session)
    before = latest_scores(pop)
    domain, category, severity = KINDS["tax-arrears"]
    with_record = {
        sid: engine.score(
            compiled,
            [(str(records[sid]), "tax-arrears", domain, category, severity, found)],
            [],
            day_of(LATER),
        )
        for sid in taxed
    }
    bare = engine.score(compiled, [], [], day_of(LATER))
    assert all(before[sid][0] == with_record[sid].total < bare.total for sid in taxed)

    # A name changes: nothing scores read, nothing queued.
    shipped = _shipped()
    renamed = _version(shipped, "2099.1", "tax-arrears", name_zh="欠缴税款（修订）")
    _activate(pop, renamed, NOW)
    assert _recompute_jobs(pop) == []

    # 税款欠缴 becomes 本人-only: its records no longer reach government, so scoring drops them.
    private = _version(renamed, "2099.2", "tax-arrears", sharing=Sharing.SUBJECT.value)
    with pop.runtime.scope() as session:
        _, change = catalog_service.preview(session, private)
        assert change.rescored == ["tax-arrears"]
        assert "  scores are recomputed on activation (tax-arrears)" in change.lines()
    _activate(pop, private, NOW)
    queued = _recompute_jobs(pop)
    assert len(queued) == 1
    assert queued[0].status == JobStatus.QUEUED.value
    assert queued[0].payload["kinds"] == ["tax-arrears"]
    _activate(pop, private, NOW)  # already active: nothing more queued
    assert len(_recompute_jobs(pop)) == 1

    assert _run_jobs(pop, LATER) == 1
    (job,) = _recompute_jobs(pop)
    assert job.status == JobStatus.DONE.value
    assert job.result is not None
    assert (job.result["computed"], job.result["changed"]) == (len(pop.subjects), len(taxed))
    after = latest_scores(pop)
    for sid in pop.subjects:
        if sid in taxed:
            assert (after[sid][0], after[sid][1]) == (bare.total, bare.grade)
        else:
            assert after[sid] == before[sid]

    # Back to the earlier version: queued again, and the records count again.
    _activate(pop, renamed, LATER)
    assert len(_recompute_jobs(pop)) == 2
    assert _run_jobs(pop, LATER + timedelta(minutes=1)) == 1
    again = latest_scores(pop)
    assert all(again[sid][0] == with_record[sid].total for sid in taxed)


def test_the_first_activation_queues_nothing(runtime: Any) -> None:
    """On a fresh platform there are no scores to redo: the recompute waits for its schedule."""
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=SYSTEM)
        assert session.execute(select(Job)).first() is None


_SHIPPED = CatalogDocument.model_validate(_shipped())
_CODES = [k.code for k in _SHIPPED.kinds]


@given(
    changes=st.dictionaries(st.sampled_from(_CODES), st.sampled_from(list(Sharing)), max_size=6),
    renamed=st.lists(st.sampled_from(_CODES), max_size=3),
)
def test_rescored_kinds_are_exactly_those_whose_sharing_changed(
    changes: dict[str, Sharing], renamed: list[str]
) -> None:
    """Any mix of sharing changes (some to the level it had) and renames: the kinds to rescore
    are those whose level differs, renames never count."""
    content = _shipped()
    for code, level in changes.items():
        content = _version(content, "2099.9", code, sharing=level.value)
    for code in renamed:
        content = _version(content, "2099.9", code, name_zh=f"{code}（改）")
    change = catalog_service.diff(_SHIPPED, CatalogDocument.model_validate(content))
    was = {k.code: k.sharing for k in _SHIPPED.kinds}
    assert change.rescored == sorted(c for c, level in changes.items() if was[c] != level)


def _listed(env: dict[str, str]) -> list[dict[str, Any]]:
    shown = CliRunner().invoke(main, ["jobs", "list"], env=env)
    assert shown.exit_code == 0, shown.output
    lines = [json.loads(line) for line in shown.stdout.splitlines() if line.startswith("{")]
    return [j for j in lines if j["kind"] == scoring_service.FULL_JOB]


def test_the_jobs_list_shows_how_far_the_recompute_got(
    pop: Population, cli_env: dict[str, str]
) -> None:
    """``chengxin jobs list`` shows a recompute's progress as its last chunk saved it: stopped
    after a first chunk of 4 persons it is queued again with 4 computed; done, with everyone."""
    pop.add_record(pop.subjects[0], "tax-arrears", TODAY - timedelta(days=30))
    private = _version(_shipped(), "2099.2", "tax-arrears", sharing=Sharing.SUBJECT.value)
    _activate(pop, private, NOW)
    worker = Worker(pop.runtime, registry=Registry())
    worker.chunk_rows = 4

    def first_chunk_then_stop(session: Any, payload: Any, progress: Any, ctx: Any) -> Any:
        step = tasks.recompute_scores(session, payload, progress, ctx)
        worker.stopping.set()  # as a shutdown between chunks: the job goes back, progress kept
        return step

    worker.registry.chunked(tasks.SCORING_FULL)(first_chunk_then_stop)
    assert worker.run_once(now=LATER) == 1
    (stopped,) = _listed(cli_env)
    assert stopped["status"] == JobStatus.QUEUED.value
    assert (stopped["progress"]["computed"], stopped["progress"]["chunks"]) == (4, 1)
    assert _run_jobs(pop, LATER) == 1
    (done,) = _listed(cli_env)
    assert done["status"] == JobStatus.DONE.value
    assert done["progress"]["computed"] == len(pop.subjects)
