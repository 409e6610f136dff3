"""What scoring does when the catalog changes what scores read (ADR 0038): installed by
``chengxin.wiring.install()``.

Scores read the active catalog (a kind's sharing level decides whether its records count, its
domain which cap they fall under), and the catalog, below scoring, cannot call it: it publishes
``catalog.events.KINDS_RESCORED`` when an activation changes either for some kinds.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin import events
from chengxin.catalog.events import KINDS_RESCORED, KindsRescored
from chengxin.jobs import service as jobs_service
from chengxin.scoring import service as scoring_service


def _queue_recompute(session: Session, payload: KindsRescored) -> None:
    """Queue the full score recompute an activation needs, in its transaction (one per
    activation: a version activated again later queues again). Full, not incremental: the
    change feeds the incremental run reads say nothing of the catalog, and whoever holds a
    record of these kinds may be anyone."""
    kinds = list(payload.kinds)
    jobs_service.enqueue(
        session,
        scoring_service.FULL_JOB,
        {
            "reason": f"catalog {payload.version} activated",
            "kinds": kinds[:20],
            "kinds_count": len(kinds),
        },
        idempotency_key=f"scoring-full:catalog:{payload.version}:{payload.now.isoformat()}",
        now=payload.now,
    )


def install() -> None:
    """A catalog activation that changes what scores read queues a full recompute."""
    events.subscribe(KINDS_RESCORED, _queue_recompute)
