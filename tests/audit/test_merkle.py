"""RFC 9162 hashing and proofs against the RFC 6962 test vectors of certificate-transparency /
Trillian (transparency-dev/merkle testonly/constants.go and proof/verify_test.go)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.audit import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
H = {
    "96a2": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f08": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    "bc1a": "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca85": "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37e": "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "fac5": "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "6e34": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "0ebc": "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "b086": "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
}
# (leaf index, tree size, proof): the vectors use 1-based leaves, converted here.
INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a2", "5f08", "6b47"]),
    (5, 8, ["bc1a", "ca85", "d37e"]),
    (2, 3, ["fac5"]),
    (1, 5, ["6e34", "5f08", "bc1a"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a2", "5f08", "6b47"]),
    (6, 8, ["0ebc", "ca85", "d37e"]),
    (2, 5, ["5f08", "bc1a"]),
    (6, 7, ["0ebc", "b086", "d37e"]),
]
HASHES = [merkle.leaf_hash(d) for d in LEAVES]
SOURCE = merkle.ListSource(HASHES)


def _proof(names: list[str]) -> list[bytes]:
    return [bytes.fromhex(H[n]) for n in names]


def test_roots_match_the_reference_for_every_size() -> None:
    for size in range(len(LEAVES) + 1):
        assert merkle.root(HASHES[:size]) == ROOTS[size]
        assert merkle.tree_root(size, SOURCE) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "names"), INCLUSION)
def test_inclusion_proofs_match_and_verify(index: int, size: int, names: list[str]) -> None:
    proof = _proof(names)
    assert merkle.inclusion_proof(index, size, SOURCE) == proof
    assert merkle.verify_inclusion(index, size, HASHES[index], proof, ROOTS[size])
    # Wrong index, size, leaf, root, or a changed proof: all rejected.
    assert not merkle.verify_inclusion(index + 1, size, HASHES[index], proof, ROOTS[size])
    assert not merkle.verify_inclusion(index, size * 2, HASHES[index], proof, ROOTS[size])
    assert not merkle.verify_inclusion(index, size, b"wrong", proof, ROOTS[size])
    assert not merkle.verify_inclusion(index, size, HASHES[index], proof, ROOTS[0])
    assert not merkle.verify_inclusion(
        index, size, HASHES[index], [*proof, ROOTS[size]], ROOTS[size]
    )
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        assert not merkle.verify_inclusion(index, size, HASHES[index], bad, ROOTS[size])


@pytest.mark.parametrize(("first", "second", "names"), CONSISTENCY)
def test_consistency_proofs_match_and_verify(first: int, second: int, names: list[str]) -> None:
    proof = _proof(names)
    assert merkle.consistency_proof(first, second, SOURCE) == proof
    assert merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)
    if proof:
        assert not merkle.verify_consistency(first, second, ROOTS[second], ROOTS[first], proof)
        assert not merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], [])
        assert not merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], proof[:-1])
        assert not merkle.verify_consistency(
            first, second, ROOTS[first], ROOTS[second], [*proof, ROOTS[first]]
        )
        for i in range(len(proof)):
            bad = list(proof)
            bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
            assert not merkle.verify_consistency(first, second, ROOTS[first], ROOTS[second], bad)


def test_trivial_consistency_cases() -> None:
    assert merkle.verify_consistency(0, 0, ROOTS[0], ROOTS[0], [])
    assert merkle.verify_consistency(0, 5, ROOTS[0], ROOTS[5], [])
    assert not merkle.verify_consistency(1, 1, ROOTS[1], ROOTS[2], [])
    assert not merkle.verify_consistency(2, 1, ROOTS[2], ROOTS[1], [])
    assert not merkle.verify_consistency(1, 1, ROOTS[1], ROOTS[1], [ROOTS[0]])


@given(st.integers(min_value=1, max_value=300), st.data())
def test_every_proof_of_random_trees_verifies(size: int, data: st.DataObject) -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    source = merkle.ListSource(leaves)
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    top = merkle.root(leaves)
    assert merkle.verify_inclusion(
        index, size, leaves[index], merkle.inclusion_proof(index, size, source), top
    )
    proof = merkle.consistency_proof(first, size, source)
    assert merkle.verify_consistency(first, size, merkle.root(leaves[:first]), top, proof)
