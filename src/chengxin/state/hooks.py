"""What keeps the credit state (ADR 0038): installed by ``chengxin.wiring.install()``.

- the Session events that notice changed facts and refresh the touched persons' states before
  the transaction commits (``state.service``);
- scoring's ``SCORES_CHANGED``: new grades reach the persons' states in the same transaction;
- the reader scoring counts a person's records and memberships from (``scoring.sources``).
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from chengxin import events
from chengxin.scoring import sources as scoring_sources
from chengxin.scoring.events import SCORES_CHANGED, ScoresChanged
from chengxin.state import grades as state_grades
from chengxin.state import service as state_service


def _scores_changed(session: Session, payload: ScoresChanged) -> None:
    """A columnar run's grades are put in place in bulk (the persons this cannot be said of are
    recomputed at commit); otherwise the persons are recomputed at commit."""
    if payload.grades is not None:
        left = state_grades.patch(session, payload.grades)
        if left:
            state_service.touch(session, left)
        return
    state_service.touch(session, payload.subject_ids)


def install() -> None:
    """Attach the state's Session listeners (once), subscribe to new scores, provide the reader."""
    for name, listener in state_service.LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    events.subscribe(SCORES_CHANGED, _scores_changed)
    scoring_sources.provide(state_service.states)
