"""contracts/merkle.py: proofs verify, tampering fails, and trees equal OpenZeppelin's JS library's."""

from __future__ import annotations

import json
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.build import REPO_ROOT
from contracts.merkle import Claim, MerkleTree, build, leaf_hash, process_proof, verify

address_st = st.integers(1, 2**160 - 1).map(lambda n: "0x" + n.to_bytes(20, "big").hex())
claims_st = st.lists(
    st.tuples(st.integers(0, 2**256 - 1), address_st, st.integers(1, 2**256 - 1)),
    min_size=1, max_size=33, unique_by=lambda c: c[0],
).map(lambda cs: [Claim(*c) for c in cs])


@settings(max_examples=150, deadline=None)
@given(claims=claims_st, data=st.data())
def test_every_proof_verifies_and_tampering_fails(claims: list[Claim], data: st.DataObject) -> None:
    tree = MerkleTree(claims)
    assert tree.total == sum(c.amount for c in claims)
    for c in claims:
        proof = tree.proof(c.index)
        assert len(proof) <= len(claims).bit_length()
        assert verify(tree.root, c, proof)
        assert not verify(tree.root, Claim(c.index, c.account, c.amount ^ 1), proof)
        assert not verify(tree.root, Claim(c.index ^ 1, c.account, c.amount), proof)
    # order of input does not matter: leaves are sorted by hash
    shuffled = data.draw(st.permutations(claims))
    assert MerkleTree(shuffled).root == tree.root
    # a leaf is never an internal node's preimage: a 64-byte node cannot pass for a leaf
    if len(claims) > 1:
        c = claims[0]
        proof = tree.proof(c.index)
        inner = process_proof(leaf_hash(c.index, c.account, c.amount), proof[:1])
        assert inner not in {leaf_hash(x.index, x.account, x.amount) for x in claims}


def test_validation() -> None:
    a = "0x" + "11" * 20
    with pytest.raises(ValueError, match="at least one"):
        MerkleTree([])
    with pytest.raises(ValueError, match="duplicate leaf index 3"):
        MerkleTree([Claim(3, a, 1), Claim(3, a, 2)])
    with pytest.raises(ValueError, match="amount"):
        build([(a, 0)])
    with pytest.raises(ValueError, match="account"):
        build([("0x" + "00" * 20, 1)])
    with pytest.raises(ValueError, match="account"):
        build([("0x1234", 1)])
    with pytest.raises(ValueError, match="index"):
        MerkleTree([Claim(-1, a, 1)])
    tree = build([(a, 5)])
    assert tree.root == leaf_hash(0, a, 5) and tree.proof(0) == []
    assert tree.claims[0].account == "0x1111111111111111111111111111111111111111"
    with pytest.raises(KeyError):
        tree.proof(1)


_OZ_JS = """
const {StandardMerkleTree} = require('@openzeppelin/merkle-tree');
const values = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const t = StandardMerkleTree.of(values, ['uint256', 'address', 'uint256']);
console.log(JSON.stringify({root: t.root, proofs: values.map((_, i) => t.getProof(i))}));
"""


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_same_tree_as_openzeppelin_js(n: int) -> None:
    """Same root and proofs as @openzeppelin/merkle-tree (locked in package-lock.json, a dependency of
    the EAS SDK), so either side can build an epoch's tree."""
    tree = build([("0x" + f"{i * 977 + 5:040x}", (i + 1) * 10**18 + i) for i in range(n)])
    values = [[str(c.index), c.account, str(c.amount)] for c in tree.claims.values()]
    proc = subprocess.run(["node", "-e", _OZ_JS], input=json.dumps(values).encode(), capture_output=True,
                          cwd=REPO_ROOT, check=True, timeout=60)
    out = json.loads(proc.stdout)
    assert out["root"] == "0x" + tree.root.hex()
    assert out["proofs"] == [["0x" + p.hex() for p in tree.proof(i)] for i in range(n)]
