"""Lancer's reputation schemas. Changing a definition string changes its UID: add a new schema instead.

All three are registered without a resolver (anyone may attest with them; trust comes from *who*
attested, which verifiers check against Lancer's published attester addresses) and are revocable,
because a review obtained by fraud or a skill found to be misrepresented must be withdrawable.
"""

from __future__ import annotations

from eth_abi import encode as abi_encode
from eth_utils import keccak

from contracts.eas.schemas import EasSchema
from indexer.core.addresses import checksum

MILESTONE_REVIEW = EasSchema(
    key="milestone_review",
    title="Lancer milestone review",
    definition=(
        "address client, address freelancer, bytes32 escrow, uint8 rating, uint256 amount, bytes32 reviewHash"
    ),
    description="A client's review of a freelancer for one paid escrow milestone.",
    field_docs={
        "client": "the client who paid the milestone (usually the attester's counterparty)",
        "freelancer": "the freelancer reviewed; also the attestation's recipient",
        "escrow": "milestone reference: keccak256(abi.encode(uint256 chainId, address escrow, uint256 milestoneIndex))",
        "rating": "1 to 5 stars",
        "amount": "amount released for the milestone, in the escrow token's base units",
        "reviewHash": "keccak256 of the review text as stored by Lancer (the text itself stays off-chain)",
    },
)

ENGAGEMENT_COMPLETED = EasSchema(
    key="engagement_completed",
    title="Lancer completed engagement",
    definition=(
        "address client, address freelancer, bytes32 escrow, address token, uint256 totalAmount, "
        "uint16 milestones, uint64 completedAt"
    ),
    description="An escrow engagement that ended with every milestone released.",
    field_docs={
        "client": "the client of the engagement",
        "freelancer": "the freelancer; also the attestation's recipient",
        "escrow": "engagement reference: keccak256(abi.encode(uint256 chainId, address escrow, uint256 2**256-1))",
        "token": "the ERC-20 the escrow paid in (zero address for the native currency)",
        "totalAmount": "total released to the freelancer, in the token's base units",
        "milestones": "number of milestones released",
        "completedAt": "unix time of the last release (block timestamp)",
    },
)

VERIFIED_SKILL = EasSchema(
    key="verified_skill",
    title="Lancer verified skill",
    definition="string skill, uint8 level, bytes32 evidenceHash",
    description="A skill Lancer verified for the recipient.",
    field_docs={
        "skill": "skill name, lower case, e.g. 'solidity'",
        "level": "1 (beginner) to 5 (expert)",
        "evidenceHash": "keccak256 of the evidence bundle Lancer reviewed (kept off-chain)",
    },
)

LANCER_SCHEMAS: tuple[EasSchema, ...] = (MILESTONE_REVIEW, ENGAGEMENT_COMPLETED, VERIFIED_SKILL)
ENGAGEMENT_INDEX = 2**256 - 1  # stands for "the whole engagement" where a milestone index would go


def by_key(key: str) -> EasSchema:
    for schema in LANCER_SCHEMAS:
        if schema.key == key:
            return schema
    raise KeyError(f"no Lancer schema {key!r}")


def by_uid(uid: str) -> EasSchema | None:
    wanted = uid.lower()
    return next((s for s in LANCER_SCHEMAS if s.uid == wanted), None)


def milestone_ref(chain_id: int, escrow: str, milestone_index: int = ENGAGEMENT_INDEX) -> bytes:
    """The bytes32 `escrow` field: one value per (chain, escrow contract, milestone), never ambiguous."""
    return keccak(abi_encode(["uint256", "address", "uint256"], [chain_id, checksum(escrow), milestone_index]))
