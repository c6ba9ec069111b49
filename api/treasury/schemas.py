"""Treasury transparency: where the fees go, per chain and in total."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.kit.money import BaseUnits


class TokenAmountOut(BaseModel):
    token: str | None = Field(description="Token contract; null for the chain's native coin")
    symbol: str | None
    decimals: int | None
    amount: BaseUnits
    count: int | None = None


class KindAmountOut(BaseModel):
    kind: str = Field(description="Split kind (offset, social, operations, ...), decoded from bytes32")
    kind_bytes32: str
    token: str | None
    symbol: str | None
    decimals: int | None
    amount: BaseUnits


class SplitOut(BaseModel):
    to: str
    bps: int
    kind: str
    kind_bytes32: str


class OffsetOut(BaseModel):
    chain_id: int | None = None
    tx_hash: str | None = None
    explorer_url: str | None = None
    certificate_id: str
    grams_co2e: BaseUnits
    uri: str
    recorded_by: str
    block_number: int
    confirmed: bool


class ChainTreasury(BaseModel):
    chain_id: int
    chain: str
    treasury: str | None
    as_of_block: int
    fees_received: list[TokenAmountOut]
    distributions: list[KindAmountOut]
    splits: list[SplitOut] = Field(description="Current split configuration")
    offsets: list[OffsetOut] = Field(description="The latest 20 offsets; GET /v1/treasury/offsets pages through all")
    offsets_count: int
    offsets_grams_co2e: BaseUnits


class TotalAmount(BaseModel):
    symbol: str | None
    decimals: int | None
    amount: BaseUnits


class TotalKindAmount(BaseModel):
    kind: str
    symbol: str | None
    decimals: int | None
    amount: BaseUnits


class TreasuryTotals(BaseModel):
    fees_received: list[TotalAmount]
    distributions: list[TotalKindAmount]
    offsets_grams_co2e: BaseUnits
    offset_certificates: int


class TreasuryOut(BaseModel):
    confirmed_only: bool
    chains: list[ChainTreasury]
    totals: TreasuryTotals


class OffsetPage(BaseModel):
    items: list[OffsetOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null at the end")
