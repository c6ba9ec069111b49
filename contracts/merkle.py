"""Off-chain Merkle trees for MerkleDistributor epochs (rewards and fee rebates).

Leaves and tree layout follow OpenZeppelin's standard-merkle-tree, so a root built here equals the one
``@openzeppelin/merkle-tree`` builds for ``["uint256", "address", "uint256"]`` values:

- leaf = keccak256(keccak256(abi.encode(index, account, amount))) - double hashing keeps a 64-byte
  internal node from ever passing for a leaf;
- parent = keccak256(min(a, b) ++ max(a, b)) (sorted pairs, as OpenZeppelin's ``MerkleProof``);
- leaves sorted by hash, stored as a complete binary tree in an array (root at 0, node i has children
  2i+1 and 2i+2, leaves at the end in reverse order).

The contract only checks that a proof leads to the root, so the layout matters for matching other tools,
not for safety.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eth_abi import encode
from eth_utils import is_address, keccak, to_checksum_address

UINT256_MAX = 2**256 - 1


@dataclass(frozen=True)
class Claim:
    """One leaf: `account` may claim `amount` (token base units) as leaf `index` of an epoch."""

    index: int
    account: str
    amount: int


def leaf_hash(index: int, account: str, amount: int) -> bytes:
    """The leaf the contract computes in ``MerkleDistributor.leafHash``."""
    return keccak(keccak(encode(["uint256", "address", "uint256"], [index, account, amount])))


def hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a <= b else keccak(b + a)


def process_proof(leaf: bytes, proof: Iterable[bytes]) -> bytes:
    """The root a proof leads to from `leaf` (what ``MerkleProof.processProof`` computes)."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node


def verify(root: bytes, claim: Claim, proof: Iterable[bytes]) -> bool:
    return process_proof(leaf_hash(claim.index, claim.account, claim.amount), proof) == root


class MerkleTree:
    """A built tree over an epoch's claims: ``root``, ``total`` and a proof for each leaf index."""

    def __init__(self, claims: Sequence[Claim]) -> None:
        if not claims:
            raise ValueError("a Merkle tree needs at least one claim")
        self.claims: dict[int, Claim] = {}
        for c in claims:
            c = _checked(c)
            if c.index in self.claims:
                # The contract's claimed-bitmap is keyed by index: two leaves with one index would
                # let only one of them ever be claimed.
                raise ValueError(f"duplicate leaf index {c.index}")
            self.claims[c.index] = c
        self.total = sum(c.amount for c in self.claims.values())
        leaves = sorted(leaf_hash(c.index, c.account, c.amount) for c in self.claims.values())
        size = 2 * len(leaves) - 1
        tree: list[bytes] = [b""] * size
        for i, leaf in enumerate(leaves):
            tree[size - 1 - i] = leaf
        for i in range(size - 1 - len(leaves), -1, -1):
            tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
        self._tree = tree
        self._position = {leaf: size - 1 - i for i, leaf in enumerate(leaves)}

    @property
    def root(self) -> bytes:
        return self._tree[0]

    def proof(self, index: int) -> list[bytes]:
        """Sibling hashes from leaf `index` up to the root."""
        claim = self.claims.get(index)
        if claim is None:
            raise KeyError(f"no leaf with index {index}")
        pos = self._position[leaf_hash(claim.index, claim.account, claim.amount)]
        proof: list[bytes] = []
        while pos > 0:
            proof.append(self._tree[pos + 1 if pos % 2 else pos - 1])
            pos = (pos - 1) // 2
        return proof


def build(amounts: Iterable[tuple[str, int]]) -> MerkleTree:
    """A tree over (account, amount) pairs, indexed 0.. in the given order."""
    return MerkleTree([Claim(i, account, amount) for i, (account, amount) in enumerate(amounts)])


def _checked(c: Claim) -> Claim:
    if not 0 <= c.index <= UINT256_MAX:
        raise ValueError(f"leaf index out of range: {c.index}")
    if not is_address(c.account) or int(c.account, 16) == 0:
        raise ValueError(f"invalid account: {c.account!r}")
    if not 0 < c.amount <= UINT256_MAX:
        # The contract rejects zero-amount claims; a zero leaf would be unclaimable noise.
        raise ValueError(f"amount must be positive: {c.amount}")
    return Claim(c.index, to_checksum_address(c.account), c.amount)
