"""The audit log's Merkle tree in the database: tiles, integration, proofs, signed tree heads.

Tree level 0 is ``audit_entry.hash`` (by seq: leaf index = seq - 1). A tile row of level
``L >= 1`` holds up to 16 hashes of tree level ``4L``. Any perfect node ``(level, index)`` is
the reduction of at most 8 base hashes of one tile (or of at most 8 leaves), so a proof over a
log of 10^7 entries needs about 25 small rows, fetched in two indexed queries.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import (
    LargeBinary,
    SmallInteger,
    String,
    Table,
    bindparam,
    func,
    insert,
    literal,
    null,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session

from chengxin.audit import merkle
from chengxin.audit.errors import AuditLogCorrupt, LeafNotInTree, NoTreeHead, TreeSizeNotSigned
from chengxin.audit.models import (
    TILE_HEIGHT,
    TILE_WIDTH,
    AuditEntry,
    AuditHead,
    AuditTile,
    AuditTreeHead,
)
from chengxin.keys.keyring import Keyring

H = merkle.HASH_BYTES
STH_PREFIX = b"chengxin-audit-tree-head-v1\n"
_STEP = 1 << 16  # leaves integrated per round: bounded memory for any backlog

_entries = cast("Table", AuditEntry.__table__)
_tiles = cast("Table", AuditTile.__table__)
# One round trip for a proof: the leaves and the tile rows it needs, in one UNION ALL.
_NODES = union_all(
    select(
        literal(0, SmallInteger).label("level"),
        _entries.c.seq.label("idx"),
        _entries.c.hash.label("hex"),
        cast_(null(), LargeBinary).label("blob"),
    ).where(_entries.c.seq.in_(bindparam("seqs", expanding=True))),
    select(
        _tiles.c.level,
        _tiles.c.idx,
        cast_(null(), String).label("hex"),
        _tiles.c.hashes.label("blob"),
    ).where(tuple_(_tiles.c.level, _tiles.c.idx).in_(bindparam("keys", expanding=True))),
    # And how far the tiles reach, so a proof needs no separate size check.
    select(
        literal(-1, SmallInteger).label("level"),
        AuditHead.tree_size.label("idx"),
        cast_(null(), String).label("hex"),
        cast_(null(), LargeBinary).label("blob"),
    ).where(AuditHead.id == 1),
)


def _split(blob: bytes) -> list[bytes]:
    return [blob[i : i + H] for i in range(0, len(blob), H)]


def base_of(node: merkle.Node) -> tuple[int, int, int]:
    """Where a perfect node's base hashes live: (tile level, first base index, count)."""
    level, index = node
    tile_level, rest = divmod(level, TILE_HEIGHT)
    return tile_level, index << rest, 1 << rest


class TileSource:
    """A :class:`merkle.HashSource` over ``audit_entry.hash`` and ``audit_tile``."""

    def __init__(self, session: Session, *, require_size: int = 0) -> None:
        self.session = session
        self.require_size = require_size  # refuse trees the tiles do not cover yet

    def nodes(self, wanted: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
        """Fetches the base hashes of every wanted node in (at most) two queries, reduces them."""
        plans = {node: base_of(node) for node in wanted}
        seqs = sorted({b + 1 for lv, b0, n in plans.values() if lv == 0 for b in range(b0, b0 + n)})
        keys = sorted({(lv, b0 >> TILE_HEIGHT) for lv, b0, _ in plans.values() if lv > 0})
        leaves: dict[int, bytes] = {}
        tiles: dict[tuple[int, int], bytes] = {}
        integrated = 0
        for lv, idx, digest, blob in self.session.execute(_NODES, {"seqs": seqs, "keys": keys}):
            if lv == -1:
                integrated = idx
            elif lv == 0:
                leaves[idx] = bytes.fromhex(digest)
            else:
                tiles[lv, idx] = blob
        if self.require_size > integrated:
            raise TreeSizeNotSigned(f"the tree has not grown to {self.require_size} entries yet")
        out = {}
        for node, (lv, b0, n) in plans.items():
            if lv == 0:
                try:
                    base = [leaves[b + 1] for b in range(b0, b0 + n)]
                except KeyError as exc:
                    raise AuditLogCorrupt(f"entry {exc.args[0]} is missing") from exc
            else:
                blob = tiles.get((lv, b0 >> TILE_HEIGHT), b"")
                offset = (b0 % TILE_WIDTH) * H
                chunk = blob[offset : offset + n * H]
                if len(chunk) != n * H:
                    raise AuditLogCorrupt(f"tile {lv}/{b0 >> TILE_HEIGHT} is short")
                base = _split(chunk)
            out[node] = merkle.reduce_perfect(base)
        return out


_LOCK_HEAD = select(AuditHead.seq, AuditHead.tree_size).where(AuditHead.id == 1).with_for_update()


def lock_head(session: Session) -> tuple[int, int]:
    """Lock the ``audit_head`` row (orders appends and integrations): (last seq, tree size).

    Core rows, not the ORM object, so an earlier read in the session never hides a newer seq."""
    seq, size = session.execute(_LOCK_HEAD).one()
    return int(seq), int(size)


def integrate(session: Session) -> int:
    """Extend the tiles with every entry past the integrated tree size; returns the new size.

    Safe by construction: seq is gapless and, under the ``audit_head`` lock, every seq up to
    ``head.seq`` is committed, so entries past ``tree_size`` never appear out of order."""
    last_seq, integrated = lock_head(session)
    size = integrated
    while size < last_seq:
        end = min(last_seq, size + _STEP)
        _extend(session, size, end)
        size = end
    if size != integrated:
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(tree_size=size))
    return size


def _extend(session: Session, n0: int, n1: int) -> None:
    """Add the perfect nodes completed by leaves ``[n0, n1)`` to the tiles."""
    start = (n0 >> TILE_HEIGHT) << TILE_HEIGHT
    rows = session.execute(
        select(_entries.c.hash)
        .where(_entries.c.seq > start, _entries.c.seq <= n1)
        .order_by(_entries.c.seq)
    ).all()
    if len(rows) != n1 - start:
        raise AuditLogCorrupt(f"entries {start + 1}..{n1} are not gapless")
    below = [bytes.fromhex(r[0]) for r in rows]  # hashes of level 4(L-1) from index `start`
    c0, c1, level = n0, n1, 1
    while (c1 >> TILE_HEIGHT) > (c0 >> TILE_HEIGHT):
        c0, c1 = c0 >> TILE_HEIGHT, c1 >> TILE_HEIGHT  # node counts at tree level 4L
        fresh = [
            merkle.reduce_perfect(below[j * TILE_WIDTH - start : (j + 1) * TILE_WIDTH - start])
            for j in range(c0, c1)
        ]
        first_tile, partial = c0 >> TILE_HEIGHT, c0 % TILE_WIDTH
        prefix: list[bytes] = []
        if partial:
            blob = session.execute(
                select(_tiles.c.hashes).where(_tiles.c.level == level, _tiles.c.idx == first_tile)
            ).scalar_one_or_none()
            prefix = _split(blob or b"")
            if len(prefix) != partial:
                raise AuditLogCorrupt(f"tile {level}/{first_tile} holds {len(prefix)} hashes")
        nodes = prefix + fresh  # level 4L from index first_tile * 16
        start = first_tile * TILE_WIDTH
        new_rows = []
        for t in range(first_tile, ((c1 - 1) >> TILE_HEIGHT) + 1):
            blob = b"".join(
                nodes[(t - first_tile) * TILE_WIDTH : (t - first_tile + 1) * TILE_WIDTH]
            )
            if t == first_tile and partial:
                session.execute(
                    update(AuditTile)
                    .where(AuditTile.level == level, AuditTile.idx == t)
                    .values(hashes=blob)
                )
            else:
                new_rows.append({"level": level, "idx": t, "hashes": blob})
        if new_rows:
            session.execute(insert(_tiles), new_rows)
        below, level = nodes, level + 1


def integrated_size(session: Session) -> int:
    """How many entries the tiles cover."""
    return session.execute(select(AuditHead.tree_size).where(AuditHead.id == 1)).scalar_one()


def root_hash(session: Session, size: int) -> bytes:
    """MTH of the first ``size`` entries (they must be integrated)."""
    return merkle.tree_root(size, TileSource(session))


# -- signed tree heads ---------------------------------------------------------------------------


def tree_head_message(tree_size: int, timestamp_ms: int, root: str) -> bytes:
    """The exact bytes a tree head's Ed25519 signature covers (documented in docs/domains)."""
    return STH_PREFIX + f"{tree_size}\n{timestamp_ms}\n{root}\n".encode("ascii")


def latest_tree_head(session: Session) -> AuditTreeHead | None:
    """The signed tree head of the largest tree, if any."""
    return session.execute(
        select(AuditTreeHead).order_by(AuditTreeHead.tree_size.desc()).limit(1)
    ).scalar_one_or_none()


def latest_tree_head_or_raise(session: Session) -> AuditTreeHead:
    """The latest signed tree head; 404 problem when none was signed yet."""
    head = latest_tree_head(session)
    if head is None:
        raise NoTreeHead("no tree head has been signed yet")
    return head


def sign_tree_head(session: Session, *, keyring: Keyring | None = None) -> AuditTreeHead | None:
    """Integrate, then sign a head for the current tree unless one exists for that size.

    Returns the latest head (None while the log is empty)."""
    ring: Keyring = keyring or session.info["keyring"]
    size = integrate(session)
    latest = latest_tree_head(session)
    if size == 0 or (latest is not None and latest.tree_size >= size):
        return latest
    root = root_hash(session, size).hex()
    stamp = time.time_ns() // 1_000_000
    head = AuditTreeHead(
        tree_size=size,
        root_hash=root,
        timestamp_ms=stamp,
        key_id=ring.signing_key_id,
        signature=ring.sign(tree_head_message(size, stamp, root)),
    )
    session.add(head)
    session.flush()
    return head


def head_covering(session: Session, seq: int) -> AuditTreeHead:
    """The latest signed head, signing a new one first when it does not cover ``seq`` yet."""
    head = latest_tree_head(session)
    if head is None or head.tree_size < seq:
        head = sign_tree_head(session)
    if head is None or head.tree_size < seq:
        raise TreeSizeNotSigned(f"entry {seq} is not in the log")
    return head


# -- proofs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    """Entry ``seq`` (leaf index seq - 1) is in the tree of ``tree_size`` leaves with ``root``."""

    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    root_hash: str


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of ``second`` leaves extends the tree of ``first`` leaves (append-only)."""

    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


def inclusion_proof(session: Session, seq: int, tree_size: int) -> InclusionProof:
    """The RFC 9162 audit path of entry ``seq`` in the tree of ``tree_size`` entries."""
    if not 1 <= seq <= tree_size:
        raise LeafNotInTree(f"entry {seq} is not in a tree of {tree_size} entries")
    index = seq - 1
    ranges = merkle.inclusion_ranges(index, tree_size)
    source = TileSource(session, require_size=tree_size)
    # One fetch for the path, the leaf and the root.
    wanted = merkle.plan_nodes([*ranges, (0, tree_size)]) | {(0, index)}
    got = source.nodes(sorted(wanted))
    path = [merkle.fold_right([got[n] for n in merkle.range_nodes(a, b)]) for a, b in ranges]
    top = merkle.fold_right([got[n] for n in merkle.range_nodes(0, tree_size)])
    return InclusionProof(
        seq, index, tree_size, got[0, index].hex(), [p.hex() for p in path], top.hex()
    )


def consistency_proof(session: Session, first: int, second: int) -> ConsistencyProof:
    """The RFC 9162 consistency proof between the trees of ``first`` and ``second`` entries."""
    if not 1 <= first <= second:
        raise LeafNotInTree(f"no consistency proof from {first} to {second} entries")
    ranges = merkle.consistency_ranges(first, second) if first != second else []
    got = TileSource(session, require_size=second).nodes(
        sorted(merkle.plan_nodes([*ranges, (0, first), (0, second)]))
    )

    def fold(a: int, b: int) -> bytes:
        return merkle.fold_right([got[n] for n in merkle.range_nodes(a, b)])

    return ConsistencyProof(
        first,
        second,
        fold(0, first).hex(),
        fold(0, second).hex(),
        [fold(a, b).hex() for a, b in ranges],
    )


def tree_head_count(session: Session) -> int:
    """How many tree heads were signed."""
    return session.execute(select(func.count()).select_from(AuditTreeHead)).scalar_one()
