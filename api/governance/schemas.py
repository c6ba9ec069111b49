"""Governance: LNC votes of addresses at a block, in the shape Snapshot's `api` / `api-post` strategies read."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.kit.money import BaseUnits

MAX_ADDRESSES = 1000


class Score(BaseModel):
    address: str
    score: BaseUnits = Field(description="Votes in LNC base units (decimal string); the strategy's `decimals` is 18")


class VotesOut(BaseModel):
    chain_id: int
    token: str
    block: int
    decimals: int = 18
    confirmed: bool = Field(description="The block is at or below the chain's confirmed block")
    score: list[Score] = Field(description="Votes of each address at the block (getPastVotes semantics)")


class SnapshotPostIn(BaseModel):
    """The body Snapshot's `api-post` strategy sends."""
    model_config = ConfigDict(extra="ignore")
    network: str | int = Field(description="Chain id (Snapshot's network), or a registry name")
    snapshot: int | str = Field("latest", description="Block number, or 'latest' (the confirmed block)")
    addresses: list[str] = Field(max_length=MAX_ADDRESSES)
    options: dict[str, Any] = Field(default_factory=dict)
