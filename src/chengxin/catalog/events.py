"""What happens to the catalog that packages built on it react to (ADR 0038).

Published through ``chengxin.events`` in the publisher's transaction; the reaction commits or
rolls back with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

KINDS_RESCORED = "catalog.kinds_rescored"
"""An activated version changed what scores read of some kinds: kinds added or removed, or a
kind's sharing level or domain changed (``catalog.service.SCORED_ATTRIBUTES``). Scoring queues a
full recompute (``scoring.on_catalog``)."""


@dataclass(frozen=True, slots=True)
class KindsRescored:
    """The payload of ``KINDS_RESCORED``: the version activated, the kinds (codes, sorted) and
    the moment of the activation."""

    version: str
    kinds: tuple[str, ...]
    now: datetime
