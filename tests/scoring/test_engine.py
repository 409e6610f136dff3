"""The engine's rules as properties (issue 9): bounds, monotonicity, determinism, explanation."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chengxin.scoring import engine, rules

SHIPPED = rules.compile_ruleset(rules.shipped())
TODAY = date(2026, 11, 29)
KINDS = [
    ("tax-arrears", "taxation", "dishonest", "general"),
    ("tax-late-filing", "taxation", "dishonest", "minor"),
    ("court-judgment-defaulter", "judicial", "dishonest", "serious"),
    ("penalty-food-drug", "food-drug", "dishonest", "general"),
    ("outstanding-volunteer", "volunteer", "good", None),
    ("moral-exemplar", "general", "good", None),
    ("volunteer-hours", "volunteer", "good", None),
    ("credit-commitment", "general", "basic", None),
]
LISTS = [("red-volunteer", "red"), ("tax-serious", "black"), ("court-defaulter", "black")]


@st.composite
def record(draw: st.DrawFn, category: str | None = None, prefix: str = "r") -> engine.RecordIn:
    choices = [k for k in KINDS if category is None or k[2] == category]
    kind, domain, cat, severity = draw(st.sampled_from(choices))
    finding = TODAY - timedelta(days=draw(st.integers(0, 3650)))
    return (f"{prefix}{draw(st.integers(0, 10**9))}", kind, domain, cat, severity, finding)


records = st.lists(record(), max_size=25, unique_by=lambda r: r[0])
memberships = st.lists(
    st.tuples(st.text("abcdef0123", min_size=4, max_size=8), st.sampled_from(LISTS)).map(
        lambda t: (t[0], t[1][0], t[1][1])
    ),
    max_size=3,
    unique_by=lambda m: m[0],
)


def _rank(grade: str) -> int:
    return SHIPPED.grade_order[grade]


@settings(max_examples=300)
@given(records, memberships)
def test_within_bounds_and_lines_add_up(
    rs: list[engine.RecordIn], ms: list[engine.MembershipIn]
) -> None:
    result = engine.score(SHIPPED, rs, ms, TODAY)
    assert SHIPPED.low <= result.total <= SHIPPED.high
    assert sum(points for _, _, points in result.lines) == result.total
    assert result.grade == SHIPPED.grade_of(result.total)
    assert result.ruleset_version == "2026.1"
    counted = {line[0] for line in result.lines if line[0]}
    assert counted == {r[0] for r in rs if r[3] != "basic"} | {m[0] for m in ms}


@settings(max_examples=300)
@given(records, memberships, record(category="good", prefix="new"))
def test_a_good_record_never_lowers(
    rs: list[engine.RecordIn], ms: list[engine.MembershipIn], good: engine.RecordIn
) -> None:
    before = engine.score(SHIPPED, rs, ms, TODAY)
    after = engine.score(SHIPPED, [*rs, good], ms, TODAY)
    assert after.total >= before.total
    assert _rank(after.grade) >= _rank(before.grade)


@settings(max_examples=300)
@given(records, memberships, record(category="dishonest", prefix="new"))
def test_a_dishonest_record_never_raises(
    rs: list[engine.RecordIn], ms: list[engine.MembershipIn], bad: engine.RecordIn
) -> None:
    before = engine.score(SHIPPED, rs, ms, TODAY)
    after = engine.score(SHIPPED, [*rs, bad], ms, TODAY)
    assert after.total <= before.total
    assert _rank(after.grade) <= _rank(before.grade)


@given(records, memberships, st.randoms(use_true_random=False))
def test_deterministic_whatever_the_order(
    rs: list[engine.RecordIn], ms: list[engine.MembershipIn], rng: random.Random
) -> None:
    first = engine.score(SHIPPED, rs, ms, TODAY)
    shuffled, shuffled_ms = list(rs), list(ms)
    rng.shuffle(shuffled)
    rng.shuffle(shuffled_ms)
    assert engine.score(SHIPPED, shuffled, shuffled_ms, TODAY) == first


def test_a_clean_person_gets_the_base_and_the_bonus() -> None:
    result = engine.score(SHIPPED, [], [], TODAY)
    assert result.lines == ((None, "base", 1000), (None, "clean-years:5", 50))
    assert (result.total, result.grade) == (1050, "A")


def test_decay_caps_and_bonus_explain_themselves() -> None:
    two_years = TODAY.replace(year=2024)
    rs = [
        ("a", "tax-arrears", "taxation", "dishonest", "general", two_years),
        ("b", "court-judgment-defaulter", "judicial", "dishonest", "serious", TODAY),
        *[(f"v{i}", "outstanding-volunteer", "volunteer", "good", None, TODAY) for i in range(5)],
    ]
    result = engine.score(SHIPPED, rs, [("e1", "tax-serious", "black")], TODAY)
    lines = {line[0] or line[1]: line for line in result.lines}
    assert lines["a"] == ("a", "dishonest:tax-arrears@60%", -24)
    assert lines["b"] == ("b", "dishonest:court-judgment-defaulter", -200)
    assert lines["cap:volunteer:good"][2] == 200 - 300
    assert lines["e1"] == ("e1", "list:black:tax-serious", -300)
    assert not any(line[1].startswith("clean-years") for line in result.lines)
    assert result.total == 1000 - 24 - 200 + 200 - 300


def test_full_years_counts_anniversaries() -> None:
    assert engine.full_years(date(2024, 2, 29), date(2025, 2, 28)) == 0
    assert engine.full_years(date(2024, 2, 29), date(2025, 3, 1)) == 1
    assert engine.full_years(date(2027, 1, 1), TODAY) == 0
