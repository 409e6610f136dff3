"""The columnar engine against the pure one (issue 17): for any ruleset, any persons (records,
list memberships, dates) and any day, both give the same score, grade and explanation lines;
and a recompute run through the database stores, for every person, what the pure engine gives
over the same person's inputs. (Disputes and stale states are also in test_service.py, whose
full and incremental runs now go through the columnar engine.)"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.scoring import columnar, engine, rules
from chengxin.scoring import service as scoring_service
from chengxin.scoring.models import SubjectScore
from chengxin.state import service as state_service
from chengxin.workdays.days import day_of
from tests.scoring.fixtures import SYSTEM, Population, build_population

DOMAINS = ["taxation", "judicial", "volunteer", "general"]
KINDS = [
    ("tax-arrears", "taxation", "dishonest", "general"),
    ("tax-late-filing", "taxation", "dishonest", "minor"),
    ("court-judgment-defaulter", "judicial", "dishonest", "serious"),
    ("judicial-other", "judicial", "dishonest", None),
    ("outstanding-volunteer", "volunteer", "good", None),
    ("moral-exemplar", "general", "good", None),
    ("blood-donor", "volunteer", "good", "minor"),
    ("credit-commitment", "general", "basic", None),
]
LIST_TYPES = ["red-volunteer", "tax-serious", "court-defaulter", "other"]


@st.composite
def rulesets(draw: st.DrawFn) -> rules.Compiled:
    low = draw(st.integers(-200, 400))
    high = low + draw(st.integers(0, 1200))
    base = draw(st.integers(low, high))
    cuts = sorted(draw(st.sets(st.integers(low + 1, high), max_size=4))) if high > low else []
    edges = [low, *cuts]
    grades = [
        {
            "grade": "ABCDE"[i],
            "min": edge,
            "max": (edges[i + 1] - 1 if i + 1 < len(edges) else high),
        }
        for i, edge in enumerate(edges)
    ]
    decay = sorted(draw(st.lists(st.integers(0, 100), min_size=1, max_size=6)), reverse=True)
    cap = st.fixed_dictionaries({"good": st.integers(0, 120), "dishonest": st.integers(-300, 0)})
    content = {
        "version": "p1",
        "base": base,
        "bounds": {"min": low, "max": high},
        "points": {
            "good": draw(st.integers(0, 30)),
            "dishonest": {s: draw(st.integers(-80, 0)) for s in ("minor", "general", "serious")},
        },
        "kinds": draw(
            st.dictionaries(
                st.sampled_from([k[0] for k in KINDS]), st.integers(-60, 60), max_size=3
            )
        ),
        "decay_percent": decay,
        "caps": {
            "default": draw(cap),
            "by_domain": draw(st.dictionaries(st.sampled_from(DOMAINS), cap, max_size=2)),
        },
        "clean_bonus": {"per_year": draw(st.integers(0, 10)), "max_years": draw(st.integers(0, 8))},
        "lists": {
            "red": draw(st.integers(0, 50)),
            "black": draw(st.integers(-150, 0)),
            "list_types": draw(
                st.dictionaries(st.sampled_from(LIST_TYPES), st.integers(-90, 90), max_size=2)
            ),
        },
        "grades": grades,
    }
    return rules.compile_ruleset(rules.from_content(content))


TODAY = date(2026, 11, 29)


@st.composite
def person(draw: st.DrawFn) -> tuple[list[engine.RecordIn], list[engine.MembershipIn]]:
    records = []
    for n in range(draw(st.integers(0, 12))):
        kind, domain, category, severity = draw(st.sampled_from(KINDS))
        finding = TODAY - timedelta(days=draw(st.integers(-30, 12 * 366)))
        records.append(
            (f"{draw(st.integers(0, 99)):02d}-r{n}", kind, domain, category, severity, finding)
        )
    held = [
        (
            f"e{draw(st.integers(0, 9))}-{n}",
            draw(st.sampled_from(LIST_TYPES)),
            draw(st.sampled_from(["red", "black"])),
        )
        for n in range(draw(st.integers(0, 3)))
    ]
    return records, held


def _frames(
    people: list[tuple[list[engine.RecordIn], list[engine.MembershipIn]]],
) -> tuple[list[str], pl.DataFrame, pl.DataFrame]:
    keys = [f"s{i:03d}" for i in range(len(people))]
    recs = [(k, *r) for k, (records, _) in zip(keys, people, strict=True) for r in records]
    held = [(k, *m) for k, (_, memberships) in zip(keys, people, strict=True) for m in memberships]
    record_frame = pl.DataFrame(
        [(k, rid, kind, cat, sev, day, dom) for k, rid, kind, dom, cat, sev, day in recs],
        schema={
            "subject": pl.String,
            "id": pl.String,
            "kind": pl.String,
            "category": pl.String,
            "severity": pl.String,
            "finding": pl.Date,
            "domain": pl.String,
        },
        orient="row",
    ).select(list(columnar.RECORDS_SCHEMA))
    held_frame = pl.DataFrame(held, schema=columnar.MEMBERSHIPS_SCHEMA, orient="row")
    return keys, record_frame, held_frame


def _as_lines(text: str) -> tuple[engine.Line, ...]:
    return tuple((i, rule, points) for i, rule, points in json.loads(text))


@settings(max_examples=150, deadline=None)
@given(
    rulesets(),
    st.lists(person(), min_size=1, max_size=6),
    st.integers(-400, 400).map(lambda d: TODAY + timedelta(days=d)),
)
def test_the_columnar_engine_gives_what_the_pure_engine_gives(
    compiled: rules.Compiled,
    people: list[tuple[list[engine.RecordIn], list[engine.MembershipIn]]],
    today: date,
) -> None:
    keys, records, held = _frames(people)
    scored = columnar.score_frame(compiled, keys, records, held, today)
    assert scored.get_column("subject").to_list() == keys  # one row a person, in their order
    for (records_in, held_in), (_, total, grade, lines) in zip(
        people, scored.iter_rows(), strict=True
    ):
        expected = engine.score(compiled, records_in, held_in, today)
        assert (total, grade) == (expected.total, expected.grade)
        assert _as_lines(lines) == expected.lines
        assert json.loads(lines) == [list(line) for line in expected.lines]  # as stored


def test_a_person_without_records_gets_the_base_and_the_bonus() -> None:
    compiled = rules.compile_ruleset(rules.shipped())
    keys, records, held = _frames([([], [])])
    scored = columnar.score_frame(compiled, keys, records, held, TODAY)
    expected = engine.score(compiled, [], [], TODAY)
    assert scored.row(0)[1:3] == (expected.total, expected.grade)
    assert _as_lines(scored.row(0)[3]) == expected.lines


def _latest_rows(pop: Population) -> dict[Any, tuple[str, int, str, list[Any]]]:
    with pop.runtime.scope() as session:
        rows = session.query(SubjectScore).order_by(SubjectScore.computed_at).all()
        return {r.subject_id: (r.ruleset_version, r.score, r.grade, r.lines) for r in rows}


def _check_against_pure(pop: Population, at: datetime) -> None:
    stored = _latest_rows(pop)
    with pop.runtime.scope() as session:
        _, document = catalog_service.active_document(session)
        compiled = scoring_service.active_rules(session)
        found = scoring_service.load_inputs(
            session, document, pop.subjects, now=at, settings=pop.runtime.settings
        )
    assert sum(len(records) for records, _ in found.values()) > len(pop.subjects) // 4
    for sid, (records_in, held_in) in found.items():
        expected = engine.score(compiled, records_in, held_in, day_of(at))
        assert stored[sid] == (
            compiled.version,
            expected.total,
            expected.grade,
            [list(line) for line in expected.lines],
        )


def _check_states(pop: Population) -> None:
    """The credit states the run brought up to date (their grade patched in bulk) are what the
    state rule gives from the facts."""
    with pop.runtime.scope() as session:
        report = state_service.rebuild(session, check=True)
    assert report.persons >= len(pop.subjects)
    assert (report.differing, report.missing, report.extra) == (0, 0, 0), report.examples


def _recompute(pop: Population, at: datetime) -> scoring_service.Computed:
    with pop.runtime.scope() as session:
        return scoring_service.recompute_full(
            session, settings=pop.runtime.settings, actor=SYSTEM, now=at
        )


def test_a_recompute_stores_what_the_pure_engine_gives_for_each_person(runtime: Any) -> None:
    """Through the database: records of every kind and age and a repaired one; each stored row
    is the pure engine over that person's inputs as ``load_inputs`` reads them (the path of one
    person's score on request). Now, the stored states hold (read in bulk as JSON); at a past
    moment (before they were computed) every one is recomputed from its facts."""
    pop = build_population(runtime, count=40, seed=17)
    kinds = [
        "tax-arrears",
        "court-judgment-defaulter",
        "tax-late-filing",
        "outstanding-volunteer",
        "moral-exemplar",
        "credit-commitment",
    ]
    today = day_of(utcnow())
    for i, sid in enumerate(pop.subjects):
        for j in range(i % 5):  # every fifth person has no record (and no state row)
            pop.add_record(sid, kinds[(i + j) % len(kinds)], today - timedelta(days=200 * j + i))
    repaired = pop.add_record(pop.subjects[1], "tax-arrears", today - timedelta(days=9))
    pop.set_status(repaired, "repaired", pop.subjects[1])
    now = utcnow()
    done = _recompute(pop, now)
    assert (done.computed, done.changed) == (len(pop.subjects), len(pop.subjects))
    _check_against_pure(pop, now)
    _check_states(pop)
    assert _recompute(pop, now).changed == 0  # unchanged: nothing written
    past = now - timedelta(days=400)
    assert _recompute(pop, past).changed > 0
    _check_against_pure(pop, past)
    _check_states(pop)
