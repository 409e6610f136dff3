"""Sealing a JSON value into one row: AES-GCM under the active data key, bound to the row.

Used by tables that keep a person's own words or files (objections, statements, repair
applications, evidence, the archive of repaired records): the associated data names the table
and the row, so a ciphertext copied into another row or table does not open.

Every sealed column is declared on its own table, so key rotation (``keys.rotation``) finds it in
the metadata without importing the domain (ADR 0038): the table says how its rows are named and
in which turn rotation reaches it (``Table.info[SEALED]``, a :class:`SealedTable`), each sealed
column how its associated data is made (``Column.info[SEALED]``: a function of the row's key
values, or :data:`ROW` for a value sealed by :func:`seal`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from chengxin.keys.keyring import Keyring

SEALED: Final = "sealed"
"""The ``info`` key of a sealed table's and its sealed columns' declarations."""

ROW: Final = "row"
"""A sealed column's declaration for a value sealed by :func:`seal`: the AAD is
:func:`aad_of` the table's name and the row's key."""

Aad = Callable[..., bytes]
"""The associated data of one sealed value, from its row's key values (in ``keys`` order)."""


@dataclass(frozen=True)
class SealedTable:
    """A table holding sealed columns under a ``key_id`` column (``Table.info[SEALED]``).

    ``label`` names the rotation's audit entries (``keys:<label>:reencrypt``); ``turn`` orders
    the tables rotation goes through (subjects first); ``keys`` are the columns naming a row,
    the AAD's inputs and the batches' order. ``rotated`` False: sealed, but not re-encrypted
    by key rotation (nor counted by ``keys_in_use``)."""

    label: str
    turn: int
    keys: tuple[str, ...] = ("id",)
    rotated: bool = True


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
