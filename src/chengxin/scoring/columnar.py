"""The columnar scoring engine (issue 17, ADR 0031): the rules of ``engine.score`` as Polars
expressions over a batch of persons at once, for the full and incremental recomputes.

``score_frame`` is the whole rule on frames: points per record by kind or category and severity,
decay by full years since the finding, caps per domain, own list memberships, the clean-years
bonus, bounds and grades, and the explanation lines as the JSON text stored in
``subject_score.lines`` (``[[id|null, rule, points], …]``, in the pure engine's order). The pure
engine stays the reference: a Hypothesis property checks that both give the same score, grade
and lines for any person (``tests/scoring/test_columnar.py``); one person's score on request
(``service.compute``) is still the pure engine.

``score_batch`` is one batch of a recompute run: the persons' credit states read in bulk
(PostgreSQL: ``COPY … TO STDOUT`` in CSV straight into Polars; SQLite: the driver's cursor), the
stored JSON decoded by Polars, scored, compared with each person's latest row in bulk, and only
the changed rows written (PostgreSQL: ``COPY`` into a temporary staging table and one
``INSERT … SELECT``; SQLite: one ``executemany``). A state row outside its span at the run's
moment is recomputed from its facts by the state's reader (``scoring.sources``) as every reader
does (the sweep keeps them few). The changed persons are told with ``SCORES_CHANGED``, carrying
what the run read of their states: the state package puts the new grade in place in bulk.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from chengxin import events
from chengxin.catalog.schema import CatalogDocument
from chengxin.records.visibility import AudienceKind, shareable_kinds
from chengxin.scoring import rules, sources
from chengxin.scoring.events import SCORES_CHANGED, GradesWritten, ScoresChanged
from chengxin.settings import Settings
from chengxin.workdays.days import day_of

RECORDS_SCHEMA = {
    "subject": pl.String,
    "id": pl.String,
    "kind": pl.String,
    "domain": pl.String,
    "category": pl.String,
    "severity": pl.String,
    "finding": pl.Date,
}
MEMBERSHIPS_SCHEMA = {
    "subject": pl.String,
    "entry_id": pl.String,
    "list_type": pl.String,
    "kind": pl.String,
}
_LINES_SCHEMA = {
    "subject": pl.String,
    "section": pl.Int8,
    "k1": pl.String,
    "k2": pl.String,
    "k3": pl.String,
    "line": pl.String,
    "points": pl.Int64,
}
# The stored state (``state.rule.encode``): records are arrays [id, kind, category, severity,
# finding]; memberships objects; only what scoring reads is decoded.
_STATE_DTYPE = pl.Struct(
    {
        "records": pl.List(pl.List(pl.String)),
        "memberships": pl.List(
            pl.Struct(
                {
                    "entry_id": pl.String,
                    "list_type": pl.String,
                    "kind": pl.String,
                    "via_organization": pl.String,
                }
            )
        ),
        "disputed": pl.List(pl.String),
    }
)
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime on SQLite


# -- the rule on frames ---------------------------------------------------------------------------


def _full_years(finding: pl.Expr, today: date) -> pl.Expr:
    """``engine.full_years`` as an expression."""
    later_in_year = (finding.dt.month().cast(pl.Int32) * 100 + finding.dt.day().cast(pl.Int32)) > (
        today.month * 100 + today.day
    )
    years = pl.lit(today.year, pl.Int32) - finding.dt.year().cast(pl.Int32)
    return (years - later_in_year.cast(pl.Int32)).clip(lower_bound=0)


def quoted(frame: pl.DataFrame, column: str) -> pl.Expr:
    """The column's values as JSON strings (few distinct values: rules, kinds, domains)."""
    values = frame.get_column(column).unique().to_list()
    return pl.col(column).replace_strict({v: json.dumps(v) for v in values}, return_dtype=pl.String)


def _record_lines(compiled: rules.Compiled, records: pl.DataFrame, today: date) -> pl.DataFrame:
    """One row per counted record: its decayed points and its rule (``engine._record_lines``)."""
    records = records.filter(pl.col("category").is_in(["good", "dishonest"]))
    severity_points = {
        s: p for (c, s), p in compiled.class_points.items() if c == "dishonest" and s is not None
    }
    unknown = records.filter(
        (pl.col("category") == "dishonest")
        & pl.col("severity").is_not_null()
        & ~pl.col("severity").is_in(list(severity_points))
    )
    if unknown.height:  # the pure engine fails on it too (no points for such a severity)
        raise KeyError(("dishonest", unknown.get_column("severity")[0]))
    kind = pl.col("kind")
    good = kind.replace_strict(
        compiled.kind_points, default=compiled.class_points["good", None], return_dtype=pl.Int64
    ).clip(lower_bound=0)
    by_severity = (
        pl.col("severity")
        .replace_strict(severity_points, default=None, return_dtype=pl.Int64)
        .fill_null(compiled.class_points["dishonest", None])
    )
    bad = kind.replace_strict(
        compiled.kind_points, default=by_severity, return_dtype=pl.Int64
    ).clip(upper_bound=0)
    last = len(compiled.decay) - 1
    decay = dict(enumerate(compiled.decay))
    percent = (
        _full_years(pl.col("finding"), today)
        .clip(upper_bound=last)
        .replace_strict(decay, return_dtype=pl.Int64)
    )
    return records.with_columns(
        base=pl.when(pl.col("category") == "good").then(good).otherwise(bad), percent=percent
    ).with_columns(
        points=(pl.col("base") * pl.col("percent") / 100).cast(pl.Int64),  # int(): toward 0
        rule=pl.when(pl.col("percent") == 100)  # noqa: PLR2004
        .then(pl.col("category") + ":" + kind)
        .otherwise(pl.col("category") + ":" + kind + "@" + pl.col("percent").cast(pl.String) + "%"),
    )


def _cap_lines(compiled: rules.Compiled, counted: pl.DataFrame) -> pl.DataFrame:
    """What each domain gives beyond its caps, taken back (``engine._cap_lines``)."""
    sums = counted.group_by("subject", "domain").agg(
        good=pl.col("points").filter(pl.col("points") > 0).sum(),
        bad=pl.col("points").filter(pl.col("points") < 0).sum(),
        has_good=(pl.col("points") > 0).any(),
        has_bad=(pl.col("points") < 0).any(),
    )
    cap_good = pl.col("domain").replace_strict(
        {d: c[0] for d, c in compiled.caps.items()},
        default=compiled.cap_default[0],
        return_dtype=pl.Int64,
    )
    cap_bad = pl.col("domain").replace_strict(
        {d: c[1] for d, c in compiled.caps.items()},
        default=compiled.cap_default[1],
        return_dtype=pl.Int64,
    )
    sums = sums.with_columns(cap_good=cap_good, cap_bad=cap_bad)
    over = sums.filter(pl.col("has_good") & (pl.col("good") > pl.col("cap_good"))).select(
        "subject",
        section=pl.lit(2, pl.Int8),
        k1=pl.col("domain"),
        rule_domain=pl.col("domain"),
        kind=pl.lit("good"),
        points=pl.col("cap_good") - pl.col("good"),
    )
    under = sums.filter(pl.col("has_bad") & (pl.col("bad") < pl.col("cap_bad"))).select(
        "subject",
        section=pl.lit(3, pl.Int8),
        k1=pl.col("domain"),
        rule_domain=pl.col("domain"),
        kind=pl.lit("dishonest"),
        points=pl.col("cap_bad") - pl.col("bad"),
    )
    return pl.concat([over, under]).with_columns(
        rule=pl.lit("cap:") + pl.col("rule_domain") + ":" + pl.col("kind")
    )


def _membership_lines(compiled: rules.Compiled, held: pl.DataFrame) -> pl.DataFrame:
    by_kind = pl.col("kind").replace_strict(compiled.list_points, default=0, return_dtype=pl.Int64)
    points = pl.col("list_type").replace_strict(
        compiled.list_type_points, default=by_kind, return_dtype=pl.Int64
    )
    return held.with_columns(
        points=pl.when(pl.col("kind") == "red")
        .then(points.clip(lower_bound=0))
        .otherwise(points.clip(upper_bound=0)),
        rule=pl.lit("list:") + pl.col("kind") + ":" + pl.col("list_type"),
    )


def _line(identifier: pl.Expr, rule: pl.Expr, points: pl.Expr) -> pl.Expr:
    """One explanation line as JSON text (``rule`` already quoted)."""
    return pl.concat_str(
        [
            pl.lit("["),
            identifier,
            pl.lit(", "),
            rule,
            pl.lit(", "),
            points.cast(pl.String),
            pl.lit("]"),
        ]
    )


def score_frame(
    compiled: rules.Compiled,
    subjects: Sequence[str],
    records: pl.DataFrame,
    memberships: pl.DataFrame,
    today: date,
) -> pl.DataFrame:
    """Every subject's score on ``today``: columns ``subject``, ``score``, ``grade`` and
    ``lines`` (the explanation as JSON text, ``engine.score``'s lines in its order).
    ``records``: the counted records (``RECORDS_SCHEMA``); ``memberships``: own published
    memberships (``MEMBERSHIPS_SCHEMA``)."""
    people = pl.DataFrame({"subject": list(subjects)}, schema={"subject": pl.String})
    counted = _record_lines(compiled, records, today)
    caps = _cap_lines(compiled, counted)
    held = _membership_lines(compiled, memberships)
    quote = pl.lit('"')
    record_lines = counted.select(
        "subject",
        section=pl.lit(1, pl.Int8),
        k1=pl.col("finding").cast(pl.String),
        k2=pl.col("id"),
        k3=pl.lit(""),
        line=_line(quote + pl.col("id") + quote, quoted(counted, "rule"), pl.col("points")),
        points="points",
    )
    cap_lines = caps.select(
        "subject",
        "section",
        "k1",
        k2=pl.lit(""),
        k3=pl.lit(""),
        line=_line(pl.lit("null"), quoted(caps, "rule"), pl.col("points")),
        points="points",
    )
    list_lines = held.select(
        "subject",
        section=pl.lit(4, pl.Int8),
        k1=pl.col("entry_id"),
        k2=pl.col("list_type"),
        k3=pl.col("kind"),
        line=_line(quote + pl.col("entry_id") + quote, quoted(held, "rule"), pl.col("points")),
        points="points",
    )
    last_dishonest = (
        counted.filter(pl.col("category") == "dishonest")
        .group_by("subject")
        .agg(last=pl.col("finding").max())
    )
    years = pl.lit(compiled.bonus_years, pl.Int64)
    bonus = people.join(last_dishonest, on="subject", how="left").with_columns(
        years=pl.when(pl.col("last").is_null())
        .then(years)
        .otherwise(pl.min_horizontal(_full_years(pl.col("last"), today).cast(pl.Int64), years))
    )
    bonus_lines = bonus.filter(
        (pl.col("years") > 0) & pl.lit(bool(compiled.bonus_per_year))
    ).select(
        "subject",
        section=pl.lit(5, pl.Int8),
        k1=pl.lit(""),
        k2=pl.lit(""),
        k3=pl.lit(""),
        line=_line(
            pl.lit("null"),
            pl.lit('"clean-years:') + pl.col("years").cast(pl.String) + pl.lit('"'),
            pl.col("years") * compiled.bonus_per_year,
        ),
        points=pl.col("years") * compiled.bonus_per_year,
    )
    base_lines = people.select(
        "subject",
        section=pl.lit(0, pl.Int8),
        k1=pl.lit(""),
        k2=pl.lit(""),
        k3=pl.lit(""),
        line=pl.lit(f'[null, "base", {compiled.base}]'),
        points=pl.lit(compiled.base, pl.Int64),
    )
    parts = (base_lines, record_lines, cap_lines, list_lines, bonus_lines)
    lines = pl.concat([f.cast(_LINES_SCHEMA) for f in parts])  # type: ignore[arg-type]
    totals = lines.group_by("subject").agg(raw=pl.col("points").sum())
    totals = totals.with_columns(score=pl.col("raw").clip(compiled.low, compiled.high))
    bounds = totals.filter(pl.col("score") != pl.col("raw")).select(
        "subject",
        section=pl.lit(6, pl.Int8),
        k1=pl.lit(""),
        k2=pl.lit(""),
        k3=pl.lit(""),
        line=_line(pl.lit("null"), pl.lit('"bounds"'), pl.col("score") - pl.col("raw")),
        points=pl.col("score") - pl.col("raw"),
    )
    text = (
        pl.concat([lines, bounds.cast(_LINES_SCHEMA)])  # type: ignore[arg-type]
        .sort("subject", "section", "k1", "k2", "k3")
        .group_by("subject", maintain_order=True)
        .agg(lines=pl.lit("[") + pl.col("line").str.join(", ") + pl.lit("]"))
    )
    grade = pl.lit(compiled.grades[-1][1])
    for low, name in reversed(compiled.grades):
        grade = pl.when(pl.col("score") >= low).then(pl.lit(name)).otherwise(grade)
    return (
        people.join(totals.select("subject", "score"), on="subject", how="left")
        .join(text, on="subject", how="left")
        .with_columns(grade=grade, score=pl.col("score").cast(pl.Int64))
        .select("subject", "score", "grade", "lines")
    )


# -- reading a batch's inputs in bulk -------------------------------------------------------------


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def raw_connection(session: Session) -> Any:
    """The driver's connection under the session's transaction (psycopg or sqlite3)."""
    return session.connection().connection.driver_connection


def key_of(session: Session, subject_id: uuid.UUID) -> str:
    """A person's key as the database spells it in text (PostgreSQL: dashed; SQLite: hex)."""
    return subject_id.hex if dialect_of(session) == "sqlite" else str(subject_id)


def sqlite_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime(_SQLITE_TIME)


def _pg_where(ids: Sequence[uuid.UUID], *, whole_span: bool) -> tuple[str, list[Any]]:
    if whole_span:
        return "subject_id BETWEEN %s AND %s", [ids[0], ids[-1]]
    return "subject_id = ANY(%s)", [list(ids)]


def _sqlite_where(ids: Sequence[uuid.UUID], *, whole_span: bool) -> tuple[str, list[Any]]:
    if whole_span:
        return "subject_id BETWEEN ? AND ?", [ids[0].hex, ids[-1].hex]
    return f"subject_id IN ({', '.join('?' * len(ids))})", [i.hex for i in ids]


def _copy_out(
    session: Session, query: str, params: list[Any], schema: dict[str, Any]
) -> pl.DataFrame:
    """``COPY (query) TO STDOUT`` as CSV, read by Polars."""
    buffer = io.BytesIO()
    with (
        raw_connection(session).cursor() as cursor,
        cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)", params) as copy,
    ):
        for block in copy:
            buffer.write(block)
    if not buffer.tell():
        return pl.DataFrame(schema=schema)
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)


def _fetch(session: Session, query: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    rows = raw_connection(session).execute(query, params).fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _read(
    session: Session,
    table_query: tuple[str, str],
    ids: Sequence[uuid.UUID],
    *,
    whole_span: bool,
    extra: list[Any],
    schema: dict[str, Any],
) -> pl.DataFrame:
    """Run the PostgreSQL or SQLite spelling of a query over the batch's persons."""
    if dialect_of(session) == "postgresql":
        where, params = _pg_where(ids, whole_span=whole_span)
        return _copy_out(session, table_query[0].format(where=where), [*extra, *params], schema)
    where, params = _sqlite_where(ids, whole_span=whole_span)
    return _fetch(session, table_query[1].format(where=where), [*extra, *params], schema)


_STATES = (
    (
        "SELECT subject_id, state, CASE WHEN as_of <= %s AND (next_change_at IS NULL OR "
        "next_change_at > %s) THEN 1 ELSE 0 END, CASE WHEN as_of <= %s AND (next_change_at IS "
        "NULL OR next_change_at > %s) THEN 1 ELSE 0 END FROM credit_state WHERE {where}"
    ),
    (
        "SELECT subject_id, state, CASE WHEN as_of <= ? AND (next_change_at IS NULL OR "
        "next_change_at > ?) THEN 1 ELSE 0 END, CASE WHEN as_of <= ? AND (next_change_at IS "
        "NULL OR next_change_at > ?) THEN 1 ELSE 0 END FROM credit_state WHERE {where}"
    ),
)
_STATES_SCHEMA = {
    "subject": pl.String,
    "state": pl.String,
    "in_span": pl.Int8,
    "holds_then": pl.Int8,
}


def _moment(session: Session, at: datetime) -> Any:
    return at if dialect_of(session) == "postgresql" else sqlite_time(at)


def read_states(
    session: Session,
    ids: Sequence[uuid.UUID],
    *,
    at: datetime,
    whole_span: bool,
    then: datetime | None = None,
) -> pl.DataFrame:
    """The persons' stored credit states, whether each holds at ``at`` (``in_span``) and at
    ``then`` (``holds_then``; the moment the run writes, when it patches the grade)."""
    moment, later = _moment(session, at), _moment(session, then or at)
    return _read(
        session,
        _STATES,
        ids,
        whole_span=whole_span,
        extra=[moment, moment, later, later],
        schema=_STATES_SCHEMA,
    )


def inputs(
    session: Session,
    document: CatalogDocument,
    ids: Sequence[uuid.UUID],
    *,
    at: datetime,
    settings: Settings,
    whole_span: bool,
    then: datetime | None = None,
) -> tuple[list[str], pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The batch's persons (keys), counted records and own memberships at ``at`` (what
    ``service.load_inputs`` gives, read in bulk), and their stored states (``read_states``)."""
    keys = [key_of(session, i) for i in ids]
    states = read_states(session, ids, at=at, whole_span=whole_span, then=then)
    stale = states.filter(pl.col("in_span") == 0).get_column("subject").to_list()
    fresh = states.filter(pl.col("in_span") == 1)
    decoded = fresh.select("subject", pl.col("state").str.json_decode(_STATE_DTYPE)).unnest("state")
    recs = decoded.select("subject", "records").explode("records").drop_nulls("records")
    records = recs.select(
        "subject",
        id=pl.col("records").list.get(0),
        kind=pl.col("records").list.get(1),
        category=pl.col("records").list.get(2),
        severity=pl.col("records").list.get(3),
        finding=pl.col("records").list.get(4).str.to_date("%Y-%m-%d"),
    )
    held = (
        decoded.select("subject", "memberships")
        .explode("memberships")
        .drop_nulls("memberships")
        .unnest("memberships")
        .filter(pl.col("via_organization").is_null())
        .select("subject", "entry_id", "list_type", "kind")
    )
    disputed = (
        decoded.select("subject", pl.col("disputed").alias("id")).explode("id").drop_nulls("id")
    )
    if stale:
        extra = _stale_inputs(session, stale, at)
        records = pl.concat([records, extra[0]])
        held = pl.concat([held, extra[1]])
        disputed = pl.concat([disputed, extra[2]])
    shared = shareable_kinds(document, AudienceKind.GOVERNMENT)
    domains = {k.code: k.domain for k in document.kinds if k.code in shared}
    records = records.filter(
        pl.col("kind").is_in(list(domains)) & (pl.col("category") != "basic")
    ).with_columns(domain=pl.col("kind").replace_strict(domains, return_dtype=pl.String))
    if settings.scoring_exclude_disputed and disputed.height:
        records = records.join(disputed, on=["subject", "id"], how="anti")
    return keys, records.select(list(RECORDS_SCHEMA)), held, states


def _stale_inputs(
    session: Session, stale: list[str], at: datetime
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Persons whose stored state does not hold at ``at``: recomputed from their facts."""
    by_key = {s: uuid.UUID(s) for s in stale}
    found = sources.states(session, list(by_key.values()), at=at)
    recs: list[tuple[Any, ...]] = []
    held: list[tuple[str, ...]] = []
    disputed: list[tuple[str, str]] = []
    for key, sid in by_key.items():
        state = found[sid]
        recs.extend(
            (key, str(r.id), r.kind_code, r.category, r.severity, r.finding_on)
            for r in state.records
        )
        held.extend(
            (key, str(m.entry_id), m.list_type, m.kind)
            for m in state.memberships
            if m.via_organization is None
        )
        disputed.extend((key, str(d)) for d in state.disputed)
    record_schema = {k: v for k, v in RECORDS_SCHEMA.items() if k != "domain"}
    return (
        pl.DataFrame(recs, schema=record_schema, orient="row"),
        pl.DataFrame(held, schema=MEMBERSHIPS_SCHEMA, orient="row"),
        pl.DataFrame(disputed, schema={"subject": pl.String, "id": pl.String}, orient="row"),
    )


_LATEST = (
    (
        "SELECT DISTINCT ON (subject_id) subject_id, ruleset_version, score, grade, lines::text, "
        "max(CASE WHEN valid_from > %s THEN 1 ELSE 0 END) OVER (PARTITION BY subject_id) "
        "FROM subject_score WHERE {where} ORDER BY subject_id, computed_at DESC"
    ),
    (
        "SELECT s.subject_id, s.ruleset_version, s.score, s.grade, s.lines, n.later "
        "FROM subject_score s JOIN (SELECT subject_id, max(computed_at) AS at, "
        "max(CASE WHEN valid_from > ? THEN 1 ELSE 0 END) AS later FROM subject_score "
        "WHERE {where} GROUP BY subject_id) n "
        "ON s.subject_id = n.subject_id AND s.computed_at = n.at"
    ),
)
_LATEST_SCHEMA = {
    "subject": pl.String,
    "old_version": pl.String,
    "old_score": pl.Int64,
    "old_grade": pl.String,
    "old_lines": pl.String,
    "later": pl.Int8,
}


def _changed(scored: pl.DataFrame, latest: pl.DataFrame, version: str) -> pl.DataFrame:
    """The scored rows that differ from the person's latest row (the lines compared as JSON
    when their text differs: the stored spelling is the database's)."""
    joined = scored.join(latest, on="subject", how="left")
    same_head = (
        (pl.col("old_version") == version)
        & (pl.col("old_score") == pl.col("score"))
        & (pl.col("old_grade") == pl.col("grade"))
    ).fill_null(value=False)
    unchanged = same_head & (pl.col("old_lines") == pl.col("lines")).fill_null(value=False)
    doubtful = joined.filter(same_head & ~unchanged)
    if doubtful.height:
        equal = [
            json.loads(new) == json.loads(old)
            for new, old in doubtful.select("lines", "old_lines").iter_rows()
        ]
        settled = doubtful.filter(pl.Series(equal)).get_column("subject")
        return joined.filter(~unchanged & ~pl.col("subject").is_in(settled.implode()))
    return joined.filter(~unchanged)


# -- writing --------------------------------------------------------------------------------------

_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS score_stage (subject_id uuid, ruleset_version text, "
    "score integer, grade text, lines text) ON COMMIT DELETE ROWS"
)
_MOVE = (
    "WITH moved AS (DELETE FROM score_stage RETURNING *) "
    "INSERT INTO subject_score (id, subject_id, ruleset_version, score, grade, lines, "
    "computed_at, valid_from) SELECT gen_random_uuid(), subject_id, ruleset_version, score, "
    "grade, lines::jsonb, %s, %s FROM moved"
)
_INSERT = (
    "INSERT INTO subject_score (id, subject_id, ruleset_version, score, grade, lines, "
    "computed_at, valid_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def write(
    session: Session,
    rows: pl.DataFrame,
    version: str,
    *,
    written_at: datetime,
    valid_from: datetime,
) -> None:
    """Add these score rows (``subject``, ``score``, ``grade``, ``lines``) to the history."""
    if not rows.height:
        return
    out = rows.select(
        "subject", version=pl.lit(version), score="score", grade="grade", lines="lines"
    )
    raw = raw_connection(session)
    if dialect_of(session) == "postgresql":
        with raw.cursor() as cursor:
            cursor.execute(_STAGE)
            with cursor.copy("COPY score_stage FROM STDIN (FORMAT csv)") as copy:
                copy.write(out.write_csv(include_header=False))
            cursor.execute(_MOVE, [written_at, valid_from])
        return
    computed, valid = sqlite_time(written_at), sqlite_time(valid_from)
    raw.executemany(
        _INSERT,
        [
            (uuid.uuid4().hex, s, v, score, grade, lines, computed, valid)
            for s, v, score, grade, lines in out.iter_rows()
        ],
    )


def score_batch(
    session: Session,
    document: CatalogDocument,
    compiled: rules.Compiled,
    ids: Sequence[uuid.UUID],
    *,
    now: datetime,
    written_at: datetime,
    settings: Settings,
    whole_span: bool = False,
) -> int:
    """Score these persons (in subject-id order) as of ``now``, add a row for each whose score,
    grade, lines or ruleset version changed, and bring their credit states up to date (the new
    grade); returns how many rows were written."""
    if not ids:
        return 0
    keys, records, held, states = inputs(
        session,
        document,
        ids,
        at=now,
        settings=settings,
        whole_span=whole_span,
        then=written_at,
    )
    scored = score_frame(compiled, keys, records, held, day_of(now))
    latest = _read(
        session,
        _LATEST,
        ids,
        whole_span=whole_span,
        extra=[_moment(session, now)],
        schema=_LATEST_SCHEMA,
    )
    changed = _changed(scored, latest, compiled.version)
    write(session, changed, compiled.version, written_at=written_at, valid_from=now)
    if changed.height:  # their credit states take the new grade (state.hooks)
        rows = changed.select("subject", "grade", "later").join(
            states.select("subject", "state", "holds_then"), on="subject", how="left"
        )
        events.publish(
            session,
            SCORES_CHANGED,
            ScoresChanged(
                tuple(rows.get_column("subject").to_list()), GradesWritten(rows, written_at)
            ),
        )
    return changed.height
