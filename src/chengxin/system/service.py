"""Readiness: the database answers and its schema is at this code's migration head."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from chengxin import migrate


@dataclass(frozen=True)
class Readiness:
    """What /ready reports."""

    database: bool
    schema_revision: str | None
    expected_revision: str | None

    @property
    def ready(self) -> bool:
        """Serving is safe: database reachable and migrations current."""
        return self.database and self.schema_revision == self.expected_revision


def readiness(engine: Engine) -> Readiness:
    """Probe the database and compare migration revisions."""
    expected = migrate.head_revision()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = migrate.current_revision(engine)
    except SQLAlchemyError:
        return Readiness(database=False, schema_revision=None, expected_revision=expected)
    return Readiness(database=True, schema_revision=current, expected_revision=expected)
