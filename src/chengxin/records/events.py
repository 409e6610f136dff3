"""What happens to record versions that packages built on records react to (ADR 0038).

Published through ``chengxin.events`` in the publisher's transaction; the reaction commits or
rolls back with it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from chengxin.security.actor import Actor

RECORDS_WITHDRAWN = "records.withdrawn"
"""Record versions stopped counting by a decision: revoked on an upheld objection, repaired.
Lists react at once (entries resting only on them exit; NDRC Order 36, ADR 0025)."""


@dataclass(frozen=True, slots=True)
class RecordsWithdrawn:
    """The payload of ``RECORDS_WITHDRAWN``."""

    record_ids: tuple[uuid.UUID, ...]
    actor: Actor
    now: datetime
