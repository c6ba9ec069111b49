"""Balances (LNC and native, confirmed and pending) and token transfers of an address."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.kit.money import BaseUnits


class AssetBalance(BaseModel):
    chain_id: int
    chain: str
    asset: Literal["native", "LNC"]
    token: str | None = Field(description="Token contract; null for the chain's native coin")
    symbol: str
    decimals: int
    confirmed: BaseUnits | None = Field(description="Balance as of `confirmed_as_of_block` (null: never seen there)")
    confirmed_as_of_block: int | None
    pending: BaseUnits | None = Field(description="Balance as of `pending_as_of_block`, including unconfirmed blocks")
    pending_as_of_block: int | None


class AssetTotal(BaseModel):
    symbol: str
    decimals: int
    confirmed: BaseUnits
    pending: BaseUnits
    chains: list[int]


class BalancesOut(BaseModel):
    address: str
    items: list[AssetBalance]
    totals: list[AssetTotal] = Field(description="Sums across chains per symbol and decimals")
    method: str = Field(description="How native balances are known (events can't tell them)")


class TransferOut(BaseModel):
    chain_id: int
    chain: str
    block_number: int
    log_index: int
    block_time: datetime
    tx_hash: str
    explorer_url: str | None
    token: str
    symbol: str | None
    decimals: int | None
    from_address: str
    to_address: str
    direction: Literal["in", "out", "self"]
    value: BaseUnits
    confirmed: bool


class TransferPage(BaseModel):
    items: list[TransferOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null at the end")
