"""Staking: an address's position per chain (from the index) and the unsigned staking transactions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from api.kit.money import BaseUnits, BaseUnitsIn


class StakingPositionOut(BaseModel):
    chain_id: int
    chain: str
    staking: str
    token: str
    decimals: int = 18
    staked: BaseUnits = Field(description="Earning stake")
    pending_unstake: BaseUnits = Field(description="Requested, unbonding or ready to withdraw")
    unlock_at: datetime | None = Field(description="When the pending unstake can be withdrawn (UTC)")
    withdrawable: bool = Field(description="pending_unstake > 0 and unlock_at has passed")
    withdrawn: BaseUnits
    rewards_paid: BaseUnits
    as_of_block: int
    confirmed_only: bool


class StakingOut(BaseModel):
    address: str
    chains: list[StakingPositionOut]


class StakingAction(StrEnum):
    STAKE = "stake"
    REQUEST_UNSTAKE = "request_unstake"
    WITHDRAW = "withdraw"
    CLAIM = "claim"


class StakingPrepareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chain: str = Field(max_length=64, description="Chain registry name or id")
    amount: BaseUnitsIn | None = Field(None, description="LNC base units: stake and request_unstake only")
    wallet: str | None = Field(None, max_length=42, description="One of my linked wallets; default: my first")
