"""Rewards: epochs (admin), an address's rewards with proofs and claim status, claim preparation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.engagements.schemas import TxOut
from api.kit.money import BaseUnits

EPOCH_MAX = 2**63 - 1


class EpochComputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chain: str = Field(max_length=64, description="Chain registry name or id (the distributor's chain)")
    epoch: int = Field(ge=0, le=EPOCH_MAX, description="Epoch number on the distributor (never reused)")
    period_start: AwareDatetime = Field(description="Activity from this instant (inclusive, UTC)")
    period_end: AwareDatetime = Field(description="Activity before this instant; must be confirmed in the index")


class EpochOut(BaseModel):
    chain_id: int
    distributor: str
    token: str
    epoch: int
    period_start: datetime
    period_end: datetime
    root: str
    total: BaseUnits
    leaf_count: int
    confirmed_block: int = Field(description="The chain's confirmed block the epoch was computed at")
    rules: dict[str, Any]
    published: bool = Field(description="RootPublished of this epoch is indexed (pending or confirmed)")
    publish_transactions: list[TxOut] = Field(
        description="Send in this order from a wallet holding DISTRIBUTOR_ROLE and the total in LNC")


class RewardItem(BaseModel):
    chain_id: int
    distributor: str
    token: str
    epoch: int
    leaf_index: int
    amount: BaseUnits
    decimals: int = 18
    points: int
    rebate: BaseUnits
    breakdown: dict[str, Any]
    root: str
    proof: list[str]
    published: bool = Field(description="The root is published on chain (indexed)")
    claimed: bool = Field(description="An indexed Claimed event exists for this leaf (pending or confirmed)")
    claim_confirmed: bool
    claim_tx: str | None


class RewardsOut(BaseModel):
    address: str
    items: list[RewardItem]


class ClaimPrepareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chain: str = Field(max_length=64, description="Chain registry name or id")
    account: str | None = Field(None, max_length=42, description="One of my linked wallets; default: my first")


class PreparedTxs(BaseModel):
    chain_id: int
    transactions: list[TxOut] = Field(description="Send in this order, from the named wallet")
