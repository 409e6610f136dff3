"""Scores over a real database: what counts, history, incremental against full recompute,
reviews, rulesets with the sandbox, and the signed city export."""

from __future__ import annotations

import base64
import random
from datetime import date, timedelta
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from chengxin import tasks
from chengxin.jobs.models import Job
from chengxin.jobs.registry import Registry
from chengxin.jobs.worker import Worker
from chengxin.keys import keyring_of
from chengxin.objections import service as objection_service
from chengxin.objections.models import ObjectionOutcome
from chengxin.scoring import export as score_export
from chengxin.scoring import grades as scoring_grades
from chengxin.scoring import rules
from chengxin.scoring import sandbox as scoring_sandbox
from chengxin.scoring import service as scoring_service
from chengxin.scoring.errors import ReviewAlreadyOpen, ReviewClosed, RulesetExists, RulesetNotDraft
from chengxin.scoring.models import ReviewOutcome, SubjectScore
from chengxin.workdays.days import day_of
from tests.access.fixtures import citizen
from tests.scoring.fixtures import NOW, SYSTEM, Population, build_population, latest_scores

TODAY = day_of(NOW)


@pytest.fixture
def pop(runtime: Any) -> Population:
    return build_population(runtime)


def _full(pop: Population, now: Any = NOW) -> scoring_service.Computed:
    with pop.runtime.scope() as session:
        return scoring_service.recompute_full(
            session, settings=pop.runtime.settings, actor=SYSTEM, now=now
        )


def _rows(pop: Population) -> int:
    with pop.runtime.scope() as session:
        return int(session.execute(select(func.count()).select_from(SubjectScore)).scalar_one())


def test_full_recompute_explains_each_score_and_keeps_history(pop: Population) -> None:
    a, b = pop.subjects[:2]
    bad = pop.add_record(a, "tax-arrears", TODAY - timedelta(days=30))
    good = pop.add_record(b, "outstanding-volunteer", TODAY - timedelta(days=400))
    basic = pop.add_record(b, "credit-commitment", TODAY - timedelta(days=10))
    done = _full(pop)
    assert (done.computed, done.changed) == (len(pop.subjects), len(pop.subjects))
    scores = latest_scores(pop)
    assert [str(bad), "dishonest:tax-arrears", -40] in scores[a][2]
    assert [str(good), "good:outstanding-volunteer@80%", 48] in scores[b][2]
    assert all(line[0] != str(basic) for line in scores[b][2])
    assert scores[a][0] == 1000 - 40  # a dishonest record this year: no clean-years bonus
    assert scores[b][0] == 1000 + 48 + 50
    assert all(sum(p for _, _, p in s[2]) == s[0] for s in scores.values())

    # Nothing changed: no new rows. A change adds one row; the old one stays for as-of.
    assert _full(pop, NOW + timedelta(hours=1)).changed == 0
    later = NOW + timedelta(days=2)
    pop.add_record(a, "court-judgment-defaulter", TODAY + timedelta(days=1))
    assert _full(pop, later).changed == 1
    assert _rows(pop) == len(pop.subjects) + 1
    with pop.runtime.scope() as session:
        before = scoring_grades.score_as_of(session, a, NOW + timedelta(days=1))
        after = scoring_grades.score_as_of(session, a, later)
        assert before is not None
        assert after is not None
        assert (before.score, after.score) == (960, 760)
        assert scoring_grades.score_as_of(session, a, NOW - timedelta(days=1)) is None
        grades = scoring_grades.grade_of(session, [a, b], NOW + timedelta(days=1))
        assert grades == {a: "B", b: "AA"}


@pytest.mark.parametrize("status", ["repaired", "revoked", "superseded", "expired"])
def test_repaired_revoked_or_expired_records_never_count(pop: Population, status: str) -> None:
    a = pop.subjects[0]
    finding = TODAY - timedelta(days=100)
    if status == "expired":
        record = pop.add_record(a, "tax-arrears", finding, until_on=TODAY)  # display just ended
    else:
        record = pop.add_record(a, "tax-arrears", finding)
        pop.set_status(record, status, a)
    _full(pop)
    score, _, lines = latest_scores(pop)[a]
    assert all(line[0] != str(record) for line in lines)
    assert score == 1050


def test_records_in_dispute_count_only_once_decided(pop: Population) -> None:
    a = pop.subjects[0]
    record = pop.add_record(a, "tax-arrears", TODAY - timedelta(days=20))
    with pop.runtime.scope() as session:
        objection = objection_service.file(
            session,
            record_id=record,
            reason="欠税已缴清，记录有误",
            evidence=[],
            actor=SYSTEM,
            settings=pop.runtime.settings,
            now=NOW,
        )
        objection_id = objection.id
    _full(pop)
    assert latest_scores(pop)[a][0] == 1050
    settings = pop.runtime.settings.model_copy(update={"scoring_exclude_disputed": False})
    with pop.runtime.scope() as session:
        assert scoring_service.compute(session, [a], settings=settings, now=NOW).changed == 1
    assert latest_scores(pop)[a][0] == 960
    with pop.runtime.scope() as session:
        objection_service.decide(
            session,
            objection_id,
            outcome=ObjectionOutcome.UPHELD,
            note="核实无误，维持记录",
            actor=SYSTEM,
            settings=pop.runtime.settings,
            now=NOW + timedelta(hours=1),
        )
    with pop.runtime.scope() as session:
        scoring_service.recompute_incremental(
            session, settings=pop.runtime.settings, actor=SYSTEM, now=NOW + timedelta(hours=2)
        )
    assert latest_scores(pop)[a][0] == 960


def test_incremental_recompute_equals_full_recompute(pop: Population) -> None:
    rng = random.Random(99)
    kinds = [
        "tax-arrears",
        "court-judgment-defaulter",
        "tax-late-filing",
        "outstanding-volunteer",
        "moral-exemplar",
    ]
    records: list[tuple[Any, Any]] = []
    for sid in pop.subjects:
        for _ in range(rng.randint(0, 3)):
            # Findings about a year ago: their anniversaries fall in the weeks ahead.
            finding = TODAY - timedelta(days=rng.randint(300, 400))
            records.append((pop.add_record(sid, rng.choice(kinds), finding), sid))
    now = NOW
    _full(pop, now)
    for _ in range(4):
        now += timedelta(days=rng.randint(5, 30))
        for _ in range(rng.randint(1, 3)):
            sid = rng.choice(pop.subjects)
            finding = day_of(now) - timedelta(days=rng.randint(0, 5))
            records.append((pop.add_record(sid, rng.choice(kinds), finding), sid))
        if records and rng.random() < 0.7:
            record, sid = records.pop(rng.randrange(len(records)))
            pop.set_status(record, rng.choice(["repaired", "revoked"]), sid)
        with pop.runtime.scope() as session:
            scoring_service.recompute_incremental(
                session, settings=pop.runtime.settings, actor=SYSTEM, now=now
            )
        incremental = latest_scores(pop)
        # A full recompute at the same moment finds nothing left to change.
        assert _full(pop, now).changed == 0
        assert latest_scores(pop) == incremental


def test_a_person_asks_for_review_and_an_operator_decides(pop: Population) -> None:
    a = pop.subjects[0]
    person = citizen(a)
    settings = pop.runtime.settings
    with pop.runtime.scope() as session:
        review = scoring_service.request_review(
            session, reason="我的志愿服务记录没有计入", actor=person, settings=settings, now=NOW
        )
        review_id = review.id
        assert (review.score, review.grade, review.status) == (1050, "A", "open")
        assert review.due_at > NOW + timedelta(days=14)
    with pop.runtime.scope() as session, pytest.raises(ReviewAlreadyOpen):
        scoring_service.request_review(
            session, reason="再次申请复核", actor=person, settings=settings, now=NOW
        )
    pop.add_record(a, "moral-exemplar", TODAY - timedelta(days=3))
    with pop.runtime.scope() as session:
        queue = scoring_service.review_queue(session)
        assert [r.id for r in queue] == [review_id]
        decided = scoring_service.decide_review(
            session,
            review_id,
            outcome=ReviewOutcome.RECOMPUTED,
            note="已重新计算并计入",
            actor=SYSTEM,
            settings=settings,
            now=NOW + timedelta(days=1),
        )
        shown = scoring_service.view(session, decided)
        assert (shown.reason, shown.note) == ("我的志愿服务记录没有计入", "已重新计算并计入")
        latest = scoring_service.latest(session, a)
        assert latest is not None
        assert latest.score == 1050 + 80
    with pop.runtime.scope() as session, pytest.raises(ReviewClosed):
        scoring_service.decide_review(
            session,
            review_id,
            outcome=ReviewOutcome.CONFIRMED,
            note="重复的决定",
            actor=SYSTEM,
            settings=settings,
        )


def _draft_source(version: str = "2026.2") -> str:
    content = yaml.safe_load(rules.shipped_text())
    content["version"] = version
    content["points"]["dishonest"]["general"] = -120
    return yaml.safe_dump(content, allow_unicode=True)


def test_sandbox_compares_a_draft_then_activation_queues_a_full_recompute(
    pop: Population,
) -> None:
    a, b = pop.subjects[:2]
    pop.add_record(a, "tax-arrears", TODAY - timedelta(days=30))
    pop.add_record(b, "moral-exemplar", TODAY - timedelta(days=30))
    settings = pop.runtime.settings
    with pop.runtime.scope() as session:
        scoring_service.upload_draft(session, _draft_source(), actor=SYSTEM)
    with pop.runtime.scope() as session, pytest.raises(RulesetExists):
        scoring_service.upload_draft(session, _draft_source(), actor=SYSTEM)
    with pop.runtime.scope() as session:
        compared = scoring_sandbox.compare(
            session, "2026.2", settings=settings, actor=SYSTEM, now=NOW
        )
    assert (compared.active_version, compared.draft_version) == ("2026.1", "2026.2")
    assert compared.total["subjects"] == len(pop.subjects)
    assert (compared.total["up"], compared.total["down"]) == (0, 1)  # a: 960 B → 880 C
    assert compared.by_domain["taxation"] == {
        "subjects": 1,
        "up": 0,
        "down": 1,
        "before": {"B": 1},
        "after": {"C": 1},
    }
    assert sum(r["subjects"] for r in compared.by_region.values()) == len(pop.subjects)
    with pop.runtime.scope() as session:
        scoring_service.activate(session, "2026.2", actor=SYSTEM, now=NOW)
        assert scoring_service.active_rules(session).version == "2026.2"
        jobs = session.execute(select(Job.kind)).scalars().all()
        assert scoring_service.FULL_JOB in jobs
    with pop.runtime.scope() as session, pytest.raises(RulesetNotDraft):
        scoring_service.activate(session, "2026.2", actor=SYSTEM)
    with pop.runtime.scope() as session:
        scoring_service.recompute_incremental(session, settings=settings, actor=SYSTEM, now=NOW)
    latest = latest_scores(pop)
    assert latest[a][0] == 1000 - 120
    with pop.runtime.scope() as session:
        row = scoring_service.latest(session, a)
        assert row is not None
        assert row.ruleset_version == "2026.2"


def test_city_export_is_signed_json_lines(pop: Population) -> None:
    _full(pop)
    region = next(r for r in pop.regions.values() if r)
    expected = sum(1 for r in pop.regions.values() if r == region)
    with pop.runtime.scope() as session:
        done = score_export.export_region(session, region, actor=SYSTEM, now=NOW)
        public = keyring_of(session).public_key_raw()
    Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(done.signature), done.body)
    lines = done.body.decode().splitlines()
    assert len(lines) == expected + 1 == done.count + 1
    assert '"ruleset_version":"2026.1"' in lines[0]
    assert all('"grade":' in line and "id_number" not in line for line in lines[1:])


def test_boundaries_of_leap_days() -> None:
    assert scoring_service._shift(date(2028, 2, 29), 1) == date(2027, 2, 28)
    assert scoring_service._shift(date(2027, 3, 1), 1) == date(2026, 3, 1)


def test_jobs_recompute_after_activation(pop: Population) -> None:
    registry = Registry()
    registry.chunked(tasks.SCORING_FULL)(tasks.recompute_scores)
    registry.chunked(tasks.SCORING_INCREMENTAL)(tasks.recompute_changed_scores)
    pop.add_record(pop.subjects[0], "tax-arrears", TODAY - timedelta(days=3))
    with pop.runtime.scope() as session:
        scoring_service.upload_draft(session, _draft_source(), actor=SYSTEM)
        scoring_service.activate(session, "2026.2", actor=SYSTEM, now=NOW)
    assert Worker(pop.runtime, registry=registry).run_once(now=NOW + timedelta(minutes=1)) == 1
    latest = latest_scores(pop)
    assert latest[pop.subjects[0]][0] == 1000 - 120
    with pop.runtime.scope() as session:
        scoring_service.compute(session, pop.subjects, settings=pop.runtime.settings, now=NOW)
        versions = set(session.execute(select(SubjectScore.ruleset_version)).scalars())
        assert versions == {"2026.2"}


def _incremental_mode(pop: Population, now: Any) -> tuple[str, int]:
    """Run an incremental recompute in one chunk: the kind of run it was and how many it scored."""
    with pop.runtime.scope() as session:
        run = scoring_service.recompute_chunk(
            session,
            {},
            mode=scoring_service.INCREMENTAL,
            settings=pop.runtime.settings,
            actor=SYSTEM,
            now=now,
        )
    assert run.result is not None
    return run.result["mode"], run.totals.computed


def test_a_new_catalog_version_makes_the_next_incremental_run_full(runtime: Any) -> None:
    """A kind's sharing level decides whether scoring reads it (government-shareable kinds only):
    after a catalog version that makes 税款欠缴 本人-only is activated, the next incremental run
    is full (the watermark remembers the catalog its run scored with), and the persons with such
    a record lose its points; without a catalog change the run stays incremental."""
    from chengxin.catalog import service as catalog_service

    pop = build_population(runtime, count=20)
    taxed = pop.subjects[:3]
    for sid in taxed:
        pop.add_record(sid, "tax-arrears", TODAY - timedelta(days=30))
    _full(pop)
    before = latest_scores(pop)
    assert _incremental_mode(pop, NOW + timedelta(hours=1))[0] == scoring_service.INCREMENTAL
    with pop.runtime.scope() as session:
        content = dict(catalog_service.get_active(session).content)  # type: ignore[union-attr]
        content["version"] = "2099.1"
        content["kinds"] = [
            {**k, "sharing": "subject"} if k["code"] == "tax-arrears" else k
            for k in content["kinds"]
        ]
        catalog_service.load(session, content, actor=SYSTEM, activate=True)
    mode, computed = _incremental_mode(pop, NOW + timedelta(hours=2))
    assert (mode, computed) == (scoring_service.FULL, len(pop.subjects))
    after = latest_scores(pop)
    for sid in pop.subjects:
        if sid in taxed:
            assert after[sid][0] > before[sid][0], "a 本人-only kind no longer counts"
        else:
            assert after[sid][0] == before[sid][0]
    assert _incremental_mode(pop, NOW + timedelta(hours=3))[0] == scoring_service.INCREMENTAL
