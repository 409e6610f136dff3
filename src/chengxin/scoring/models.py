"""Integrity points: rulesets with their audited status, scores with their whole history, and
requests for human review (PIPL Art. 24).

A subject's score is never updated in place: a computation that changes the score, grade,
breakdown or ruleset version adds a ``subject_score`` row valid from that moment, so a report can
show the grade as of any date. Sharding: rows about a person carry ``subject_id`` as a plain
indexed column; no foreign key reaches another subject.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, JSONType, UTCDateTime
from chengxin.keys.sealed import ROW, SEALED, SealedTable


class RulesetStatus(StrEnum):
    DRAFT = "draft"  # uploaded; compared in the sandbox, not used
    ACTIVE = "active"  # the one ruleset scores are computed with
    RETIRED = "retired"  # was active; kept for the history of scores


class ReviewStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class ReviewOutcome(StrEnum):
    CONFIRMED = "confirmed"  # a person checked the score: it stands
    RECOMPUTED = "recomputed"  # the score was computed again (e.g. after a correction)


class ScoringRuleset(Base):
    __tablename__ = "scoring_ruleset"
    __table_args__ = {"info": {CHANGES: Tracked(Topic.SCORING, inserts=False)}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the parsed YAML document
    source: Mapped[str] = mapped_column(Text)  # the YAML as uploaded
    digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SubjectScore(Base):
    """One score of a subject, valid from ``valid_from`` until the subject's next row."""

    __tablename__ = "subject_score"
    __table_args__ = (Index("ix_subject_score_subject_computed", "subject_id", "computed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    ruleset_version: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(4))
    lines: Mapped[list[Any]] = mapped_column(JSONType)  # [[record/entry id|null, rule, points]]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the row was written
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)  # the moment it was computed for


class ScoringMark(Base):
    """How far incremental recomputation has read the change feeds."""

    __tablename__ = "scoring_mark"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    record_seq: Mapped[int] = mapped_column(BigInteger)
    list_seq: Mapped[int] = mapped_column(BigInteger)
    through_on: Mapped[date] = mapped_column(Date)  # decay boundaries up to it are applied
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ruleset_version: Mapped[str] = mapped_column(String(32))
    # The catalog version the run scored with: after another is activated the next run is full.
    catalog_version: Mapped[str | None] = mapped_column(String(32))


class ScoreReview(Base):
    """A person's request for human review of their score (PIPL Art. 24)."""

    __tablename__ = "score_review"
    __table_args__ = (
        Index("ix_score_review_status_due", "status", "due_at"),
        {"info": {SEALED: SealedTable("score-review", turn=22, rotated=False)}},
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    score_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the subject_score row reviewed
    ruleset_version: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(10))
    sealed: Mapped[bytes] = mapped_column(LargeBinary, info={SEALED: ROW})  # {"reason", "note"}
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(12))
