"""What key management tells the packages built on it (ADR 0038): ``events.publish`` payloads."""

from __future__ import annotations

from dataclasses import dataclass

DATA_REENCRYPTED = "keys.data-reencrypted"
"""One batch of a table's sealed rows moved under the active data key (``DataReencrypted``),
published in the batch's transaction: the audit log records it."""


@dataclass(frozen=True)
class DataReencrypted:
    """``count`` rows of the table declared as ``label`` (``keys.sealed.SealedTable``), until now
    under ``from_keys``, are now under ``active_key``."""

    label: str
    count: int
    from_keys: frozenset[str]
    active_key: str
