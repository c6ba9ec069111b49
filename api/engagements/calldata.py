"""The unsigned transactions of an escrow's life, built locally (no node): ABI-encoded calls on the
EscrowFactory, the Escrow and the ERC20, and the escrow's address predicted the way the factory's
``predictEscrowAddress`` computes it (an EIP-1167 clone deployed with CREATE2)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

ZERO_ADDRESS = "0x" + "00" * 20
# The EIP-1167 minimal proxy's creation code around the implementation address (as OpenZeppelin's Clones).
_CLONE_PREFIX = bytes.fromhex("3d602d80600a3d3981f3363d3d373d3d3d363d73")
_CLONE_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")


@dataclass(frozen=True)
class Tx:
    description: str
    chain_id: int
    to: str
    data: str
    value: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"description": self.description, "chainId": self.chain_id, "to": self.to, "data": self.data,
                "value": str(self.value)}


def _call(signature: str, types: list[str], args: list[Any]) -> str:
    return "0x" + (function_signature_to_4byte_selector(signature) + encode(types, args)).hex()


def engagement_salt(engagement_id: uuid.UUID) -> bytes:
    """The createEscrowDeterministic salt: one per engagement, so one escrow address per engagement and client."""
    return keccak(b"lancer.engagement.v1:" + engagement_id.bytes)


def metadata_hash(engagement_id: uuid.UUID, chain_id: int, token: str, client: str, freelancer: str,
                  amounts: list[int], review_period: int) -> bytes:
    """keccak256 of the engagement's canonical terms: the escrow carries it, so anyone holding the terms
    can check which engagement an escrow pays."""
    terms = {"v": 1, "engagement": str(engagement_id), "chain_id": chain_id, "token": token, "client": client,
             "freelancer": freelancer, "amounts": [str(a) for a in amounts], "review_period": review_period}
    return keccak(json.dumps(terms, sort_keys=True, separators=(",", ":")).encode())


def intent_salt(intent_id: uuid.UUID) -> bytes:
    """The salt of an escrow-as-a-service intent (another domain than engagements: never the same address)."""
    return keccak(b"lancer.escrow-intent.v1:" + intent_id.bytes)


def intent_metadata_hash(intent_id: uuid.UUID, owner: uuid.UUID, external_id: str, chain_id: int, token: str,
                         client: str, freelancer: str, amounts: list[int], review_period: int) -> bytes:
    """keccak256 of an intent's canonical terms, with the integrating platform's own ``external_id``."""
    terms = {"v": 1, "intent": str(intent_id), "owner": str(owner), "external_id": external_id,
             "chain_id": chain_id, "token": token, "client": client, "freelancer": freelancer,
             "amounts": [str(a) for a in amounts], "review_period": review_period}
    return keccak(json.dumps(terms, sort_keys=True, separators=(",", ":")).encode())


def predict_escrow_address(factory: str, implementation: str, creator: str, salt: bytes) -> str:
    """EscrowFactory.predictEscrowAddress(creator, salt): CREATE2 by the factory of the clone's creation code,
    with the salt bound to the creator (keccak256(abi.encode(creator, salt)))."""
    bound = keccak(encode(["address", "bytes32"], [creator, salt]))
    init_code = _CLONE_PREFIX + bytes.fromhex(implementation[2:]) + _CLONE_SUFFIX
    digest = keccak(b"\xff" + bytes.fromhex(factory[2:]) + bound + keccak(init_code))
    return to_checksum_address(digest[12:])


def approve(chain_id: int, token: str, spender: str, amount: int) -> Tx:
    return Tx("approve the escrow to pull the total", chain_id, token,
              _call("approve(address,uint256)", ["address", "uint256"], [spender, amount]))


def create_escrow(chain_id: int, factory: str, client: str, freelancer: str, arbiter: str, token: str,
                  amounts: list[int], review_period: int, meta: bytes, salt: bytes) -> Tx:
    return Tx("create the escrow at the predicted address", chain_id, factory, _call(
        "createEscrowDeterministic(address,address,address,address,uint256[],uint64,bytes32,bytes32)",
        ["address", "address", "address", "address", "uint256[]", "uint64", "bytes32", "bytes32"],
        [client, freelancer, arbiter, token, amounts, review_period, meta, salt]))


def fund(chain_id: int, escrow: str, token: str, total: int) -> Tx:
    return Tx("fund the escrow with the total", chain_id, escrow, _call("fund()", [], []),
              total if token == ZERO_ADDRESS else 0)


@dataclass(frozen=True)
class EscrowPlan:
    """Everything a client's wallet needs to create and fund one deterministic escrow."""

    escrow: str
    salt: bytes
    metadata_hash: bytes
    txs: list[Tx]


def plan_escrow(chain_id: int, factory: str, implementation: str, client: str, freelancer: str, arbiter: str,
                token: str, amounts: list[int], review_period: int, meta: bytes, salt: bytes) -> EscrowPlan:
    """approve (ERC20 only), createEscrowDeterministic, fund, and the address the escrow will have: shared by
    the marketplace's contracts and escrow-as-a-service intents."""
    escrow = predict_escrow_address(factory, implementation, client, salt)
    total = sum(amounts)
    txs = [] if token == ZERO_ADDRESS else [approve(chain_id, token, escrow, total)]
    txs.append(create_escrow(chain_id, factory, client, freelancer, arbiter, token, amounts, review_period, meta,
                             salt))
    txs.append(fund(chain_id, escrow, token, total))
    return EscrowPlan(escrow, salt, meta, txs)


def escrow_action(chain_id: int, escrow: str, action: str, milestone: int | None, note_hash: bytes) -> Tx:
    """accept | submit | release | dispute | refund, on one escrow."""
    calls: dict[str, tuple[str, list[str], list[Any]]] = {
        "accept": ("accept()", [], []),
        "submit": ("submitMilestone(uint256,bytes32)", ["uint256", "bytes32"], [milestone, note_hash]),
        "release": ("releaseMilestone(uint256)", ["uint256"], [milestone]),
        "dispute": ("openDispute(uint256,bytes32)", ["uint256", "bytes32"], [milestone, note_hash]),
        "refund": ("refundMilestone(uint256)", ["uint256"], [milestone]),
    }
    signature, types, args = calls[action]
    label = action if milestone is None else f"{action} milestone {milestone}"
    return Tx(label, chain_id, escrow, _call(signature, types, args))
