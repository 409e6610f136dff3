"""A columnar scoring run's new grades put into the stored credit states in bulk (issue 17,
ADR 0031): moved here from ``scoring.columnar`` (issue 21), which now tells the changed persons
with ``SCORES_CHANGED`` and what it read of their states (``GradesWritten``); ``state.hooks``
calls :func:`patch` in the run's transaction.

The patch is what ``rule.state_of`` gives when only a grade row valid from the run's moment was
added: the stored text with its grade replaced (``rule.encode`` writes the grade as the top-level
key before ``next_change_at``), without reading the persons' facts.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from chengxin.scoring import columnar
from chengxin.scoring.events import GradesWritten
from chengxin.state.rule import CreditState, encode

# The stored state's grade (``state.rule.encode``: the top-level key before ``next_change_at``).
_GRADE = r'^(.*,"grade":)(?:null|"(?:[^"\\]|\\.)*")(,"next_change_at":[^,\]]*\})$'
_STATE_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS state_stage (subject_id uuid, state text) "
    "ON COMMIT DELETE ROWS"
)
_STATE_MOVE = (
    "WITH moved AS (DELETE FROM state_stage RETURNING *) "
    "INSERT INTO credit_state (subject_id, state, as_of, next_change_at) "
    "SELECT subject_id, state, %s, NULL FROM moved ON CONFLICT (subject_id) "
    "DO UPDATE SET state = excluded.state, as_of = excluded.as_of"
)
_STATE_UPSERT = (
    "INSERT INTO credit_state (subject_id, state, as_of, next_change_at) VALUES (?, ?, ?, NULL) "
    "ON CONFLICT (subject_id) DO UPDATE SET state = excluded.state, as_of = excluded.as_of"
)


def patch(session: Session, written: GradesWritten) -> list[str]:
    """Bring the changed persons' credit states up to date with their new grade in bulk: what
    ``state.rule.state_of`` gives at ``written_at`` when only a grade row valid from the run's
    moment was added and the stored state holds then (the grade replaced, ``as_of`` moved; a
    person without a row gets the empty state with the grade). Returns the persons this cannot
    be said of (a later grade row, a state not holding then): their states are recomputed from
    their facts at commit (``state.service.touch``)."""
    rows, written_at = written.rows, written.written_at
    parts = pl.col("state").str.extract_groups(_GRADE)
    rows = rows.with_columns(head=parts.struct.field("1"), tail=parts.struct.field("2"))
    grade = columnar.quoted(rows, "grade")
    no_row = pl.col("state").is_null()
    patchable = (pl.col("later").fill_null(0) == 0) & (
        no_row | ((pl.col("holds_then") == 1) & pl.col("head").is_not_null())
    )
    empty = {g: encode(CreditState(grade=g)) for g in rows.get_column("grade").unique().to_list()}
    patched = rows.filter(patchable).select(
        "subject",
        state=pl.when(no_row)
        .then(pl.col("grade").replace_strict(empty, return_dtype=pl.String))
        .otherwise(pl.col("head") + grade + pl.col("tail")),
    )
    if patched.height:
        raw = columnar.raw_connection(session)
        if columnar.dialect_of(session) == "postgresql":
            with raw.cursor() as cursor:
                cursor.execute(_STATE_STAGE)
                with cursor.copy("COPY state_stage FROM STDIN (FORMAT csv)") as copy:
                    copy.write(patched.write_csv(include_header=False))
                cursor.execute(_STATE_MOVE, [written_at])
        else:
            at = columnar.sqlite_time(written_at)
            raw.executemany(_STATE_UPSERT, [(s, text, at) for s, text in patched.iter_rows()])
    return rows.filter(~patchable).get_column("subject").to_list()
