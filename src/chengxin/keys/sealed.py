"""Sealing a JSON value into one row: AES-GCM under the active data key, bound to the row.

Used by tables that keep a person's own words or files (objections, statements, repair
applications, evidence, the archive of repaired records): the associated data names the table
and the row, so a ciphertext copied into another row or table does not open.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from chengxin.keys.keyring import Keyring


def aad_of(table: str, row_id: uuid.UUID) -> bytes:
    """Associated data binding a sealed value to its table and row."""
    return table.encode() + b":" + row_id.bytes


def seal(ring: Keyring, table: str, row_id: uuid.UUID, value: Any) -> tuple[bytes, str]:
    """The sealed JSON of ``value`` and the key it is under."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return ring.encrypt(text, aad_of(table, row_id), ring.active), ring.active


def unseal(ring: Keyring, table: str, row_id: uuid.UUID, sealed: bytes, key_id: str) -> Any:
    """The value sealed by :func:`seal` in this row."""
    return json.loads(ring.decrypt(sealed, aad_of(table, row_id), key_id))
