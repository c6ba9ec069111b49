"""Chains (registry + indexer status) and deployments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class NativeCurrencyOut(BaseModel):
    name: str
    symbol: str
    decimals: int


class CarbonFactorOut(BaseModel):
    grams_co2e_per_gas: Decimal
    source: str


class ChainOut(BaseModel):
    chain_id: int
    name: str
    display_name: str
    testnet: bool
    local: bool
    explorer_url: str | None
    native_currency: NativeCurrencyOut
    confirmations: int = Field(description="Blocks deep before data counts as confirmed (when no finality tag)")
    finality_tag: str | None
    block_time_seconds: float
    carbon: CarbonFactorOut
    indexed: bool = Field(description="False when no indexer has written this chain yet")
    head_block: int | None = Field(description="Latest block the indexer saw on the node")
    indexed_block: int | None = Field(description="Last block fully written to the index")
    confirmed_block: int | None = Field(description="Data at or below this block is confirmed")
    lag_blocks: int | None
    lag_seconds: float | None = Field(description="Age of the indexed block when the indexer last saw the head; 0 when caught up")
    indexed_block_time: datetime | None
    head_seen_at: datetime | None
    reorg_count: int
    last_reorg_depth: int | None
    last_reorg_at: datetime | None


class ChainList(BaseModel):
    items: list[ChainOut]


class DeployedContractOut(BaseModel):
    name: str
    address: str
    block_number: int
    tx_hash: str | None
    explorer_url: str | None


class ChainDeployment(BaseModel):
    chain_id: int
    chain: str
    deployed: bool
    deployer: str | None = None
    deployed_at: datetime | None = None
    updated_at: datetime | None = None
    contracts: list[DeployedContractOut] = Field(default_factory=list)


class DeploymentList(BaseModel):
    items: list[ChainDeployment]
