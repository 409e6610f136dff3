"""What happens to scores that packages built on them react to (ADR 0038).

Published through ``chengxin.events`` in the publisher's transaction; the reaction commits or
rolls back with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import polars as pl

SCORES_CHANGED = "scoring.scores_changed"
"""Persons got a new score row (score, grade, lines or ruleset version changed). The credit
state, which holds the grade in force, brings theirs up to date before the transaction commits
(``state.hooks``)."""


@dataclass(frozen=True, slots=True)
class GradesWritten:
    """What a columnar run read of its changed persons, so that their stored credit states can
    have the new grade put in place in bulk rather than be recomputed from their facts.

    ``rows``: one row per changed person: ``subject`` (the key as the database spells it in
    text), ``grade`` (the new one), ``later`` (1: the person has a grade row valid after the
    run's moment), ``state`` (the stored state's text as the run read it, null without a row)
    and ``holds_then`` (1: that state holds at ``written_at``)."""

    rows: pl.DataFrame
    written_at: datetime


@dataclass(frozen=True, slots=True)
class ScoresChanged:
    """The payload of ``SCORES_CHANGED``."""

    subject_ids: tuple[uuid.UUID | str, ...]  # str: the key as the database spells it in text
    grades: GradesWritten | None = None  # a columnar run's bulk form of the same persons
