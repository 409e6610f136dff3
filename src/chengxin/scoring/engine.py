"""The scoring engine: pure functions from a subject's counted records, list memberships and a day
to a score with its line-by-line explanation (PIPL Art. 24). No database here: the service loads
the inputs set-based and passes plain tuples; the same inputs always give the same score.

The lines add up to the total: the base, one line per record (its rule and decayed points), one
line per list membership, the domain cap adjustments, the clean-years bonus, and a bounds line
when the total was clamped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from chengxin.scoring.rules import Compiled

# (record id, kind code, domain, category, severity, finding date)
RecordIn = tuple[str, str, str, str, str | None, date]
# (entry id, list type, list kind red|black)
MembershipIn = tuple[str, str, str]
# (record or entry id, None for the base, caps, bonus and bounds; rule; points)
Line = tuple[str | None, str, int]


@dataclass(frozen=True)
class Score:
    total: int
    grade: str
    lines: tuple[Line, ...]
    ruleset_version: str


def full_years(since: date, today: date) -> int:
    """Full years from ``since`` to ``today`` (0 when ``since`` is later)."""
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    return max(years, 0)


def _record_lines(
    rules: Compiled,
    records: Sequence[RecordIn],
    today: date,
    lines: list[Line],
    sums: tuple[dict[str, int], dict[str, int]],
) -> date | None:
    """One line per counted record, in finding order, summed per domain into ``sums`` (good,
    dishonest); returns the last dishonest finding."""
    good, bad = sums
    last_dishonest: date | None = None
    decay, last = rules.decay, len(rules.decay) - 1
    kind_points, class_points = rules.kind_points, rules.class_points
    for record_id, kind, domain, category, severity, finding in sorted(
        records, key=lambda r: (r[5], r[0])
    ):
        if category == "good":
            points = max(kind_points.get(kind, class_points["good", None]), 0)
        elif category == "dishonest":
            points = min(kind_points.get(kind, class_points["dishonest", severity]), 0)
            if last_dishonest is None or finding > last_dishonest:
                last_dishonest = finding
        else:
            continue  # basic information carries no points
        percent = decay[min(full_years(finding, today), last)]
        points = int(points * percent / 100)
        rule = f"{category}:{kind}" if percent == 100 else f"{category}:{kind}@{percent}%"  # noqa: PLR2004
        lines.append((record_id, rule, points))
        if points > 0:
            good[domain] = good.get(domain, 0) + points
        elif points < 0:
            bad[domain] = bad.get(domain, 0) + points
    return last_dishonest


def _cap_lines(
    rules: Compiled, sums: tuple[dict[str, int], dict[str, int]], lines: list[Line]
) -> None:
    """What each domain gives beyond its caps, taken back."""
    good, bad = sums
    for domain in sorted(good):
        cap = rules.caps.get(domain, rules.cap_default)[0]
        if good[domain] > cap:
            lines.append((None, f"cap:{domain}:good", cap - good[domain]))
    for domain in sorted(bad):
        cap = rules.caps.get(domain, rules.cap_default)[1]
        if bad[domain] < cap:
            lines.append((None, f"cap:{domain}:dishonest", cap - bad[domain]))


def score(
    rules: Compiled,
    records: Sequence[RecordIn],
    memberships: Sequence[MembershipIn],
    today: date,
) -> Score:
    """The subject's score on ``today`` under ``rules``."""
    lines: list[Line] = [(None, "base", rules.base)]
    sums: tuple[dict[str, int], dict[str, int]] = ({}, {})
    last_dishonest = _record_lines(rules, records, today, lines, sums)
    _cap_lines(rules, sums, lines)
    for entry_id, list_type, kind in sorted(memberships):
        points = rules.list_type_points.get(list_type, rules.list_points.get(kind, 0))
        points = max(points, 0) if kind == "red" else min(points, 0)
        lines.append((entry_id, f"list:{kind}:{list_type}", points))
    years = rules.bonus_years
    if last_dishonest is not None:
        years = min(full_years(last_dishonest, today), years)
    if years and rules.bonus_per_year:
        lines.append((None, f"clean-years:{years}", years * rules.bonus_per_year))
    total = sum(line[2] for line in lines)
    clamped = min(max(total, rules.low), rules.high)
    if clamped != total:
        lines.append((None, "bounds", clamped - total))
    return Score(clamped, rules.grade_of(clamped), tuple(lines), rules.version)


def boundary_years(rules: Compiled) -> int:
    """How many yearly anniversaries of a finding can change a score (decay steps, bonus)."""
    return max(len(rules.decay) - 1, rules.bonus_years)
