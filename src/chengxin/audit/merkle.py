"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and their verification.

Pure functions, no database: the log stores perfect subtrees and hands them in through a
:class:`HashSource`. A *node* ``(level, index)`` is the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 nodes are leaf hashes.

Proof construction follows the recursive definitions of RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1
(PROOF / SUBPROOF), expressed as leaf ranges; each range is the hash of one or more perfect
nodes, so a proof is planned first (which nodes), fetched in one go, then computed.
Verification is exactly the algorithm of §2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]  # (level, index): a perfect subtree


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): where MTH splits."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves (the empty tree's root is SHA-256 of nothing)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    # Fold the perfect subtrees of the binary decomposition of the size, right to left.
    nodes = [reduce_perfect(leaf_hashes[a:b]) for a, b in _decompose(0, len(leaf_hashes))]
    return fold_right(nodes)


def reduce_perfect(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree (its length is a power of two) from its base hashes."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def fold_right(nodes: Sequence[bytes]) -> bytes:
    """MTH of a left-aligned range from its perfect nodes, largest first."""
    acc = nodes[-1]
    for node in reversed(nodes[:-1]):
        acc = node_hash(node, acc)
    return acc


def _decompose(start: int, end: int) -> list[tuple[int, int]]:
    """Leaf ranges of the perfect subtrees that make up ``[start, end)``, largest first.

    Every range of the RFC recursion starts at a multiple of a power of two at least its
    length, so the decomposition is the binary expansion of its length."""
    out = []
    while start < end:
        size = 1 << ((end - start).bit_length() - 1)
        while start % size:
            size >>= 1
        out.append((start, start + size))
        start += size
    return out


def range_nodes(start: int, end: int) -> list[Node]:
    """The perfect nodes whose right fold is MTH(D[start:end])."""
    return [
        ((b - a).bit_length() - 1, a >> ((b - a).bit_length() - 1))
        for a, b in _decompose(start, end)
    ]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges of PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), leaf side first."""
    if not 0 <= index < size:
        msg = f"leaf {index} is not in a tree of size {size}"
        raise ValueError(msg)
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """Leaf ranges of PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1), in proof order."""
    if not 0 < first <= second:
        msg = f"no consistency proof from {first} to {second}"
        raise ValueError(msg)
    out: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, second, first, True
    # SUBPROOF(m, D[lo:hi], b), unrolled: each step appends the sibling after recursing.
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                out.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    out.reverse()
    return out


class HashSource(Protocol):
    """Where perfect node hashes come from (memory in tests, tiles in the database)."""

    def nodes(self, wanted: Sequence[Node]) -> dict[Node, bytes]:
        """The hashes of the given perfect nodes (all must exist)."""
        ...


class ListSource:
    """A :class:`HashSource` over leaf hashes in memory (tests, small trees)."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.leaves = list(leaf_hashes)

    def nodes(self, wanted: Sequence[Node]) -> dict[Node, bytes]:
        """Computes each node from its leaves."""
        return {(lv, i): reduce_perfect(self.leaves[i << lv : (i + 1) << lv]) for lv, i in wanted}


def _resolve(ranges: Sequence[tuple[int, int]], source: HashSource) -> list[bytes]:
    plans = [range_nodes(a, b) for a, b in ranges]
    wanted = sorted({n for plan in plans for n in plan})
    got = source.nodes(wanted)
    return [fold_right([got[n] for n in plan]) for plan in plans]


def tree_root(size: int, source: HashSource) -> bytes:
    """MTH(D[0:size]) from a hash source."""
    if size == 0:
        return EMPTY_ROOT
    return _resolve([(0, size)], source)[0]


def inclusion_proof(index: int, size: int, source: HashSource) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
    return _resolve(inclusion_ranges(index, size), source)


def consistency_proof(first: int, second: int, source: HashSource) -> list[bytes]:
    """The consistency proof between the trees of ``first`` and ``second`` leaves."""
    if first == second:
        return []
    return _resolve(consistency_ranges(first, second), source)


def plan_nodes(ranges: Iterable[tuple[int, int]]) -> set[Node]:
    """Every perfect node needed to compute these ranges (for batch fetching)."""
    return {n for a, b in ranges for n in range_nodes(a, b)}


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show that ``leaf`` is at ``leaf_index`` under root?"""
    if leaf_index >= tree_size or leaf_index < 0:
        return False
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(  # noqa: C901  # the RFC's steps, one to one
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``second`` leaves an append-only extension of ``first``?

    Equal sizes are consistent with an empty proof when the roots are equal; an empty first
    tree is consistent with anything (nothing to prove), as in the reference implementations.
    """
    if first < 0 or second < first:
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0
